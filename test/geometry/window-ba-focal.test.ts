import { describe, expect, it } from 'vitest';
import { bundleAdjustWindow, windowErrors, type WindowFocal, type WindowObservation } from '../../src-main/engine/geometry/window-ba.ts';
import { expSO3, fromRt } from '../../src-main/engine/geometry/linalg.ts';
import type { Intrinsics } from '../../src-main/common/types.ts';

/**
 * Corners of a scene seen from a keyframe and from a few later views of a camera that turns and moves,
 * projected with the true focal length; the window is given a focal length 12% short.
 */
function scene(trueF: number, n = 120) {
  const W = 256, H = 192;
  const Kt: Intrinsics = { fx: trueF, fy: trueF, cx: W / 2, cy: H / 2, width: W, height: H };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pts: [number, number, number][] = [];
  for (let i = 0; i < n; i++) { const z = 2 + 4 * rnd(); pts.push([((rnd() - 0.5) * W * z) / trueF * 0.9, ((rnd() - 0.5) * H * z) / trueF * 0.9, z]); }
  const views = [1, 2, 3, 4, 5].map((k) => {
    const R = expSO3([0.01 * k, 0.03 * k, 0.004 * k]);
    const t: [number, number, number] = [-0.06 * k, 0.01 * k, 0.05 * k];
    const uv = new Float32Array(2 * n);
    pts.forEach((p, i) => {
      const X = R[0] * p[0] + R[1] * p[1] + R[2] * p[2] + t[0], Y = R[3] * p[0] + R[4] * p[1] + R[5] * p[2] + t[1], Z = R[6] * p[0] + R[7] * p[1] + R[8] * p[2] + t[2];
      uv[2 * i] = (trueF * X) / Z + Kt.cx; uv[2 * i + 1] = (trueF * Y) / Z + Kt.cy;
    });
    return uv;
  });
  const ref = pts.map((p) => [(trueF * p[0]) / p[2] + Kt.cx, (trueF * p[1]) / p[2] + Kt.cy]);
  return { W, H, pts, views, ref };
}

function solve(fGiven: number, trueF: number, focal?: WindowFocal) {
  const s = scene(trueF);
  const K: Intrinsics = { fx: fGiven, fy: fGiven, cx: s.W / 2, cy: s.H / 2, width: s.W, height: s.H };
  const n = s.pts.length;
  const rays = Float32Array.from(s.ref.flatMap(([u, v]) => [(u - K.cx) / fGiven, (v - K.cy) / fGiven]));
  // The model's depth: right on average, 20% off in shape.
  const q0 = Float64Array.from(s.pts.map((p, i) => (1 / p[2]) * (1 + 0.2 * Math.sin(i))));
  const pb = { rays, q: q0.slice(), q0 };
  const ids = Int32Array.from({ length: n }, (_v, i) => i);
  const obs: WindowObservation[] = s.views.map((uv) => ({ T: fromRt([1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0]), ids, uv }));
  for (let it = 0; it < 4; it++) bundleAdjustWindow(pb, obs, K, { priorSigma: 2, iterations: 15, focal });
  const err = obs.flatMap((ob) => [...windowErrors(pb, ob, K, focal ? Math.exp(focal.s) : 1)]);
  return { err: err.reduce((a, b) => a + b, 0) / err.length, focal };
}

describe('window bundle adjustment with the focal length free', () => {
  it('recovers a focal length 12% longer than it was given, and says how sure it is', () => {
    const trueF = 200, given = trueF / 1.12;
    const fixed = solve(given, trueF);
    const free = solve(given, trueF, { s: 0, s0: 0, sigma: 0.3 });
    expect(Math.exp(free.focal!.s) * given).toBeGreaterThan(trueF * 0.98);
    expect(Math.exp(free.focal!.s) * given).toBeLessThan(trueF * 1.02);
    expect(free.focal!.info).toBeGreaterThan(100);
    // The free focal length fits the tracks; the wrong fixed one cannot.
    expect(free.err).toBeLessThan(0.2);
    expect(fixed.err).toBeGreaterThan(2 * free.err);
  });

  it('a firm prior holds the focal length where it is', () => {
    const trueF = 200, given = trueF / 1.12;
    const held = solve(given, trueF, { s: 0, s0: 0, sigma: 1e-4 });
    expect(Math.abs(held.focal!.s)).toBeLessThan(1e-3);
  });
});
