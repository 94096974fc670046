import { describe, expect, it } from 'vitest';
import { createFrameFusion, type CoarsePlanes, type FusionPlan } from '../../src-main/engine/geometry/driver/frame-fusion.ts';
import { boxDown } from '../../src-main/engine/geometry/image.ts';
import { GEOMETRY_PARAMS } from '../../src-main/engine/geometry/params.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';

// A frame that nothing refined hands its aligned depth itself as `final` (multiview.ts: refine, no copy):
// the fusion must write its own copy, never the aligned plane the output's ratio is taken against.
const W = 64, H = 48;
const K: Intrinsics = { fx: 60, fy: 60, cx: 31.5, cy: 23.5, width: W, height: H };
const fp = GEOMETRY_PARAMS.fusion;
const pose = (tx: number): Mat4 => [1, 0, 0, tx, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

function frame(tx: number, bias: number) {
  // A fronto-parallel textured wall at depth 2 seen from x = tx; `bias` is the view's own depth error.
  const inv = new Float32Array(W * H), gray = new Float32Array(W * H);
  for (let i = 0; i < inv.length; i++) {
    const x = i % W, y = Math.floor(i / W);
    inv[i] = (1 / 2) * bias * (1 + 0.02 * Math.sin(x * 0.7 + y * 0.3));
    const Xw = tx + ((x - K.cx) / K.fx) * 2, Yw = ((y - K.cy) / K.fy) * 2;
    gray[i] = 128 + 60 * Math.sin(9 * Xw) * Math.cos(7 * Yw);
  }
  const coarse: CoarsePlanes = { inv: boxDown(inv, W, H, fp.step, true), gray: boxDown(gray, W, H, fp.step) };
  return { inv, coarse };
}

describe('frame fusion', () => {
  it("fuses into a copy when `final` is the aligned depth itself: the aligned plane is left as it was", () => {
    const own = frame(0, 1);
    const neighbours = [frame(0.02, 1.15), frame(-0.02, 1.15), frame(0.04, 1.15)];
    const plan: FusionPlan = { views: neighbours.map((_n, i) => ({ index: i + 1, c2w: pose([0.02, -0.02, 0.04][i]), gain: 1 })), c2w: pose(0), gain: 1, wt: 1 };
    const planes = (i: number) => neighbours[i - 1].coarse;
    const aligned = own.inv, before = aligned.slice();
    const fused = createFrameFusion(K, fp)(plan, own.coarse, aligned, aligned, planes);
    expect(fused).not.toBe(aligned);
    expect(aligned).toEqual(before);
    // The neighbours, 15% nearer, pulled the frame's depth: the fusion did something to check.
    let moved = 0;
    for (let i = 0; i < fused.length; i++) if (fused[i] > before[i] * 1.01) moved++;
    expect(moved).toBeGreaterThan(fused.length / 2);
    // The same as fusing into an explicit copy, bit for bit.
    const copy = before.slice();
    expect(createFrameFusion(K, fp)(plan, own.coarse, copy, before, planes)).toEqual(fused);
  });
});
