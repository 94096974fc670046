import { describe, expect, it } from 'vitest';
import { boxGray, boxGray2 } from '../../src-main/engine/geometry/image.ts';
import { bundleAdjustWindow } from '../../src-main/engine/geometry/window-ba.ts';

// The shortcuts taken for the analysis's speed against what they replace: the tracking image's 2 x 2
// grey means written out (the same bits), and the window bundle adjustment's stop on convergence.

describe('speed shortcuts of the geometry stage', () => {
  it('the 2 x 2 grey means written out give the general loop\'s bits (odd sizes: the last column and row left out alike)', () => {
    for (const [w, h] of [[1281, 721], [64, 36], [3, 2]]) {
      const src = Uint8Array.from({ length: w * h * 3 }, (_v, i) => (i * 7919 + (i >> 5) * 31) % 256);
      const a = boxGray2(src, w, h), b = boxGray(src, w, h, 2);
      expect(a.length).toBe(Math.floor(w / 2) * Math.floor(h / 2));
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    }
  });

  it('the window bundle adjustment stops once a step gains less than `stop` of the cost, and runs on without it', () => {
    const K = { fx: 200, fy: 200, cx: 80, cy: 60, width: 160, height: 120 };
    const problem = () => {
      const n = 80, rays = new Float32Array(2 * n), q = new Float64Array(n);
      for (let i = 0; i < n; i++) { rays[2 * i] = (((i * 37) % 160) - 80) / 200; rays[2 * i + 1] = (((i * 53) % 120) - 60) / 200; q[i] = 0.4 + ((i * 13) % 50) / 100; }
      const obs = Array.from({ length: 4 }, (_v, j) => {
        const ids = Int32Array.from({ length: n }, (_w, i) => i), uv = new Float32Array(2 * n);
        for (let i = 0; i < n; i++) { uv[2 * i] = K.cx + rays[2 * i] * 200 + 3 * (j + 1) * q[i] + 0.2 * Math.sin(i + j); uv[2 * i + 1] = K.cy + rays[2 * i + 1] * 200 + 0.2 * Math.cos(i * j); }
        return { T: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], ids, uv };
      });
      return { pb: { rays, q: q.map((v) => v * 1.3), q0: q }, obs };
    };
    const full = problem(), never = problem(), loose = problem(), start = problem();
    bundleAdjustWindow(full.pb, full.obs, K, { iterations: 15 });
    bundleAdjustWindow(never.pb, never.obs, K, { iterations: 15, stop: 1e-300 });
    bundleAdjustWindow(loose.pb, loose.obs, K, { iterations: 15, stop: 0.5 });
    // A stop no step falls under changes nothing.
    expect(never.pb.q).toEqual(full.pb.q);
    // A loose one ends after the first steps: moved from the start, short of the full run.
    expect(loose.pb.q).not.toEqual(start.pb.q);
    expect(loose.pb.q).not.toEqual(full.pb.q);
    // Near the full run's solution all the same (the first steps do most of the work).
    const worst = Math.max(...Array.from(full.pb.q, (v, i) => Math.abs(Math.log(loose.pb.q[i] / v))));
    expect(worst).toBeLessThan(0.5);
  });
});
