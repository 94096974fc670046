import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a sibling module of `base` (pass import.meta.url and './x.ts'). From
 * TypeScript sources the worker boots through worker-boot.mjs, which registers tsx first (Node 20 does
 * not apply a worker's `--import tsx` to its entry); a compiled build loads the .js file directly.
 */
export function startWorker(base: string, tsPath: string): Worker {
  const ts = base.endsWith('.ts');
  const entry = new URL(ts ? tsPath : tsPath.replace(/\.ts$/, '.js'), base);
  if (!ts) return new Worker(entry);
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry: entry.href } });
}
