import { describe, expect, it } from 'vitest';
import { DEFAULT_FOV_DEG, intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';

describe('intrinsicsFor', () => {
  it('defaults to a 60 degree horizontal field of view, centred', () => {
    const K = intrinsicsFor(640, 480);
    expect(DEFAULT_FOV_DEG).toBe(60);
    expect(K.fx).toBeCloseTo(320 / Math.tan(Math.PI / 6), 6);
    expect([K.cx, K.cy, K.fx === K.fy]).toEqual([320, 240, true]);
  });
  it('uses the model FOV when given, and the user override wins', () => {
    const m = intrinsicsFor(640, 480, { modelFov: [1.0, 1.2] });
    expect(m.fx).toBeCloseTo(320 / Math.tan(0.6), 6);
    expect(m.fy).toBeCloseTo(240 / Math.tan(0.5), 6);
    expect(intrinsicsFor(640, 480, { modelFov: [1.0, 1.2], fovDeg: 90 }).fx).toBeCloseTo(320, 6);
    expect(intrinsicsFor(640, 480, { modelFov: [1.0, 1.2], fovDeg: 90, fx: 500 }).fx).toBe(500);
    // A degenerate predicted FOV falls back to the default instead of an infinite focal length.
    expect(intrinsicsFor(640, 480, { modelFov: [0, 0] }).fx).toBeCloseTo(intrinsicsFor(640, 480).fx, 6);
  });
});
