import { parentPort } from 'node:worker_threads';
import { UserError } from '../../common/errors.ts';
import type { Quantized } from '../../common/quantize.ts';
import type { ModelManifest } from './manifest.ts';
import { depthAtResolution, depthAtResolutionCached } from './postprocess.ts';
import { frameToTensor } from '../preprocess/index.ts';
import { loadModel, type LoadedModel, type LoadOptions } from './session.ts';
import type { ToMain, ToWorker } from './model-thread.ts';
import { workerMessages } from '../../util/worker-messages.ts';

/** Worker side of model-thread.ts: owns one ORT session; inputs and outputs move without copying. */
let model: LoadedModel | null = null;
/** Batch inputs whose run is done, for the next batches of the same size. */
const inputs: Float32Array[] = [];
/** Finished frames' depth arrays sent back to hold later outputs (a few batches' worth at most). */
const spares: Float32Array[] = [];
/** Finished frames' uint16 arrays sent back to hold later quantised outputs (runFramesCached). */
const quantizedSpares: Uint16Array[] = [];
const port = parentPort!;
// The first ArrayBuffer an isolate detaches (transfers) makes V8 throw away all its optimised typed-array
// code: one empty buffer detached now, before any kernel is compiled, rather than the first results sent
// back after the kernels were hot (each recompiled once a run).
const detached = new ArrayBuffer(0);
structuredClone(detached, { transfer: [detached] });

const send = (m: ToMain, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const failure = (e: unknown) => ({ message: e instanceof Error ? e.message : String(e), code: e instanceof UserError ? e.code : null });

workerMessages<ToWorker>(port, async (m) => {
  if (m.type === 'load') {
    try {
      const opts: LoadOptions = { ...m.opts, onWarning: (message) => send({ type: 'warning', message }) };
      model = await loadModel(m.manifest as ModelManifest, opts);
      send({ type: 'loaded', path: model.path, sha256: model.sha256, device: model.device, deviceLabel: model.deviceLabel, io: model.io });
    } catch (e) {
      send({ type: 'error', id: null, error: failure(e) });
    }
  } else if (m.type === 'run') {
    try {
      const r = await model!.run(m.input, m.dims);
      // ORT's output views may share one buffer: copy into owned arrays that can be transferred.
      const depth = r.depth.slice();
      const poses = r.poses ? r.poses.slice() : null;
      send({ type: 'result', id: m.id, depth, dims: r.dims, poses }, poses ? [depth.buffer, poses.buffer] : [depth.buffer]);
    } catch (e) {
      send({ type: 'error', id: m.id, error: failure(e) });
    }
  } else if (m.type === 'runFrames') {
    try {
      const { frames, inputSize: is, depthSize, rows } = m;
      for (const s of m.spare ?? []) if (spares.length < 16) spares.push(s);
      const per = 3 * is.width * is.height;
      // An input of its own for each batch under way (the binding runs the session in a later task, so the
      // next batch's message may be handled before this one's run has read its input); reused once its
      // run is done. Padded rows are zero.
      const size = rows * per;
      const input = inputs.at(-1)?.length === size ? inputs.pop()! : new Float32Array(size);
      frames.forEach((f, i) => frameToTensor(f, is, model!.manifest, input, i * per));
      input.fill(0, frames.length * per);
      let r;
      try {
        r = await model!.run(input, [rows, 3, is.height, is.width]);
      } finally {
        if (inputs.length < 4) inputs.push(input);
      }
      const [, oh, ow] = r.dims;
      const map = (i: number) => r.depth.subarray(i * oh * ow, (i + 1) * oh * ow);
      let depths: Float32Array[];
      let quantized: Quantized[] | null = null;
      if (m.cached) {
        for (const q of m.cached) if (quantizedSpares.length < 16) quantizedSpares.push(q);
        const both = frames.map((_f, i) => depthAtResolutionCached(map(i), ow, oh, depthSize, model!.manifest, spares.pop(), quantizedSpares.pop()));
        depths = both.map((b) => b.depth);
        quantized = both.map((b) => b.quantized);
      } else {
        depths = frames.map((_f, i) => depthAtResolution(map(i), ow, oh, depthSize, model!.manifest, spares.pop()));
      }
      const pixels = frames.map((f) => f.data);
      const moved = [...depths, ...pixels, ...(quantized ?? []).map((q) => q.data)].map((d) => d.buffer as ArrayBuffer);
      send({ type: 'frames', id: m.id, depths, pixels, quantized }, moved);
    } catch (e) {
      send({ type: 'error', id: m.id, error: failure(e) });
    }
  } else if (m.type === 'close') {
    await model?.close();
    model = null;
    send({ type: 'closed' });
  }
});
