import { createHash } from 'node:crypto';
import { mkdir, open, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readCheckedJson, writeChecked } from './checked-file.ts';
import { UserError } from '../common/errors.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';

/**
 * sha256 of a whole file, read in 4 MiB blocks into one buffer (node's sha256 uses the CPU's SHA
 * instructions, about 1.6 GB/s here; a read stream's per-chunk overhead made it 3x slower).
 */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/** Files hashed, remembered in the cache folder; the oldest are dropped beyond this many. */
const TABLE_MAX = 20000;
const TABLE = 'file-hashes.json';
const memo = new Map<string, string>();
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * What identifies a file's bytes without reading them: path, size, mtime, inode and ctime. ctime
 * changes on every write and cannot be set back (utimes itself moves it), so an edit that keeps the
 * size and restores the mtime still changes the key and the file is hashed again.
 */
async function identity(path: string): Promise<string> {
  const st = await stat(path, { bigint: true });
  return `${path}|${st.size}|${st.mtimeNs}|${st.ino}|${st.dev}|${st.ctimeNs}`;
}

async function readTable(file: string): Promise<Record<string, string>> {
  const t = await readCheckedJson(file);
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as Record<string, string>) : {};
}

/**
 * Full sha256 of each file, computed once per file identity (see identity above) and remembered in
 * memory and in the cache folder's checksummed table (one read and one write per call, whatever the
 * number of files: an image sequence has thousands).
 */
export async function cachedSha256Many(paths: string[], cacheDir = defaultCacheDir(), expected?: string): Promise<string[]> {
  const file = join(cacheDir, TABLE);
  const keys = await Promise.all(paths.map((p) => identity(resolve(p))));
  let table: Record<string, string> | null = null;
  const fresh: Record<string, string> = {};
  const out: string[] = [];
  for (let i = 0; i < paths.length; i++) {
    const key = keys[i];
    let hash = memo.get(key);
    if (!hash) {
      table ??= await readTable(file);
      const known = table[key];
      if (typeof known === 'string' && HEX64.test(known)) hash = known;
    }
    // A remembered hash that disagrees with the expected one is checked against the file itself, so a
    // damaged table can never make a good file fail its checksum.
    if (!hash || (expected !== undefined && hash !== expected)) {
      hash = await sha256File(paths[i]);
      // A file that changed while it was read (still being written) has no one content to name.
      if ((await identity(resolve(paths[i]))) !== key) {
        throw new UserError(`${paths[i]} changed while it was being read (another program is still writing it?): wait until it is complete, then try again`, 'EBUSY');
      }
      fresh[key] = hash;
    }
    if (memo.size > TABLE_MAX) memo.clear();
    memo.set(key, hash);
    out.push(hash);
  }
  if (Object.keys(fresh).length) await remember(file, cacheDir, fresh);
  return out;
}

/** Full sha256 of one file, remembered like cachedSha256Many. */
export async function cachedSha256(path: string, cacheDir = defaultCacheDir(), expected?: string): Promise<string> {
  return (await cachedSha256Many([path], cacheDir, expected))[0];
}

async function remember(file: string, cacheDir: string, fresh: Record<string, string>): Promise<void> {
  // Re-read: another job may have added entries since.
  const table = await readTable(file);
  for (const [k, v] of Object.entries(fresh)) {
    delete table[k];
    table[k] = v;
  }
  const keys = Object.keys(table);
  for (const k of keys.slice(0, Math.max(0, keys.length - TABLE_MAX))) delete table[k];
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeChecked(file, JSON.stringify(table));
  } catch {
    /* a read-only cache only costs hashing again next time */
  }
}
