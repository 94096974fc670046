import type { Command } from 'commander';
import { resolve } from 'node:path';
import { cacheLimitBytes, evictCache, IN_USE_MS, listCache } from '../engine/cache/evict.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { numArg } from './args.ts';

const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GB`;

/** `gemdepth cache ...`: what the depth cache holds, and removing old analyses (least recently used first). */
export function registerCache(program: Command): void {
  const cache = program.command('cache').description('show or trim the depth cache (analyses are recomputed when needed)');
  const dirOf = (o: { cacheDir?: string }) => resolve(o.cacheDir ?? defaultCacheDir());
  cache
    .command('list')
    .description('cached analyses, least recently used first')
    .option('--cache-dir <dir>', 'depth cache folder (default: $GEMDEPTH_CACHE or ~/.cache/gemdepth)')
    .action(async (o: { cacheDir?: string }) => {
      const dir = dirOf(o);
      const entries = await listCache(dir);
      for (const e of entries) process.stdout.write(`${e.key}  ${gb(e.bytes).padStart(10)}  last used ${new Date(e.lastUsed).toISOString()}\n`);
      const total = entries.reduce((s, e) => s + e.bytes, 0);
      const limit = cacheLimitBytes();
      process.stdout.write(`${entries.length} analyses, ${gb(total)} in ${dir} (limit ${Number.isFinite(limit) ? gb(limit) : 'none'}; set GEMDEPTH_CACHE_MAX_GB)\n`);
    });
  cache
    .command('prune')
    .description('remove least recently used analyses until the cache fits the limit')
    .option('--max-gb <n>', 'size to trim to (default: GEMDEPTH_CACHE_MAX_GB or 20)', numArg('--max-gb'))
    .option('--cache-dir <dir>', 'depth cache folder')
    .action(async (o: { cacheDir?: string; maxGb?: number }) => report(await evictCache(dirOf(o), o.maxGb !== undefined ? o.maxGb * 1024 ** 3 : cacheLimitBytes())));
  cache
    .command('clear')
    .description('remove every cached analysis not in use')
    .option('--cache-dir <dir>', 'depth cache folder')
    .action(async (o: { cacheDir?: string }) => report(await evictCache(dirOf(o), 0)));
}

function report(r: { removed: { bytes: number }[]; keptBytes: number }): void {
  const freed = r.removed.reduce((s, e) => s + e.bytes, 0);
  process.stdout.write(`removed ${r.removed.length} analyses (${gb(freed)}); ${gb(r.keptBytes)} left`);
  process.stdout.write(r.keptBytes > 0 ? ` (analyses used in the last ${IN_USE_MS / 60000} minutes are kept: a job may be using them)\n` : '\n');
}
