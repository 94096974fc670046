import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { isWholeBuffer } from '../../util/buffer-pool.ts';
import { startWorker } from '../../util/worker-entry.ts';
import { renderFrame, type FrameJob, type FrameResult } from './frame-job.ts';
import { endWorker } from '../../util/worker-messages.ts';

/**
 * A small pool of worker threads rendering whole frames in parallel (frames are independent, so
 * frame-level parallelism needs no synchronisation inside a frame). From TypeScript sources the workers
 * start from an esbuild bundle of worker.ts (util/worker-entry.ts); a compiled build loads worker.js. A worker that dies fails the
 * jobs it holds with its error; GEMDEPTH_EFFECT_THREADS=0 renders on the calling thread instead.
 */
export interface EffectPool {
  readonly size: number;
  run(job: FrameJob): Promise<FrameResult>;
  close(): Promise<void>;
}

export function defaultPoolSize(): number {
  const env = Number(process.env.GEMDEPTH_EFFECT_THREADS);
  if (Number.isInteger(env) && env >= 0) return env;
  return Math.max(1, Math.min(4, availableParallelism()));
}

export function inlinePool(): EffectPool {
  return { size: 1, run: async (job) => renderFrame(job), close: async () => {} };
}

export function createEffectPool(size = defaultPoolSize()): EffectPool {
  if (size <= 0) return inlinePool();
  const workers: { w: Worker; busy: boolean }[] = [];
  const waiting: { job: FrameJob; resolve: (r: FrameResult) => void; reject: (e: Error) => void }[] = [];
  const pending = new Map<number, { resolve: (r: FrameResult) => void; reject: (e: Error) => void; slot: number }>();
  let nextId = 0;
  let broken: Error | null = null;

  const dispatch = () => {
    for (let s = 0; s < workers.length && waiting.length; s++) {
      if (workers[s].busy) continue;
      const t = waiting.shift()!;
      const id = nextId++;
      pending.set(id, { resolve: t.resolve, reject: t.reject, slot: s });
      workers[s].busy = true;
      // The decoded frame and the output buffer are owned by the job; hand them over instead of copying.
      const transfer = new Set([t.job.frame.data, t.job.into].filter(isWholeBuffer).map((a) => a.buffer as ArrayBuffer));
      workers[s].w.postMessage({ id, job: t.job }, [...transfer]);
    }
  };

  for (let s = 0; s < size; s++) {
    const w = startWorker(import.meta.url, './worker.ts', { bundle: true });
    w.on('message', (m: { id: number; result?: FrameResult; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      workers[p.slot].busy = false;
      if (m.error) p.reject(new Error(`effect worker: ${m.error}`));
      else p.resolve(m.result!);
      dispatch();
    });
    w.on('error', (e) => {
      broken = e;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(e);
      }
      while (waiting.length) waiting.shift()!.reject(e);
    });
    workers.push({ w, busy: false });
  }

  return {
    size,
    run(job) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        waiting.push({ job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((x) => endWorker(x.w)));
    },
  };
}
