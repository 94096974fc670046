/** What every benchmark/profile script needs: the repository, ../shared (env GEMDEPTH_SHARED), bench-out, `--name value`. */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const SHARED = resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'));
export const BENCH_OUT = join(ROOT, 'bench-out');
export const BENCH_CACHE = join(BENCH_OUT, 'cache');

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
