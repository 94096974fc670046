import { cachedBundleSync } from './bundle-cache.ts';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WorkerOptions {
  /**
   * From TypeScript sources, bundle the worker into one ES module with esbuild and start it from that:
   * about 40 ms and a few MB instead of tsx's ~250 ms and ~0.25 s of CPU a worker (tsx runs its own
   * loader thread in every worker and transforms each module again). For workers whose imports are
   * plain TypeScript and pure-JS packages only: the bundle has no file of its own to resolve native
   * packages from.
   */
  bundle?: boolean;
}

const bundles = new Map<string, URL>();

/** The worker's module as one data: URL, built once per process; null when esbuild is unavailable. */
function bundled(entry: URL): URL | null {
  const key = entry.href;
  const known = bundles.get(key);
  if (known) return known;
  try {
    // Only ever reached from TypeScript sources, where esbuild (tsx's compiler) is installed.
    // Kept on disk while its sources are unchanged (bundle-cache.ts): no build at each start.
    const url = new URL(`data:text/javascript;base64,${Buffer.from(cachedBundleSync(fileURLToPath(entry))).toString('base64')}`);
    bundles.set(key, url);
    return url;
  } catch {
    return null;
  }
}

/**
 * Starts a worker thread on a sibling module of `base` (pass import.meta.url and './x.ts'). A compiled
 * build loads the .js file directly. From TypeScript sources the worker is either bundled (options.bundle)
 * or boots through worker-boot.mjs, which registers tsx first (Node 20 does not apply a worker's
 * `--import tsx` to its entry).
 */
export function startWorker(base: string, tsPath: string, options: WorkerOptions = {}): Worker {
  const ts = base.endsWith('.ts');
  const entry = new URL(ts ? tsPath : tsPath.replace(/\.ts$/, '.js'), base);
  if (!ts) return new Worker(entry);
  const one = options.bundle ? bundled(entry) : null;
  // No inherited `--import tsx`: the bundle needs no loader, and tsx would start one in the worker all the same.
  if (one) return new Worker(one, { execArgv: [] });
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry: entry.href } });
}
