import type { Command } from 'commander';
import { resolve } from 'node:path';
import { cacheLimitBytes, cacheSummary, evictCache, IN_USE_MS, type EvictResult } from '../engine/cache/evict.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { createPlaybackProxies } from '../app/playback-proxy.ts';
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
      const { entries, bytes, limitBytes } = await cacheSummary(dir);
      for (const e of entries) process.stdout.write(`${e.key}  ${gb(e.bytes).padStart(10)}  last used ${new Date(e.lastUsed).toISOString()}\n`);
      process.stdout.write(`${entries.length} analyses, ${gb(bytes)} in ${dir} (limit ${limitBytes === null ? 'none' : gb(limitBytes)}; set GEMDEPTH_CACHE_MAX_GB)\n`);
      const p = await createPlaybackProxies({ cacheDir: dir }).summary();
      process.stdout.write(`${p.files} playback proxies, ${gb(p.bytes)} (limit ${gb(p.limitBytes)}; set GEMDEPTH_PROXY_MAX_MB)\n`);
    });
  cache
    .command('prune')
    .description('remove least recently used analyses until the cache fits the limit')
    .option('--max-gb <n>', 'size to trim to (default: GEMDEPTH_CACHE_MAX_GB or 20)', numArg('--max-gb'))
    .option('--cache-dir <dir>', 'depth cache folder')
    .action(async (o: { cacheDir?: string; maxGb?: number }) => report(await evictCache(dirOf(o), o.maxGb !== undefined ? o.maxGb * 1024 ** 3 : cacheLimitBytes())));
  cache
    .command('clear')
    .description('remove every cached analysis and playback proxy not in use')
    .option('--cache-dir <dir>', 'depth cache folder')
    .action(async (o: { cacheDir?: string }) => {
      report(await evictCache(dirOf(o), 0));
      const p = await createPlaybackProxies({ cacheDir: dirOf(o) }).clear({ keepUsedWithinMs: IN_USE_MS });
      process.stdout.write(`removed ${p.removed} playback proxies (${gb(p.freedBytes)}); ${gb(p.keptBytes)} left`);
      process.stdout.write(p.keptBytes > 0 ? ` (proxies played in the last ${IN_USE_MS / 60000} minutes are kept)\n` : '\n');
    });
}

function report(r: EvictResult): void {
  process.stdout.write(`removed ${r.removed.length} analyses (${gb(r.freedBytes)}); ${gb(r.keptBytes)} left`);
  process.stdout.write(r.keptBytes > 0 ? ` (analyses used in the last ${IN_USE_MS / 60000} minutes are kept: a job may be using them)\n` : '\n');
}
