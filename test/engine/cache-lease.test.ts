import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IN_USE_MS, listCache } from '../../src-main/engine/cache/evict.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { age } from '../helpers/cache.ts';
import { clip, REPO_ROOT, sharedModels } from '../helpers/shared.ts';
import { runCli, tempDir } from '../helpers/tools.ts';

beforeAll(() => {
  process.env.GEMDEPTH_MODELS = sharedModels();
});

/** A separate process that claims the entry and stays alive until killed: a job that runs for hours. */
function holder(entryDir: string) {
  const code = `const { leaseEntry } = await import(${JSON.stringify(join(REPO_ROOT, 'src-main/engine/cache/lease.ts'))}); await leaseEntry(${JSON.stringify(entryDir)}); console.log('held'); setInterval(() => {}, 1000);`;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((res) => p.stdout.once('data', () => res()));
  return { p, ready };
}

describe('an entry in use by a running job is never evicted', () => {
  it('however long ago it was last written; a dead job\'s claim does not count', async () => {
    const cacheDir = await tempDir('gemdepth-lease-');
    const a = await runAnalysis({ input: clip('realshort.mp4'), start: 0, end: 3, cacheDir, preview: false, poses: false, device: 'cpu' });
    const dir = join(cacheDir, 'depth', a.cacheEntry);
    const job = holder(dir);
    await job.ready;
    await age(dir, 100 * IN_USE_MS);
    // Another process clears the cache: the held entry stays.
    const kept = await runCli(['cache', 'clear', '--cache-dir', cacheDir]);
    expect(kept.stdout).toMatch(/removed 0 analyses/);
    expect((await listCache(cacheDir)).map((e) => e.key)).toEqual([a.cacheEntry]);
    // The job dies without releasing (kill -9): its claim is stale, the entry can go.
    job.p.kill('SIGKILL');
    await new Promise((r) => job.p.once('exit', r));
    await age(dir, 100 * IN_USE_MS);
    const cleared = await runCli(['cache', 'clear', '--cache-dir', cacheDir]);
    expect(cleared.stdout).toMatch(/removed 1 analyses/);
    expect(await listCache(cacheDir)).toEqual([]);
  }, 60_000);

  it('an export reading an old entry holds it; released when done', async () => {
    const cacheDir = await tempDir('gemdepth-lease-');
    const a = await runAnalysis({ input: clip('realshort.mp4'), start: 0, end: 3, cacheDir, preview: false, poses: false, device: 'cpu' });
    const dir = join(cacheDir, 'depth', a.cacheEntry);
    const lease = await a.hold();
    await age(dir, 100 * IN_USE_MS);
    expect((await runCli(['cache', 'clear', '--cache-dir', cacheDir])).stdout).toMatch(/removed 0 analyses/);
    await lease.release();
    await age(dir, 100 * IN_USE_MS);
    expect((await runCli(['cache', 'clear', '--cache-dir', cacheDir])).stdout).toMatch(/removed 1 analyses/);
  }, 60_000);
});
