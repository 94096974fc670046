import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Default depth-cache root: env GEMDEPTH_CACHE, else the platform's per-user cache folder. */
export function defaultCacheDir(): string {
  if (process.env.GEMDEPTH_CACHE) return resolve(process.env.GEMDEPTH_CACHE);
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'gemdepth', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'gemdepth');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gemdepth');
}
