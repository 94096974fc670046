import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { entryInUse } from './lease.ts';

/** Default ceiling for the depth cache; a 10-minute 720p clip's depth is about 3 GB. */
export const DEFAULT_CACHE_MAX_GB = 20;
/** Entries used this recently are never evicted: another job (app or CLI) may be writing them. */
export const IN_USE_MS = 10 * 60 * 1000;

export interface CacheEntry {
  /** The raw-depth key (folder name under depth/); its geometry layers live inside it. */
  key: string;
  dir: string;
  bytes: number;
  /** Last time a job opened or wrote it (ms since epoch). */
  lastUsed: number;
}

async function walk(dir: string): Promise<{ bytes: number; newest: number }> {
  let bytes = 0;
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await walk(p);
      bytes += sub.bytes;
      newest = Math.max(newest, sub.newest);
    } else {
      const s = await stat(p).catch(() => null);
      if (s) {
        bytes += s.size;
        newest = Math.max(newest, s.mtimeMs);
      }
    }
  }
  const own = await stat(dir).catch(() => null);
  return { bytes, newest: Math.max(newest, own?.mtimeMs ?? 0) };
}

/** The cache's depth entries, least recently used first. */
export async function listCache(cacheDir: string): Promise<CacheEntry[]> {
  const root = join(cacheDir, 'depth');
  const names = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: CacheEntry[] = [];
  for (const e of names) {
    // Only the engine's own entries (named by their 32-hex-digit key): a cache folder pointed at a
    // folder of the user's never has anything else listed, and so never removed.
    if (!e.isDirectory() || !/^[0-9a-f]{32}$/.test(e.name)) continue;
    const dir = join(root, e.name);
    const { bytes, newest } = await walk(dir);
    out.push({ key: e.name, dir, bytes, lastUsed: newest });
  }
  return out.sort((a, b) => a.lastUsed - b.lastUsed);
}

export interface EvictResult {
  removed: CacheEntry[];
  freedBytes: number;
  keptBytes: number;
}

/** What the cache holds, and its limit (null: none). */
export async function cacheSummary(cacheDir: string): Promise<{ entries: CacheEntry[]; bytes: number; limitBytes: number | null }> {
  const entries = await listCache(cacheDir);
  const limit = cacheLimitBytes();
  return { entries, bytes: entries.reduce((n, e) => n + e.bytes, 0), limitBytes: Number.isFinite(limit) ? limit : null };
}

/**
 * Removes least recently used entries until the cache holds at most `maxBytes`. Entries named in
 * `keep`, any used in the last IN_USE_MS and any a running job holds (lease.ts) are left alone even if
 * the cache stays over the limit.
 */
export async function evictCache(cacheDir: string, maxBytes: number, keep: ReadonlySet<string> = new Set(), now = Date.now()): Promise<EvictResult> {
  const entries = await listCache(cacheDir);
  let total = entries.reduce((s, e) => s + e.bytes, 0);
  const removed: CacheEntry[] = [];
  for (const e of entries) {
    if (total <= maxBytes) break;
    if (keep.has(e.key) || now - e.lastUsed < IN_USE_MS || (await entryInUse(e.dir, now))) continue;
    await rm(e.dir, { recursive: true, force: true });
    total -= e.bytes;
    removed.push(e);
  }
  return { removed, freedBytes: removed.reduce((n, e) => n + e.bytes, 0), keptBytes: total };
}

/** The ceiling in bytes: GEMDEPTH_CACHE_MAX_GB (0 = no automatic eviction), else the default. */
export function cacheLimitBytes(env = process.env.GEMDEPTH_CACHE_MAX_GB): number {
  if (env === undefined || env === '') return DEFAULT_CACHE_MAX_GB * 1024 ** 3;
  const gb = Number(env);
  if (!Number.isFinite(gb) || gb < 0) throw new UserError(`GEMDEPTH_CACHE_MAX_GB=${env} is not a size: give gigabytes, e.g. 20 (0 turns automatic eviction off)`, 'EINPUT');
  return gb === 0 ? Infinity : gb * 1024 ** 3;
}
