import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** Makes a cache entry look last used `ageMs` ago (every file and folder in it). */
export async function age(dir: string, ageMs: number): Promise<void> {
  const t = new Date(Date.now() - ageMs);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await age(p, ageMs);
    else await utimes(p, t, t);
  }
  await utimes(dir, t, t);
}
