import { parentPort } from 'node:worker_threads';
import { UserError } from '../../common/errors.ts';
import type { ModelManifest } from './manifest.ts';
import { loadModel, type LoadedModel, type LoadOptions } from './session.ts';
import type { ToMain, ToWorker } from './model-thread.ts';

/** Worker side of model-thread.ts: owns one ORT session; inputs and outputs move without copying. */
let model: LoadedModel | null = null;
const port = parentPort!;
const send = (m: ToMain, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const failure = (e: unknown) => ({ message: e instanceof Error ? e.message : String(e), code: e instanceof UserError ? e.code : null });

port.on('message', async (m: ToWorker) => {
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
      // The input goes back too, for the caller's next run (model-thread.ts: inputBuffer).
      const input = m.input;
      const back = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? [input.buffer as ArrayBuffer] : [];
      send({ type: 'result', id: m.id, depth, dims: r.dims, poses, input }, [depth.buffer, ...(poses ? [poses.buffer] : []), ...back]);
    } catch (e) {
      send({ type: 'error', id: m.id, error: failure(e) });
    }
  } else if (m.type === 'close') {
    await model?.close();
    model = null;
    send({ type: 'closed' });
  }
});
