import type { Worker } from 'node:worker_threads';
import { CancelledError } from '../../common/errors.ts';
import { startWorker } from '../../util/worker-entry.ts';
import { estimateFocal, type FocalEstimate } from './focal-search.ts';
import type { FocalSpan } from './focal-tracks.ts';
import { endWorker } from '../../util/worker-messages.ts';

export type FocalThreadRequest = { spans: FocalSpan[]; width: number; height: number };
export type FocalThreadReply = { type: 'estimate'; estimate: FocalEstimate } | { type: 'error'; message: string };

/**
 * The focal search (focal-search.ts) on a thread of its own. Why: it takes the stage's thread for most
 * of a second, and while that thread is busy its event loop cannot hand decoded frames to the model
 * thread or collect its depth, so decoding and the model stall with it; on its own thread they go on
 * (analyze.ts lets them run ahead) and the search overlaps them. The same code on the same spans: the
 * same estimate. `spans` grows between calls (the tracks' list): only the new ones are sent. Should
 * the thread fail to start or die, the search runs here, as before.
 */
export function createFocalThread(signal?: AbortSignal) {
  let worker: Worker | null = null;
  let broken = false;
  let sent = 0;
  try {
    worker = startWorker(import.meta.url, './focal-worker.ts', { bundle: true });
    // Idle between searches: an analysis that fails elsewhere must not keep the process alive.
    worker.unref();
  } catch {
    broken = true;
  }

  function onThread(spans: FocalSpan[], width: number, height: number): Promise<FocalEstimate> {
    const w = worker!;
    return new Promise<FocalEstimate>((resolve, reject) => {
      const done = () => {
        w.off('message', onMessage);
        w.off('error', onFailure);
        w.off('exit', onFailure);
        signal?.removeEventListener('abort', onAbort);
        w.unref();
      };
      const onMessage = (m: FocalThreadReply) => {
        done();
        if (m.type === 'estimate') resolve(m.estimate);
        else reject(new Error(`focal search thread: ${m.message}`));
      };
      const onFailure = (e?: unknown) => {
        done();
        reject(e instanceof Error ? e : new Error(`focal search thread exited (${String(e)})`));
      };
      const onAbort = () => {
        done();
        reject(new CancelledError());
      };
      if (signal?.aborted) return onAbort();
      w.on('message', onMessage);
      w.once('error', onFailure);
      w.once('exit', onFailure);
      signal?.addEventListener('abort', onAbort, { once: true });
      w.ref();
      w.postMessage({ spans: spans.slice(sent), width, height } satisfies FocalThreadRequest);
      sent = spans.length;
    });
  }

  // A cancelled job ends the thread; the listener holds the thread alone, not the stage's frames.
  const close = () => {
    signal?.removeEventListener('abort', close);
    if (worker) void endWorker(worker);
  };
  signal?.addEventListener('abort', close, { once: true });

  return {
    /** estimateFocal(spans, width, height), off this thread; rejects with CancelledError when the signal aborts. */
    async estimate(spans: FocalSpan[], width: number, height: number): Promise<FocalEstimate> {
      if (!broken && worker) {
        try {
          return await onThread(spans, width, height);
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          // Its spans are lost with it: from here on the search runs on this thread.
          broken = true;
          void worker.terminate();
        }
      }
      return estimateFocal(spans, width, height);
    },
    /** Whether the searches so far ran on the thread (false: it failed, they ran here). */
    onThread: () => worker !== null && !broken,
    /** Ends the thread (the camera is decided, or the job gave up). */
    close,
  };
}
