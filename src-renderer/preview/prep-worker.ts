import { runPrep, transferables, type PrepJob } from './prep-jobs.ts';

/** The preview's low-res preparations off the page's thread (prep-jobs.ts); one job per message. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ id: number; job: PrepJob }>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};
scope.onmessage = (e) => {
  const result = runPrep(e.data.job);
  scope.postMessage({ id: e.data.id, result }, transferables(result));
};
