import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IN_USE_MS, listCache } from '../../src-main/engine/cache/evict.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { PROXY_DIR } from '../../src-main/app/playback-proxy.ts';
import type { Progress } from '../../src-main/common/types.ts';
import { age } from '../helpers/cache.ts';
import { clip, sharedModels } from '../helpers/shared.ts';
import { runCli, tempDir } from '../helpers/tools.ts';

beforeAll(() => {
  process.env.GEMDEPTH_MODELS = sharedModels();
});
afterEach(() => vi.unstubAllEnvs());

const analyse = (cacheDir: string, start: number, progress?: Progress[]) =>
  runAnalysis({ input: clip('realshort.mp4'), start, end: start + 3, cacheDir, preview: false }, { onProgress: (p) => progress?.push(p) });

describe('depth cache eviction (least recently used first)', () => {
  it('over the limit, the oldest analysis goes; the running one and recently used ones stay; a removed one recomputes', async () => {
    const cacheDir = await tempDir('gemdepth-evict-');
    const a = await analyse(cacheDir, 0);
    const b = await analyse(cacheDir, 4);
    const entries = await listCache(cacheDir);
    expect(entries).toHaveLength(2);
    const keyA = a.cacheEntry;
    const keyB = b.cacheEntry;
    const one = entries[0].bytes;
    expect(one).toBeGreaterThan(10_000);
    await age(join(cacheDir, 'depth', keyA), 2 * IN_USE_MS);
    await age(join(cacheDir, 'depth', keyB), IN_USE_MS / 2); // "in use": must survive even over the limit
    expect((await listCache(cacheDir)).map((e) => e.key)).toEqual([keyA, keyB]);

    // Room for about one analysis: A (old) must go, B (recent) and C (this run) stay.
    vi.stubEnv('GEMDEPTH_CACHE_MAX_GB', String((1.5 * one) / 1024 ** 3));
    const progress: Progress[] = [];
    const c = await analyse(cacheDir, 8, progress);
    expect(progress.map((p) => p.message).find((m) => m?.startsWith('cache: removed 1 least recently used'))).toBeTruthy();
    const left = (await listCache(cacheDir)).map((e) => e.key).sort();
    expect(left).toEqual([keyB, c.cacheEntry].sort());

    // Opening an entry marks it used, and the removed one is simply recomputed.
    const before = (await stat(join(cacheDir, 'depth', keyB, 'layer.json'))).mtimeMs;
    await analyse(cacheDir, 4);
    expect((await stat(join(cacheDir, 'depth', keyB, 'layer.json'))).mtimeMs).toBeGreaterThan(before);
    vi.stubEnv('GEMDEPTH_CACHE_MAX_GB', '0');
    const again = await analyse(cacheDir, 0);
    expect((await again.readDepth(2)).data.length).toBe((await c.readDepth(9)).data.length);
  }, 120_000);

  it('a bad GEMDEPTH_CACHE_MAX_GB is one clear error', async () => {
    vi.stubEnv('GEMDEPTH_CACHE_MAX_GB', 'lots');
    await expect(analyse(await tempDir('gemdepth-evict-'), 0)).rejects.toThrow(/^GEMDEPTH_CACHE_MAX_GB=lots is not a size: give gigabytes/);
  });

  it('gemdepth cache list / prune / clear', async () => {
    const cacheDir = await tempDir('gemdepth-evict-cli-');
    const a = await analyse(cacheDir, 0);
    const key = a.cacheEntry;
    const list = await runCli(['cache', 'list', '--cache-dir', cacheDir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${key} +[0-9.]+ GB +last used \\d{4}-`, 'm'));
    expect(list.stdout).toMatch(/1 analyses, [0-9.]+ GB in .*limit 20\.00 GB/);
    // Just used: clear keeps it and says why.
    const kept = await runCli(['cache', 'clear', '--cache-dir', cacheDir]);
    expect(kept.stdout).toMatch(/removed 0 analyses .*kept: a job may be using them/);
    await age(join(cacheDir, 'depth', key), 2 * IN_USE_MS);
    // Playback proxies (files the app makes per clip): one not played for long goes, one just played stays.
    const proxies = join(cacheDir, PROXY_DIR);
    await mkdir(proxies, { recursive: true });
    const [oldProxy, newProxy] = ['a'.repeat(24) + '-640x360.mp4', 'b'.repeat(24) + '-640x360.mp4'];
    await writeFile(join(proxies, oldProxy), Buffer.alloc(5000));
    // Not named as the app names its proxies: the user's, never touched.
    await writeFile(join(proxies, 'holiday.mp4'), 'mine');
    await age(proxies, 2 * IN_USE_MS);
    await writeFile(join(proxies, newProxy), Buffer.alloc(3000));
    expect((await runCli(['cache', 'list', '--cache-dir', cacheDir])).stdout).toMatch(/^2 playback proxies/m);
    const cleared = await runCli(['cache', 'clear', '--cache-dir', cacheDir]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^removed 1 analyses \([0-9.]+ GB\); 0\.00 GB left$/m);
    expect(cleared.stdout).toMatch(/^removed 1 playback proxies \([0-9.]+ GB\); 0\.00 GB left \(proxies played in the last 10 minutes are kept\)$/m);
    expect(await listCache(cacheDir)).toEqual([]);
    expect((await readdir(proxies)).filter((n) => n.endsWith('.mp4')).sort()).toEqual([newProxy, 'holiday.mp4']);
    const bad = await runCli(['cache', 'prune', '--max-gb', 'x', '--cache-dir', cacheDir]);
    expect(bad.code).toBe(2);
  }, 120_000);

  it('cache clear on a folder of the user\'s removes nothing but the engine\'s own entries', async () => {
    const cacheDir = await tempDir('gemdepth-user-cache-');
    await mkdir(join(cacheDir, 'depth', 'holiday'), { recursive: true });
    await writeFile(join(cacheDir, 'depth', 'holiday', 'beach.jpg'), 'mine');
    await age(join(cacheDir, 'depth', 'holiday'), 100 * IN_USE_MS);
    const r = await runCli(['cache', 'clear', '--cache-dir', cacheDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(cacheDir, 'depth', 'holiday', 'beach.jpg'), 'utf8')).toBe('mine');
  }, 60_000);
});
