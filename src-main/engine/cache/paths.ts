import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { UserError } from '../../common/errors.ts';
import { join, resolve } from 'node:path';

/** Default depth-cache root: env GEMDEPTH_CACHE, else the platform's per-user cache folder. */
export function defaultCacheDir(): string {
  if (process.env.GEMDEPTH_CACHE) return resolve(process.env.GEMDEPTH_CACHE);
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'gemdepth', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'gemdepth');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gemdepth');
}

/** The cache folder, created and proved writable: a read-only one is one clear line, not an internal error. */
export async function requireWritableCache(dir: string): Promise<void> {
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new UserError(
      `the depth cache folder ${dir} cannot be written (${code}): make it writable, or pick another with --cache-dir or GEMDEPTH_CACHE`,
      'ECACHEDIR',
    );
  }
}
