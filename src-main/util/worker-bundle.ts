import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startWorker } from './worker-entry.ts';

const bundles = new Map<string, Promise<URL | null>>();

/**
 * The worker's module as one data: URL with native packages left out (imported from their installed
 * files by absolute URL) and each source's import.meta.url kept as its own file's; null when esbuild
 * is unavailable or the build fails.
 */
function bundleWithNatives(entry: URL, natives: string[]): Promise<URL | null> {
  const key = entry.href;
  let known = bundles.get(key);
  if (!known) {
    known = build(entry, natives).catch(() => null);
    bundles.set(key, known);
  }
  return known;
}

async function build(entry: URL, natives: string[]): Promise<URL | null> {
  // Only ever reached from TypeScript sources, where esbuild (tsx's compiler) is installed.
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const nativeRe = new RegExp(`^(${natives.map(escape).join('|')})$`);
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'natives-and-own-urls',
        setup(b) {
          // A native package loads its binary relative to its own files: import it from where it is installed.
          b.onResolve({ filter: nativeRe }, (a) => ({ path: pathToFileURL(createRequire(a.importer).resolve(a.path)).href, external: true }));
          // Sources find files (models, binaries) relative to themselves: each keeps its own URL in the bundle.
          b.onLoad({ filter: /\.ts$/ }, async (a) => ({
            contents: (await readFile(a.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].contents).toString('base64')}`);
}

/**
 * startWorker for a worker that imports native packages (`natives`, e.g. onnxruntime-node): from
 * TypeScript sources it starts from an esbuild bundle, as effect workers do (worker-entry.ts: tsx in a
 * worker costs about a second of wall time and half a second of CPU on 2 busy cores, most of a short
 * analysis's start), and through tsx if the bundle cannot be built. A compiled build loads the .js file.
 */
export async function startWorkerWithNatives(base: string, tsPath: string, natives: string[]): Promise<Worker> {
  if (!base.endsWith('.ts')) return startWorker(base, tsPath);
  const one = await bundleWithNatives(new URL(tsPath, base), natives);
  return one ? new Worker(one, { execArgv: [] }) : startWorker(base, tsPath);
}
