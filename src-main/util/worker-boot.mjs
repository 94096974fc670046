// Worker entry when the engine runs from TypeScript sources (tsx): Node 20 does not apply a worker's
// `--import tsx` before loading its entry module, so register tsx in this thread first, then load the
// real worker. Compiled builds load worker.js directly and never use this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
