import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import { dispatch } from '../../src-main/app/dispatch.ts';
import type { ApiRequest } from '../../src-main/common/api/schemas.ts';
import type { EngineApi, JobInfo } from '../../src-main/common/api/types.ts';
import { clip, sharedModels } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';
import { jobFinished } from '../helpers/jobs.ts';
import { fromBlockImage } from '../../src-main/common/api/depth-block.ts';
import { openAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { settingsOf } from '../../src-main/app/geometry-settings.ts';

let api: EngineApi;

beforeAll(async () => {
  sharedModels();
  vi.stubEnv('GEMDEPTH_CACHE', await tempDir('gemdepth-geometry-settings-'));
  api = createEngineApi();
});
afterAll(async () => {
  await api.dispose();
  vi.unstubAllEnvs();
});

async function analyse(req: ApiRequest<'startAnalysis'>): Promise<JobInfo> {
  return finished((await api.startAnalysis(req)).jobId);
}

const finished = (jobId: string) => jobFinished(api, jobId);

describe('engine API: the app\'s geometry settings (field of view, fusion)', () => {
  it('other settings are another analysis, found again by the same settings; the default stays', async () => {
    const path = clip('realshort.mp4');
    expect((await analyse({ path })).state).toBe('done');
    expect(await api.analysisStatus({ path })).toMatchObject({ analysed: true, unit: "metric (model's scale, unverified)" });
    // No field of view given: the clip's is estimated from the footage (or the default, said so), and reported.
    const cam0 = (await api.analysisStatus({ path })).camera!;
    expect(['estimated', 'default']).toContain(cam0.source);
    expect(cam0.fovDeg).toBeGreaterThan(30);
    expect(cam0.fovDeg).toBeLessThan(120);
    // The defaults, named, are the same analysis.
    expect((await api.analysisStatus({ path, geometry: { fusion: true } })).analysed).toBe(true);
    expect((await api.analysisStatus({ path, geometry: { fovDeg: 40 } })).analysed).toBe(false);
    expect((await api.analysisStatus({ path, geometry: { fusion: false } })).analysed).toBe(false);

    const narrow = { fovDeg: 40, fusion: false };
    expect((await analyse({ path, geometry: narrow })).state).toBe('done');
    expect((await api.analysisStatus({ path, geometry: narrow })).analysed).toBe(true);
    const d = await api.getDepth({ path, index: 3, geometry: narrow });
    const k = d!.intrinsics!;
    expect(k.fx).toBeCloseTo(k.width / 2 / Math.tan((20 * Math.PI) / 180), 3);
    // The default analysis is still there, with its own (wider) camera and its own depth.
    const dflt = await api.getDepth({ path, index: 3 });
    expect(dflt!.intrinsics!.fx).toBeLessThan(0.8 * k.fx);
    expect(Array.from(dflt!.data)).not.toEqual(Array.from(d!.data));
    const scene = await api.getScene({ path, index: 3, geometry: narrow, accumulate: 0, stride: 4 });
    expect(scene!.intrinsics.fx).toBeCloseTo(k.fx, 3);
    // An export with those settings reads that analysis: its camera path has the 40-degree camera.
    const out = await tempDir('gemdepth-geometry-export-');
    const { jobId } = await api.startExport({ input: path, out: join(out, 'fog.mp4'), effects: [{ effect: 'fog' }], geometry: narrow, cameraPath: join(out, 'cam') });
    expect((await finished(jobId)).state).toBe('done');
    const cam = JSON.parse(await readFile(join(out, 'cam', 'poses.json'), 'utf8')) as { intrinsics: { fx: number; width: number } };
    const given = (await api.analysisStatus({ path, geometry: narrow })).camera!;
    expect(given).toMatchObject({ source: 'user', confidence: 1 });
    expect(given.fovDeg).toBeCloseTo(40, 6);
    expect(cam.intrinsics.fx / cam.intrinsics.width).toBeCloseTo(k.fx / k.width, 4);
  }, 180_000);

  it('getDepthRange gives the analysed frames of a block, each as getDepth gives it (playback prefetch)', async () => {
    const path = clip('realshort.mp4');
    expect((await analyse({ path })).state).toBe('done');
    const block = await api.getDepthRange({ path, start: 30, count: 10 });
    expect(block.map((d) => d.index)).toEqual([30, 31, 32, 33, 34, 35]);
    // The cache's uint16 form travels (half the bytes) and arrives as getDepth's map, bit for bit.
    for (const d of block) expect(d.q?.data).toBeInstanceOf(Uint16Array);
    for (const d of [block[0], block[5]]) expect(fromBlockImage(d)).toEqual(await api.getDepth({ path, index: d.index }));
    // And that map is the cache's, as export reads it.
    const a = (await openAnalysis({ input: path, model: (await api.analysisStatus({ path })).model, ...settingsOf(undefined) }))!;
    for (const d of block) expect(Buffer.from(fromBlockImage(d).data.buffer).equals(Buffer.from((await a.readDepth(d.index)).data.buffer))).toBe(true);
    expect(await dispatch(api, 'getDepthRange', { path, start: 0, count: 500 })).toMatchObject({ ok: false, error: { kind: 'user' } });
  }, 120_000);

  it('refuses a field of view outside 10-170 degrees and unknown settings, in words', async () => {
    const path = clip('realshort.mp4');
    expect(await dispatch(api, 'analysisStatus', { path, geometry: { fovDeg: 5 } })).toMatchObject({ ok: false, error: { kind: 'user', message: /fovDeg/ } });
    expect(await dispatch(api, 'startAnalysis', { path, geometry: { stereo: true } })).toMatchObject({ ok: false, error: { kind: 'user', message: /stereo|unrecognized/i } });
  });
});
