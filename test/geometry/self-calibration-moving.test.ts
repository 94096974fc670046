import { describe, expect, it } from 'vitest';
import { createCalibratedStage } from '../../src-main/engine/geometry/calibrated-stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import type { SyntheticFrame } from './synthetic.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';

const W = 192, H = 144;

/**
 * A textured card close to the camera (a subject filling a third of the picture) that slides across
 * the picture on its own path: its corners move in a way no camera motion of the room explains.
 */
function withSubject(f: SyntheticFrame, i: number): SyntheticFrame {
  const rgb = f.rgb.data.slice(), depth = f.depth.data.slice();
  const x0 = Math.round(W * 0.3), y0 = Math.round(H * 0.15), w = Math.round(W * 0.4), h = Math.round(H * 0.7);
  // Its own motion in the picture, pixels per frame: unrelated to the camera's.
  const dx = 2.5 * i, dy = 1.2 * i;
  for (let y = y0; y < y0 + h; y++)
    for (let x = x0; x < x0 + w; x++) {
      const u = x - dx, v = y - dy;
      const g = 0.5 + 0.25 * Math.sin(u * 0.9) * Math.cos(v * 0.7) + 0.25 * Math.sin(u * 0.23 + v * 0.41) * Math.sin(v * 0.13 - u * 0.05);
      const k = y * W + x;
      rgb[3 * k] = 255 * g; rgb[3 * k + 1] = 200 * g + 30; rgb[3 * k + 2] = 120 * g;
      depth[k] = 1;
    }
  return { ...f, rgb: { ...f.rgb, data: rgb }, depth: { ...f.depth, data: depth } };
}

const moving = Array.from({ length: 30 }, (_, i) => poseYaw(0.012 * i, [0.04 * i, 0.01 * Math.sin(i / 3), 0.06 * i], 0.05));

/** Frame i rendered with lens fovAt(i); the stage told nothing about it. */
async function analyse(fovAt: (i: number) => number, subject: boolean) {
  const stage = createCalibratedStage({ intrinsics: intrinsicsFor(W, H), source: 'default', analysisWidth: W });
  for (let i = 0; i < moving.length; i++) {
    const f = renderRoom(moving[i], intrinsicsFor(W, H, { fovDeg: fovAt(i) }), i);
    const g = subject ? withSubject(f, i) : f;
    await stage.push({ index: i, rgb: g.rgb, depth: corruptDepth(g.depth, i) });
  }
  expect(await stage.flush()).toHaveLength(moving.length);
  return stage.camera()!;
}

describe('field of view with a subject moving by itself, or a zoom', () => {
  for (const fov of [55, 85]) {
    it(`a ${fov} degree lens: the subject's corners do not bias the estimate`, async () => {
      const camera = await analyse(() => fov, true);
      expect(camera.source).toBe('estimated');
      expect(Math.abs(camera.fovDeg - fov)).toBeLessThan(3);
      expect(camera.confidence).toBeGreaterThan(0.5);
      expect(camera.warnings.join(' ')).not.toMatch(/zoom/);
    }, 180_000);
  }

  it('a zoom from 50 to 80 degrees along the shot is reported', async () => {
    const camera = await analyse((i) => 50 + (30 * i) / (moving.length - 1), false);
    expect(camera.warnings.join(' ')).toMatch(/zoom/);
  }, 180_000);
});
