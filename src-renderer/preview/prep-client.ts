import { runPrep, type PrepJob, type PrepResult } from './prep-jobs.ts';

export interface PrepClient {
  run(job: PrepJob): Promise<PrepResult>;
  dispose(): void;
}

/**
 * A worker for the preview's heavy preparations (prep-jobs.ts), or null where workers cannot start (the
 * preview then computes them in place, as before).
 */
export function createPrepClient(): PrepClient | null {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./prep-worker.ts', import.meta.url), { type: 'module', name: 'effect-prep' });
  } catch {
    return null;
  }
  let seq = 0;
  let broken = false;
  const waiting = new Map<number, { job: PrepJob; resolve: (r: PrepResult) => void; reject: (e: Error) => void }>();
  worker.onmessage = (e: MessageEvent<{ id: number; result: PrepResult }>) => {
    const w = waiting.get(e.data.id);
    waiting.delete(e.data.id);
    w?.resolve(e.data.result);
  };
  // A worker that fails to load (a policy, a missing chunk) must not leave the picture waiting: the jobs
  // it holds, and every later one, are computed in place.
  worker.onerror = (e) => {
    e.preventDefault();
    broken = true;
    for (const w of waiting.values()) {
      try {
        w.resolve(runPrep(w.job));
      } catch (err) {
        w.reject(err as Error);
      }
    }
    waiting.clear();
  };
  return {
    run(job) {
      if (broken) return Promise.resolve().then(() => runPrep(job));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, { job, resolve, reject });
        // Copied, not moved: the preview keeps its low-res distance for the next preparation.
        worker.postMessage({ id, job });
      });
    },
    dispose() {
      worker.terminate();
      waiting.clear();
    },
  };
}
