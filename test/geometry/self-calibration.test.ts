import { describe, expect, it } from 'vitest';
import { createCalibratedStage } from '../../src-main/engine/geometry/calibrated-stage.ts';
import { DEFAULT_FOV_DEG, intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import type { GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import type { Mat4 } from '../../src-main/common/types.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';

const W = 192, H = 144;

/** The footage rendered with the true field of view; the stage is given only the default one, as analyze is when nothing is known. */
async function analyse(trueFov: number, path: Mat4[]) {
  const K = intrinsicsFor(W, H, { fovDeg: trueFov });
  const stage = createCalibratedStage({ intrinsics: intrinsicsFor(W, H), source: 'default', analysisWidth: W });
  const out: GeometryOutput[] = [];
  for (let i = 0; i < path.length; i++) {
    const f = renderRoom(path[i], K, i);
    out.push(...(await stage.push({ index: i, rgb: f.rgb, depth: corruptDepth(f.depth, i) })));
  }
  out.push(...(await stage.flush()));
  expect(out.map((o) => o.index)).toEqual(path.map((_v, i) => i));
  for (const o of out) expect(o.pose.every(Number.isFinite) && o.depth.data.every(Number.isFinite)).toBe(true);
  return { camera: stage.camera()!, out };
}

const moving = Array.from({ length: 30 }, (_, i) => poseYaw(0.012 * i, [0.04 * i, 0.01 * Math.sin(i / 3), 0.06 * i], 0.05));
const turning = Array.from({ length: 30 }, (_, i) => poseYaw(0.015 * i, [0.2, 0, 0.4], 0.004 * i));
const still = Array.from({ length: 20 }, () => poseYaw(0.2, [0.3, 0.1, 0.5]));

describe('field of view estimated from the footage', () => {
  for (const fov of [40, 60, 90, 110]) {
    it(`a moving, turning camera with a ${fov} degree lens: the estimate within 3 degrees, confident`, async () => {
      const { camera } = await analyse(fov, moving);
      expect(camera.source).toBe('estimated');
      expect(Math.abs(camera.fovDeg - fov)).toBeLessThan(3);
      expect(camera.confidence).toBeGreaterThan(0.5);
      expect(camera.K.fx).toBeCloseTo(W / 2 / Math.tan((camera.fovDeg * Math.PI) / 360), 6);
    }, 120_000);
  }

  it('a pure rotation still tells the field of view (no parallax: the poses themselves stay low-confidence)', async () => {
    for (const fov of [50, 100]) {
      const { camera, out } = await analyse(fov, turning);
      expect(camera.source).toBe('estimated');
      expect(Math.abs(camera.fovDeg - fov)).toBeLessThan(3);
      // No translation: the depth cannot be triangulated, and the pose confidence says so.
      expect(out.slice(4).every((o) => o.confidence < 0.3)).toBe(true);
    }
  }, 120_000);

  it('a static shot cannot tell: the default kept, low confidence, a warning, no crash', async () => {
    const { camera } = await analyse(90, still);
    expect(camera.source).toBe('default');
    expect(camera.fovDeg).toBeCloseTo(DEFAULT_FOV_DEG, 6);
    expect(camera.confidence).toBeLessThan(0.2);
    expect(camera.warnings.join(' ')).toMatch(/cannot tell/);
  }, 60_000);

  it('a field of view the user gave is used as it is, with full confidence', async () => {
    const K = intrinsicsFor(W, H, { fovDeg: 75 });
    const stage = createCalibratedStage({ intrinsics: K, source: 'user', analysisWidth: W });
    const f = renderRoom(moving[0], K, 0);
    await stage.push({ index: 0, rgb: f.rgb, depth: f.depth });
    expect(stage.camera()).toMatchObject({ K, source: 'user', confidence: 1, warnings: [] });
    expect(stage.camera()!.fovDeg).toBeCloseTo(75, 6);
  });
});
