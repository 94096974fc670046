import { parentPort } from 'node:worker_threads';
import { serveOutputs } from '../geometry/driver/output-serve.ts';
import { createOutputWrites } from './output-writes.ts';

/** The analysis's output thread, writing the frames' files there (output-writes.ts). */
serveOutputs(parentPort!, createOutputWrites());
