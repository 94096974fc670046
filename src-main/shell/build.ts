/**
 * Builds the Electron main process: tsc emits src-main/ to dist-main/ keeping the folder layout (the
 * engine finds models/ relative to its own files, so bundling would break that), and esbuild bundles
 * the preload into one CommonJS file, as sandboxed preloads cannot load ES modules or node_modules.
 */
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
await build({
  entryPoints: [join(here, 'preload.ts')],
  outfile: join(root, 'dist-main', 'shell', 'preload.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
console.log('shell built: dist-main/shell/main.js, dist-main/shell/preload.cjs');
