import { describe, expect, it } from 'vitest';
import { createViewFusion, fusionGrid, FUSION_RADIUS, FUSION_STEP, type FusionView } from '../../src-main/engine/geometry/view-fusion.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';

// A camera sliding sideways past a tilted, textured wall (Z = 2 + 0.2 X in the world). Each view's
// depth carries its own smooth error (a random tilt and offset, as a small network's do) plus noise.
const W = 64, H = 48;
const K: Intrinsics = { fx: 60, fy: 60, cx: 31.5, cy: 23.5, width: W, height: H };
const pose = (tx: number): Mat4 => [1, 0, 0, tx, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
let seed = 11;
const gauss = () => {
  const u = ((seed = (seed * 16807) % 2147483647) / 2147483647) || 1e-9;
  const v = (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const rayX = (i: number) => ((i % W) - K.cx) / K.fx;
const rayY = (i: number) => (Math.floor(i / W) - K.cy) / K.fy;
/** True depth and grey level of the wall seen from camera position tx. */
function wall(tx: number) {
  const z = new Float32Array(W * H), gray = new Float32Array(W * H);
  for (let i = 0; i < z.length; i++) {
    z[i] = (2 + 0.2 * tx) / (1 - 0.2 * rayX(i));
    const Xw = tx + rayX(i) * z[i], Yw = rayY(i) * z[i];
    gray[i] = 128 + 60 * Math.sin(9 * Xw) * Math.cos(7 * Yw);
  }
  return { z, gray };
}
function view(tx: number, errorScale: number): FusionView & { truth: Float32Array } {
  const { z, gray } = wall(tx);
  const a = errorScale * gauss(), b = errorScale * gauss(), c = errorScale * gauss();
  const inv = Float32Array.from(z, (d, i) => (1 / d) * Math.exp(a * rayX(i) + b * rayY(i) + c + 0.03 * gauss()));
  return { inv, gray, c2w: pose(tx), truth: Float32Array.from(z, (d) => 1 / d) };
}
const relErr = (a: Float32Array, b: Float32Array, mask?: (i: number) => boolean) => {
  let s = 0, k = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && !mask(i)) continue;
    s += ((a[i] - b[i]) / b[i]) ** 2;
    k++;
  }
  return Math.sqrt(s / k);
};

describe('view fusion', () => {
  const views = Array.from({ length: 2 * FUSION_RADIUS + 1 }, (_v, k) => view(0.02 * (k - FUSION_RADIUS), 0.15));
  const ref = views[FUSION_RADIUS];
  const others = views.filter((v) => v !== ref);

  it('averages the per-view errors of a static surface away', () => {
    const fused = createViewFusion(K).fuse(ref, others);
    const own = relErr(ref.inv, ref.truth), after = relErr(fused, ref.truth);
    // Measured: 0.17 -> 0.04 (the views' errors are independent, 49 of them).
    expect(after).toBeLessThan(0.4 * own);
  });

  it('keeps what moved: a box the neighbours do not see, nearer or of another grey, keeps its own depth', () => {
    const inBox = (i: number, x0: number) => i % W >= x0 && i % W < x0 + 10 && Math.floor(i / W) >= 15 && Math.floor(i / W) < 25;
    // A pale box at 0.8x the wall's depth (within the depth gate: only its grey tells it apart) and a
    // box of the wall's own grey at 0.45x (the depth gate tells it apart): both in the frame alone.
    const moved: FusionView = { ...ref, inv: ref.inv.slice(), gray: ref.gray.slice() };
    for (let i = 0; i < W * H; i++) {
      if (inBox(i, 10)) { moved.inv[i] = ref.truth[i] / 0.8; moved.gray[i] = 250; }
      if (inBox(i, 40)) moved.inv[i] = ref.truth[i] / 0.45;
    }
    const fusion = createViewFusion(K);
    const fused = fusion.fuse(moved, others);
    for (const x0 of [10, 40]) expect(relErr(fused, moved.inv, (i) => inBox(i, x0))).toBeLessThan(0.02);
    // Without the grey gate the pale box would be pulled to the wall behind it (what the gate prevents).
    const blind = createViewFusion(K, { photo: 255 }).fuse(moved, others);
    expect(relErr(blind, moved.inv, (i) => inBox(i, 10))).toBeGreaterThan(0.1);
  });

  it("a view's gain reads as a copy scaled by it would, bit for bit", () => {
    const gain = 1.37;
    const scaled = others.map((v) => ({ ...v, inv: v.inv.map((x) => x * gain) }));
    const viaGain = others.map((v) => ({ ...v, gain }));
    const fusion = createViewFusion(K);
    const a = fusion.fuse(ref, scaled).slice(), b = fusion.fuse(ref, viaGain);
    expect(b).toEqual(a);
    // The gain does change the result (the test could fail).
    expect(fusion.fuse(ref, others)).not.toEqual(a);
  });

  it('the fusion grid is the analysis grid in FUSION_STEP blocks, same rays at block centres', () => {
    const A: Intrinsics = { fx: 200, fy: 200, cx: 127.5, cy: 95.5, width: 256, height: 192 };
    const g = fusionGrid(A);
    expect([g.width, g.height]).toEqual([256 / FUSION_STEP, 192 / FUSION_STEP]);
    // Block (0, 0) covers analysis pixels 0..FUSION_STEP-1: its centre's ray is theirs on average.
    const centre = (FUSION_STEP - 1) / 2;
    expect((0 - g.cx) / g.fx).toBeCloseTo((centre - A.cx) / A.fx, 9);
  });
});
