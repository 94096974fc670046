import { parentPort } from 'node:worker_threads';
import { renderFrame, type FrameJob } from './frame-job.ts';
import { workerMessages } from '../../util/worker-messages.ts';

/** Worker side of pool.ts: one frame at a time, results handed back without copying. */
workerMessages<{ id: number; job: FrameJob }>(parentPort!, (msg) => {
  try {
    const r = renderFrame(msg.job);
    const transfer = [r.rgb, r.depth, r.source].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
    parentPort!.postMessage({ id: msg.id, result: r }, transfer);
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  }
});
