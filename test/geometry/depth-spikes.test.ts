import { describe, expect, it } from 'vitest';
import { fillHoles, spikeLimit } from '../../src-main/engine/geometry/depth-spikes.ts';
import { createGeometryStage, type GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import type { DepthMap } from '../../src-main/common/types.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

const median = (a: ArrayLike<number>) => Float64Array.from(a).sort()[a.length >> 1];

describe('failed depth pixels', () => {
  it('spikeLimit sits above the scene and below a failed patch', () => {
    const x = new Float32Array(1000);
    for (let i = 0; i < x.length; i++) x[i] = 0.2 + (0.8 * i) / x.length; // disparity 0.2..1 (1..5 m)
    for (let i = 0; i < 5; i++) x[i * 97] = 1000; // 0.5% of pixels at the engine's 1e-3 m floor
    const lim = spikeLimit(x);
    expect(lim).toBeGreaterThan(1);
    expect(lim).toBeLessThan(1000);
  });

  it('fillHoles keeps valid pixels and fills holes from their surroundings', () => {
    const w = 40, h = 30, v = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = x < 20 ? 1 : 3;
    for (let y = 10; y < 20; y++) for (let x = 2; x < 12; x++) v[y * w + x] = 0; // a hole inside the "1" half
    const f = fillHoles(v, w, h);
    for (let i = 0; i < v.length; i++) if (v[i] > 0) expect(f[i]).toBe(v[i]);
    for (let y = 10; y < 20; y++) for (let x = 2; x < 12; x++) {
      expect(f[y * w + x]).toBeGreaterThanOrEqual(1);
      expect(f[y * w + x]).toBeLessThan(2);
    }
  });

  it('a few failed pixels in the model depth neither flatten the frame nor reach the output', async () => {
    // Measured on tartanair-hospital: FastDepth gives 0 m patches, the engine floors them at 1e-3 m,
    // and the output's floor (relative to the frame maximum) then turned every pixel into ~2 cm.
    const K = intrinsicsFor(96, 72, { fovDeg: 70 });
    const stage = createGeometryStage({ intrinsics: K, analysisWidth: 96 });
    const out: GeometryOutput[] = [];
    const inputs: DepthMap[] = [];
    for (let i = 0; i < 8; i++) {
      const f = renderRoom(poseYaw(0.01 * i, [0.03 * i, 0, 0.05 * i]), K, i);
      const d = f.depth.data.slice();
      if (i === 5) for (let y = 30; y < 36; y++) for (let x = 40; x < 46; x++) d[y * K.width + x] = 1e-3;
      inputs.push({ ...f.depth, data: d });
      out.push(...(await stage.push({ index: i, rgb: f.rgb, depth: inputs[i] })));
    }
    out.push(...(await stage.flush()));
    const o = out.find((g) => g.index === 5)!;
    const ratio = median(o.depth.data) / median(inputs[5].data);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.4);
    const patch = o.depth.data[33 * K.width + 43], around = o.depth.data[33 * K.width + 50];
    expect(patch).toBeGreaterThan(0.5 * around);
    expect(patch).toBeLessThan(2 * around);
  }, 60_000);
});
