import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import type { EngineApi, JobInfo } from '../../src-main/common/api/types.ts';
import { IN_USE_MS } from '../../src-main/engine/cache/evict.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { clip, sharedModels } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';

let api: EngineApi;
let cacheDir: string;

beforeAll(async () => {
  sharedModels();
  cacheDir = await tempDir('gemdepth-cache-api-');
  vi.stubEnv('GEMDEPTH_CACHE', cacheDir);
  api = createEngineApi();
});
afterAll(async () => {
  await api.dispose();
  vi.unstubAllEnvs();
});

async function backdate(dir: string): Promise<void> {
  const t = new Date(Date.now() - 2 * IN_USE_MS);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await backdate(join(dir, e.name));
    else await utimes(join(dir, e.name), t, t);
  }
  await utimes(dir, t, t);
}

describe('engine API: the depth cache in the settings', () => {
  it('reports what is cached; clearing keeps the analysis open in the app and removes the others', async () => {
    const path = clip('realshort.mp4');
    const { jobId } = await api.startAnalysis({ path });
    const done = await new Promise<JobInfo>((resolve) => {
      const off = api.onJobEvent((e) => {
        if (e.job.id === jobId && e.job.state !== 'running') {
          off();
          resolve(e.job);
        }
      });
    });
    expect(done.state).toBe('done');
    expect(await api.getDepth({ path, index: 3 })).not.toBeNull(); // the app now holds this analysis open
    // Another analysis of the same clip (a sub-range: its own entry), not open in the app.
    await runAnalysis({ input: path, start: 0, end: 3, preview: false });
    const info = await api.cacheInfo({});
    expect(info).toMatchObject({ dir: cacheDir, analyses: 2, limitBytes: 20 * 1024 ** 3 });
    expect(info.bytes).toBeGreaterThan(0);
    // No clip was imported: no playback proxy yet, and its own bound.
    expect(info.proxies).toEqual({ files: 0, bytes: 0, limitBytes: 4096 * 2 ** 20 });

    for (const e of await readdir(join(cacheDir, 'depth'))) await backdate(join(cacheDir, 'depth', e));
    const r = await api.clearCache({});
    expect(r).toMatchObject({ removed: 1, removedProxies: 0 });
    expect(r.freedBytes).toBeGreaterThan(0);
    expect((await api.cacheInfo({})).analyses).toBe(1);
    expect(await api.getDepth({ path, index: 3 })).not.toBeNull();
  }, 120_000);
});
