import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { posesFileSchema, writeCameraPath, colmapShotDir } from '../../src-main/engine/geometry/camera-path.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { createPointTracker } from '../../src-main/engine/geometry/track-points.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { analyzeModel, filteredModel } from '../helpers/colmap.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';
import { TEST_CACHE } from '../effects/fixture.ts';
import { loadGlb, pointCount } from '../helpers/gltf.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

describe('COLMAP export: points tracked and triangulated on the exported poses', () => {
  it('a synthetic room: the points lie on its walls, and colmap reads them back within 2 px', async () => {
    const K = intrinsicsFor(320, 240, { fovDeg: 70 });
    const poses = Array.from({ length: 12 }, (_v, i) => poseYaw(0.01 * i, [0.04 * i, 0, 0.02 * i]));
    const tracker = createPointTracker(K);
    for (const [i, p] of poses.entries()) tracker.push(renderRoom(p, K, i).rgb.data, p, 0);
    const points = tracker.finish();
    expect(points.length).toBeGreaterThan(100);
    // The room's walls: x = +-3, y = +-2, z = 6 (the camera looks down +z from z ~ 0).
    const off = points.map((p) => Math.min(Math.abs(Math.abs(p.xyz[0]) - 3), Math.abs(Math.abs(p.xyz[1]) - 2), Math.abs(p.xyz[2] - 6)));
    off.sort((a, b) => a - b);
    expect(off[off.length >> 1]).toBeLessThan(0.05);
    const dir = await tempDir('gemdepth-colmap-');
    await writeCameraPath(dir, poses, K, poses.map((_p, i) => i / 25), { indices: poses.map((_p, i) => 100 + i), points, unit: 'metres (synthetic)' });
    const m = await analyzeModel(colmapShotDir(dir, 0));
    expect(m).toMatchObject({ images: 12, registered: 12, points: points.length });
    expect(m.meanError).toBeLessThanOrEqual(1);
    // COLMAP recomputes every observation's error from the cameras: none is over 2 px.
    expect((await filteredModel(colmapShotDir(dir, 0), await tempDir('gemdepth-colmap-f-'), 2)).observations).toBe(m.observations);
    const images = await readFile(join(colmapShotDir(dir, 0), 'images.txt'), 'utf8');
    expect(images).toContain(' 1 frame_000100.png\n');
  });

  it('cityCC0 across its cut: a model per shot at the video size, images named by source frame, points that colmap reads', async () => {
    const input = clip('cityCC0.mpg');
    const dir = await tempDir('gemdepth-colmap-city-');
    const cam = join(dir, 'cam');
    // 100..139 holds the cut at 116: two shots.
    await runRender({ input, out: join(dir, 'fog.mp4'), effects: [parseEffectSpec('fog')], start: 100, end: 139, cacheDir: TEST_CACHE, cameraPath: cam, withImages: true, depthPng: join(dir, 'depth') });
    // The exported video's size (720x405 is rounded to an even 720x406 for yuv420p), not the analysis grid.
    const info = await probe(join(dir, 'fog.mp4'));
    const doc = posesFileSchema.parse(JSON.parse(await readFile(join(cam, 'poses.json'), 'utf8')));
    expect([doc.intrinsics.width, doc.intrinsics.height]).toEqual([info.width, info.height]);
    // Every export says its unit: FastDepth's metres are its own indoor estimate.
    expect(doc.unit).toBe("metric (model's scale, unverified)");
    expect(JSON.parse(await readFile(join(dir, 'depth', 'mapping.json'), 'utf8'))).toMatchObject({ unit: doc.unit, meaning: expect.stringMatching(/unverified/) });
    expect(await readFile(join(colmapShotDir(cam, 0), 'points3D.txt'), 'utf8')).toContain(`# Units: ${doc.unit}.`);
    const shots = [...new Set(doc.frames.map((f) => f.shotId))];
    expect(shots).toEqual([0, 1]);
    expect(doc.frames.find((f) => f.shotId === 1)!.index).toBeGreaterThanOrEqual(114);
    expect(doc.frames.find((f) => f.shotId === 1)!.index).toBeLessThanOrEqual(118);
    // The frames beside the models carry the same numbers as the depth passes.
    const imgs = (await readdir(join(cam, 'images'))).sort();
    expect(imgs[0]).toBe('frame_000100.png');
    expect(imgs.map((n) => n.replace('frame_', 'depth_'))).toEqual((await readdir(join(dir, 'depth'))).filter((n) => n.startsWith('depth_')).sort());
    for (const s of shots) {
      const path = colmapShotDir(cam, s!);
      const cameras = await readFile(join(path, 'cameras.txt'), 'utf8');
      expect(cameras).toMatch(new RegExp(`^1 PINHOLE ${info.width} ${info.height} `, 'm'));
      const m = await analyzeModel(path);
      const n = doc.frames.filter((f) => f.shotId === s).length;
      expect(m.registered).toBe(n);
      expect(m.points).toBeGreaterThan(20);
      expect(m.meanError).toBeLessThanOrEqual(2);
      const f = await filteredModel(path, await tempDir('gemdepth-colmap-f-'), 2);
      expect(f.observations).toBe(m.observations);
      // Every image the model names is there.
      const names = (await readFile(join(path, 'images.txt'), 'utf8')).split('\n').filter((l) => /\.png$/.test(l)).map((l) => l.split(' ').pop()!);
      expect(names.length).toBe(n);
      for (const nm of names) expect(imgs).toContain(nm);
      // The shot's glTF scene: a camera keyed at every frame of the shot, and the shot's own fused cloud.
      const g = await loadGlb(join(cam, `scene_shot${s}.glb`));
      expect(g.animations[0].tracks.map((t) => t.times.length)).toEqual([n, n]);
      expect(pointCount(g.scene)).toBeGreaterThan(1000);
      expect(g.scene.userData.unit).toBe(doc.unit);
    }
  }, 300_000);
});
