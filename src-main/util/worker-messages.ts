import type { MessagePort, Worker } from 'node:worker_threads';

/** What endWorker sends: the thread is to end (handled by workerMessages, never seen by a worker's handler). */
const END = 'gemdepth:end-worker';

/**
 * A worker's side of its messages: `handle` gets each one, and endWorker's request closes the port so the
 * thread's loop runs dry and the thread exits on its own.
 */
export function workerMessages<T>(port: MessagePort, handle: (m: T) => unknown): void {
  port.on('message', (m: T | typeof END) => (m === END ? port.close() : handle(m)));
}

/**
 * Ends a worker whose messages go through workerMessages: asked to exit on its own, terminated only when it
 * has not within `graceMs` (a long task under way). Why not terminate() at once: a terminated thread's
 * isolate is torn down while V8 may still be compiling its code in the background, and Node 20 then aborts
 * the whole process (NodePlatform::ForIsolate's assertion), which short analyses run one after another in
 * one process hit; a thread that exits on its own waits for those compile jobs first.
 */
export async function endWorker(w: Worker, graceMs = 5000): Promise<void> {
  if (w.threadId < 0) return;
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  w.postMessage(END);
  const late = setTimeout(() => void w.terminate(), graceMs);
  await exited;
  clearTimeout(late);
}
