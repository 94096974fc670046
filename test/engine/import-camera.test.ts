import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src-main/common/errors.ts';
import type { Mat4 } from '../../src-main/common/types.ts';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { openDepthPass } from '../../src-main/engine/encode/depth-pass-reader.ts';
import { readPly } from '../../src-main/engine/geometry/pointcloud.ts';
import { posesFileSchema } from '../../src-main/engine/geometry/camera-path.ts';
import { runAnalysis, type AnalysisResult } from '../../src-main/engine/jobs/analyze.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { TEST_CACHE } from '../effects/fixture.ts';
import { analyzeModel } from '../helpers/colmap.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';

/**
 * The camera of imported depth (import-camera.ts) on a real clip: the model's analysis of realshort.mp4
 * is exported as a 32-bit EXR pass, the pass imported, and the camera estimated from the footage with
 * it must match the analysis's own (the same depth, so the same path), while the imported depth stays
 * exactly what the pass holds. Then the point cloud and camera path export from the imported depth.
 */
const input = clip('realshort.mp4');
let dir: string;
let cache: string;
let model: AnalysisResult;
let exr: string;

/** Largest rotation between matching poses (degrees) and the mean translation gap over the path's extent. */
function poseGap(a: Mat4[], b: Mat4[]) {
  let rot = 0, gap = 0, extent = 0;
  for (let i = 0; i < a.length; i++) {
    let tr = 0;
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) tr += a[i][r * 4 + c] * b[i][r * 4 + c];
    rot = Math.max(rot, (Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))) * 180) / Math.PI);
    gap += Math.hypot(a[i][3] - b[i][3], a[i][7] - b[i][7], a[i][11] - b[i][11]) / a.length;
    extent = Math.max(extent, Math.hypot(a[i][3], a[i][7], a[i][11]));
  }
  return { rot, relGap: gap / extent, extent };
}

beforeAll(async () => {
  dir = await tempDir('gd-import-cam-');
  cache = join(dir, 'cache');
  model = await runAnalysis({ input, cacheDir: TEST_CACHE, preview: false });
  exr = join(dir, 'exr');
  // At the analysis's own size, so the pass is the analysis's depth (not an upsampled copy of it).
  await runRender({ input, out: join(dir, 'model.mp4'), effects: [parseEffectSpec('fog')], cacheDir: TEST_CACHE, depthExr: exr, width: model.width, height: model.height });
}, 300_000);

describe('the camera of imported depth', () => {
  it('is estimated from the footage with the pass: poses close to the analysis the pass came from, depth unchanged; progress and cancel', async () => {
    const progress: number[] = [];
    const ac = new AbortController();
    const cancelled = await runAnalysis({ input, cacheDir: cache, depthFrom: exr }, { signal: ac.signal, onProgress: (p) => { if (p.done >= 5) ac.abort(); } }).then(() => null, (e: unknown) => e);
    expect(cancelled).toBeInstanceOf(CancelledError);

    const a = await runAnalysis({ input, cacheDir: cache, depthFrom: exr }, { onProgress: (p) => progress.push(p.done) });
    expect(a.modelId).toBe('imported');
    expect(progress[progress.length - 1]).toBe(a.end - a.start + 1);
    expect(progress.some((d) => d > 0 && d < progress[progress.length - 1])).toBe(true);
    expect(a.poses?.length).toBe(model.poses!.length);
    const g = poseGap(model.poses!, a.poses!);
    console.log(`imported vs model camera: rotation <= ${g.rot.toFixed(3)} deg, mean position gap ${(100 * g.relGap).toFixed(1)}% of the path's extent ${g.extent.toFixed(4)}; fov ${a.camera.fovDeg.toFixed(1)} (${a.camera.source}) vs ${model.camera.fovDeg.toFixed(1)}`);
    expect(g.extent).toBeGreaterThan(0.01);
    expect(g.rot).toBeLessThan(1);
    expect(g.relGap).toBeLessThan(0.15);
    expect(Math.abs(a.camera.fovDeg - model.camera.fovDeg)).toBeLessThan(6);
    expect(a.camera.source).toBe('estimated');
    expect(a.intrinsics.width).toBe(a.width);

    // The pass is the truth: the cached depth is the file's, within the cache's 16-bit step per frame.
    const pass = await openDepthPass(exr);
    let k = 0;
    for await (const d of pass.frames()) {
      if (k === 0 || k === 20) {
        const got = (await a.readDepth(k)).data;
        let lo = Infinity, hi = 0, err = 0;
        for (let i = 0; i < d.length; i++) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); err = Math.max(err, Math.abs(got[i] - d[i])); }
        expect(err).toBeLessThanOrEqual(((hi - lo) / 65535) * 0.51 + 1e-6);
      }
      k++;
    }
  }, 300_000);

  it('point cloud and camera path export from the imported depth', async () => {
    const out = join(dir, 'out');
    await runRender({ input, out: join(dir, 'imported.mp4'), effects: [parseEffectSpec('fog')], cacheDir: cache, depthFrom: exr, pointcloud: join(dir, 'cloud.ply'), cameraPath: out });
    const ply = readPly(readFileSync(join(dir, 'cloud.ply')));
    expect(ply.positions.length / 3).toBeGreaterThan(1000);
    const poses = posesFileSchema.parse(JSON.parse(readFileSync(join(out, 'poses.json'), 'utf8')));
    expect(poses.frames.length).toBe(model.poses!.length);
    expect(readdirSync(join(out, 'colmap', 'shot0')).sort()).toEqual(['cameras.txt', 'images.txt', 'points3D.txt']);
    // COLMAP reads the model: every frame registered, the tracked points consistent with the poses.
    const m = await analyzeModel(join(out, 'colmap', 'shot0'));
    expect(m.registered).toBe(model.poses!.length);
    expect(m.points).toBeGreaterThan(100);
    expect(m.meanError).toBeLessThan(1.5);
    expect(readdirSync(out).some((f) => f.endsWith('.glb'))).toBe(true);
  }, 300_000);
});
