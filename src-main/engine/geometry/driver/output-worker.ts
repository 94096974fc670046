import { parentPort } from 'node:worker_threads';
import { serveOutputs } from './output-serve.ts';

/** The output thread (output-thread.ts) for a caller that writes the outputs itself. */
serveOutputs(parentPort!);
