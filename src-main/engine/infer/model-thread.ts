import type { Worker } from 'node:worker_threads';
import { UserError } from '../../common/errors.ts';
import { isWholeBuffer } from '../../util/buffer-pool.ts';
import { startWorkerWithNatives } from '../../util/worker-bundle.ts';
import type { ModelManifest } from './manifest.ts';
import type { LoadedModel, LoadOptions, ModelIo } from './session.ts';
import type { RgbFrame } from '../../common/types.ts';
import type { Quantized } from '../../common/quantize.ts';
import type { Size } from '../preprocess/index.ts';
import { endWorker } from '../../util/worker-messages.ts';

/**
 * A model whose session runs on its own thread. onnxruntime-node runs a session synchronously on the
 * calling thread, so on the main thread preprocessing, postprocessing and cache writes wait for every
 * inference; here they overlap with it (analysis of cockatoo.mp4 on 2 cores: see README figures).
 * Same interface as loadModel's result; user errors (checksum, I/O mismatch) keep their message and code.
 */
export type ToWorker =
  | { type: 'load'; manifest: ModelManifest; opts: Omit<LoadOptions, 'onWarning'> }
  | { type: 'run'; id: number; input: Float32Array; dims: number[] }
  | { type: 'runFrames'; id: number; frames: RgbFrame[]; inputSize: Size; depthSize: Size; rows: number; spare: Float32Array[]; cached?: Uint16Array[] }
  | { type: 'close' };

type Failure = { message: string; code: string | null };
export type ToMain =
  | { type: 'loaded'; path: string; sha256: string; device: 'cuda' | 'cpu'; deviceLabel: string; io: ModelIo }
  | { type: 'warning'; message: string }
  | { type: 'result'; id: number; depth: Float32Array; dims: [number, number, number]; poses: Float32Array | null }
  | { type: 'frames'; id: number; depths: Float32Array[]; pixels: Uint8Array[]; quantized: Quantized[] | null }
  | { type: 'error'; id: number | null; error: Failure }
  | { type: 'closed' };

const toError = (f: Failure) => (f.code ? new UserError(f.message, f.code) : new Error(f.message));

export async function loadModelThreaded(manifest: ModelManifest, o: LoadOptions = {}): Promise<LoadedModel> {
  const w: Worker = await startWorkerWithNatives(import.meta.url, './model-thread-worker.ts', ['onnxruntime-node']);
  type Answer = Extract<ToMain, { type: 'result' | 'frames' }>;
  const pending = new Map<number, { resolve: (m: Answer) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | null = null;
  let onLoaded: ((m: Extract<ToMain, { type: 'loaded' }>) => void) | null = null;
  let onLoadError: ((e: Error) => void) | null = null;
  let onClosed: (() => void) | null = null;
  const failAll = (e: Error) => {
    dead = e;
    onLoadError?.(e);
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    onClosed?.();
  };
  w.on('message', (m: ToMain) => {
    if (m.type === 'loaded') onLoaded?.(m);
    else if (m.type === 'warning') o.onWarning?.(m.message);
    else if (m.type === 'closed') onClosed?.();
    else if (m.type === 'error' && m.id === null) onLoadError?.(toError(m.error));
    else if (m.id !== null) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === 'error') p.reject(toError(m.error));
      else p.resolve(m);
    }
  });
  w.on('error', (e) => failAll(new Error(`inference thread failed: ${e.message}`)));
  w.on('exit', (code) => {
    if (!dead) failAll(new Error(`inference thread exited (code ${code})`));
  });

  const { onWarning: _w, ...opts } = o;
  let info: Extract<ToMain, { type: 'loaded' }>;
  try {
    info = await new Promise((resolve, reject) => {
      onLoaded = resolve;
      onLoadError = reject;
      w.postMessage({ type: 'load', manifest, opts } satisfies ToWorker);
    });
  } catch (e) {
    await endWorker(w);
    throw e;
  } finally {
    onLoaded = null;
    onLoadError = null;
  }

  const runFrames = (frames: RgbFrame[], inputSize: Size, depthSize: Size, rows: number, spare: Float32Array[], cached: Uint16Array[] | null) => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<Extract<ToMain, { type: 'frames' }>>((resolve, reject) => {
      const done = (m: Answer) => {
        if (m.type !== 'frames') return;
        // The pixels come back in place: the frames go on to tracking as if they had never left.
        m.pixels.forEach((px, i) => (frames[i].data = px));
        resolve(m);
      };
      pending.set(id, { resolve: done, reject });
      // Lent, not copied (0.27 MB a 720p analysis frame); views into a larger buffer are copied.
      const lent = frames.map((f) => f.data).filter((d) => d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer);
      // Finished frames' depth (and quantised) arrays, moved (the caller gives them away): the thread's next outputs.
      const given = spare.filter((d) => isWholeBuffer(d));
      const givenQ = cached?.filter((d) => isWholeBuffer(d));
      try {
        const moved = [...lent, ...given, ...(givenQ ?? [])].map((d) => d.buffer as ArrayBuffer);
        w.postMessage({ type: 'runFrames', id, frames, inputSize, depthSize, rows, spare: given, ...(givenQ ? { cached: givenQ } : {}) } satisfies ToWorker, moved);
      } catch (e) {
        // E.g. a frame whose pixels are already lent: nothing was sent.
        pending.delete(id);
        reject(e as Error);
      }
    });
  };

  return {
    manifest,
    path: info.path,
    sha256: info.sha256,
    device: info.device,
    deviceLabel: info.deviceLabel,
    io: info.io,
    run(input, dims) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: (m) => m.type === 'result' && resolve({ depth: m.depth, dims: m.dims, poses: m.poses }), reject });
        // The caller builds a fresh input per run: hand it over instead of copying (it is unusable after).
        const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
        w.postMessage({ type: 'run', id, input, dims } satisfies ToWorker, whole ? [input.buffer as ArrayBuffer] : []);
      });
    },
    runFrames(frames, inputSize, depthSize, rows, spare = []) {
      return runFrames(frames, inputSize, depthSize, rows, spare, null).then((m) => m.depths);
    },
    runFramesCached(frames, inputSize, depthSize, rows, spare = [], spareQuantized = []) {
      return runFrames(frames, inputSize, depthSize, rows, spare, spareQuantized).then((m) => m.depths.map((depth, i) => ({ depth, quantized: m.quantized![i] })));
    },
    async close() {
      if (!dead) {
        await new Promise<void>((resolve) => {
          onClosed = resolve;
          w.postMessage({ type: 'close' } satisfies ToWorker);
        });
      }
      dead = dead ?? new Error('model closed');
      await endWorker(w);
    },
  };
}
