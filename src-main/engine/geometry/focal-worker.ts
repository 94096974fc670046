import { parentPort } from 'node:worker_threads';
import { estimateFocal } from './focal-search.ts';
import type { FocalSpan } from './focal-tracks.ts';
import type { FocalThreadReply, FocalThreadRequest } from './focal-thread.ts';
import { workerMessages } from '../../util/worker-messages.ts';

/**
 * Worker side of focal-thread.ts: the focal search (focal-search.ts, the same code) on the spans sent so
 * far. They are kept here, so a second search (the held frames extended) reuses the first's work on
 * the spans both see, as it does on the stage's thread.
 */
const port = parentPort!;
const spans: FocalSpan[] = [];
workerMessages<FocalThreadRequest>(port, (m) => {
  spans.push(...m.spans);
  let reply: FocalThreadReply;
  try {
    reply = { type: 'estimate', estimate: estimateFocal(spans, m.width, m.height) };
  } catch (e) {
    reply = { type: 'error', message: (e as Error).stack ?? String(e) };
  }
  port.postMessage(reply);
});
