import { describe, expect, it } from 'vitest';
import { createCalibratedStage } from '../../src-main/engine/geometry/calibrated-stage.ts';
import { createGeometryStage } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';

const W = 192, H = 144;

/** A long handheld-like path through the room: it sways, turns back and forth and drifts forward. */
const path = (n: number) => Array.from({ length: n }, (_, i) => poseYaw(0.25 * Math.sin(i / 14), [0.9 * Math.sin(i / 17), 0.15 * Math.sin(i / 9), 0.4 + 0.025 * i], 0.06 * Math.sin(i / 11)));

describe('the focal length refined along the shot by the window bundle adjustment', () => {
  it('started 10 degrees wide of the truth, the shared focal length comes back to it', async () => {
    const poses = path(60);
    const trueK = intrinsicsFor(W, H, { fovDeg: 60 });
    // Started from 70 degrees as if the held frames had said so, with their spread (about 5 degrees).
    const stage = createGeometryStage({ intrinsics: intrinsicsFor(W, H, { fovDeg: 70 }), analysisWidth: W, refineFocal: { sigma: 0.1 } });
    for (let i = 0; i < poses.length; i++) {
      const f = renderRoom(poses[i], trueK, i);
      await stage.push({ index: i, rgb: f.rgb, depth: corruptDepth(f.depth, i) });
    }
    await stage.flush();
    const r = stage.focal()!;
    expect(r.windows).toBeGreaterThan(3);
    expect(Math.abs(r.fovDeg - 60)).toBeLessThan(3);
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.zoom).toBeNull();
  }, 240_000);

  it('a zoom from 55 to 85 degrees after the held frames is reported, and a steady lens is not', async () => {
    const poses = path(150);
    const run = async (fovAt: (i: number) => number) => {
      const stage = createCalibratedStage({ intrinsics: intrinsicsFor(W, H), source: 'default', analysisWidth: W, refineAlongShot: true });
      for (let i = 0; i < poses.length; i++) {
        const f = renderRoom(poses[i], intrinsicsFor(W, H, { fovDeg: fovAt(i) }), i);
        await stage.push({ index: i, rgb: f.rgb, depth: corruptDepth(f.depth, i) });
      }
      await stage.flush();
      return stage.camera()!;
    };
    const zoomed = await run((i) => 55 + 30 * Math.min(1, Math.max(0, (i - 55) / 30)));
    // The held frames saw the lens before the zoom.
    expect(Math.abs(zoomed.fovDeg - 55)).toBeLessThan(3);
    expect(zoomed.zoom).toBeDefined();
    expect(zoomed.zoom!.toDeg - zoomed.zoom!.fromDeg).toBeGreaterThan(8);
    expect(zoomed.warnings.join(' ')).toMatch(/zoom/);
    const steady = await run(() => 55);
    expect(steady.zoom).toBeUndefined();
    expect(steady.warnings.join(' ')).not.toMatch(/zoom/);
    expect(Math.abs(steady.refined!.fovDeg - 55)).toBeLessThan(3);
  }, 480_000);
});
