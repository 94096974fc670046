import { parentPort } from 'node:worker_threads';
import { createOutputMaker, type OutputJob, type OutputSettings } from './frame-output.ts';
import type { FromOutputWorker } from './output-thread.ts';

/**
 * Worker side of output-thread.ts: makes the frames' outputs in order (frame-output.ts, the same code
 * the stage runs on its own thread) and hands the new depth back without copying.
 */
const port = parentPort!;
let make: ((j: OutputJob) => ReturnType<ReturnType<typeof createOutputMaker>>) | null = null;

port.on('message', (m: { type: 'settings'; settings: OutputSettings } | { type: 'job'; job: OutputJob }) => {
  try {
    if (m.type === 'settings') { make = createOutputMaker(m.settings); return; }
    const out = make!(m.job);
    const transfer = [out.depth.data.buffer as ArrayBuffer, ...(out.aligned ? [out.aligned.data.buffer as ArrayBuffer] : [])];
    port.postMessage({ type: 'output', out } satisfies FromOutputWorker, transfer);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) } satisfies FromOutputWorker);
  }
});
