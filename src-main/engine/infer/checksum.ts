import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { defaultCacheDir } from '../cache/paths.ts';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const memo = new Map<string, string>();

/**
 * Hashing a 1 GB model on every run would dominate short analyses: remember the hash per
 * (path, size, mtime), on disk too, and recompute only when the file changed.
 */
export async function cachedSha256(path: string, cacheDir = defaultCacheDir()): Promise<string> {
  const abs = resolve(path);
  const st = await stat(abs);
  const key = `${abs}|${st.size}|${st.mtimeMs}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const file = join(cacheDir, 'model-hashes.json');
  let table: Record<string, string> = {};
  try {
    table = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    /* no table yet, or unreadable: rebuild it */
  }
  let hash = table[key];
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) {
    hash = await sha256File(abs);
    table[key] = hash;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify(table, null, 1));
    } catch {
      /* a read-only cache only costs a re-hash next time */
    }
  }
  memo.set(key, hash);
  return hash;
}
