import { describe, expect, it } from 'vitest';
import { createTemporalFilter } from '../../src-main/engine/geometry/temporal-filter.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';

// A camera sliding sideways past a tilted wall (Z = 2 + 0.2 X in the world), depth measured with 3% noise.
const W = 64, H = 48;
const K: Intrinsics = { fx: 60, fy: 60, cx: 31.5, cy: 23.5, width: W, height: H };
const pose = (tx: number): Mat4 => [1, 0, 0, tx, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
const truth = (tx: number) =>
  Float32Array.from({ length: W * H }, (_v, i) => {
    const rx = (i % W - K.cx) / K.fx;
    return (2 + 0.2 * tx) / (1 - 0.2 * rx);
  });
let seed = 7;
const gauss = () => {
  const u = ((seed = (seed * 16807) % 2147483647) / 2147483647) || 1e-9;
  const v = (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const relErr = (a: Float32Array, b: Float32Array, from = 0, to = W) => {
  let s = 0, k = 0;
  for (let i = 0; i < a.length; i++) {
    const x = i % W;
    if (x < from || x >= to) continue;
    s += ((a[i] - b[i]) / b[i]) ** 2;
    k++;
  }
  return Math.sqrt(s / k);
};

/** Filtered vs raw error over frames after `warm`, on columns the previous frames saw (new geometry enters on the right). */
function noiseRatio(kind: 'metric' | 'relative-inverse', frames: number, warm: number, weight = 1): number {
  const f = createTemporalFilter({ K, kind, width: W, height: H });
  let raw = 0, filtered = 0;
  for (let t = 0; t < frames; t++) {
    const tx = 0.03 * t;
    const gt = kind === 'metric' ? truth(tx) : truth(tx).map((z) => 1 / z);
    const noisy = gt.map((v) => v * (1 + 0.03 * gauss()));
    const out = f.apply(noisy, pose(tx), 0, 1, weight);
    if (t >= warm) {
      raw += relErr(noisy, gt, 0, W - 4);
      filtered += relErr(out, gt, 0, W - 4);
    }
  }
  return filtered / raw;
}

describe('pose-guided temporal depth filter', () => {
  it('averages flicker away on static geometry while the camera moves (metric depth)', () => {
    expect(noiseRatio('metric', 20, 5)).toBeLessThan(0.75);
  });

  it('relative inverse depth: the same, in disparity', () => {
    expect(noiseRatio('relative-inverse', 12, 4)).toBeLessThan(0.75);
  });

  it('moving toward a surface: the pixels the splat spreads apart are filtered too (no crack lines)', () => {
    const f = createTemporalFilter({ K, kind: 'metric', width: W, height: H });
    const fwd = (tz: number): Mat4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, tz, 0, 0, 0, 1];
    // A wall 2 m ahead, then 0.3 m nearer: its pixels spread 18% apart, leaving a crack every few pixels.
    f.apply(new Float32Array(W * H).fill(2), fwd(0), 0, 1);
    const measured = 1.7 * 1.05;
    const out = f.apply(new Float32Array(W * H).fill(measured), fwd(0.3), 0, 1);
    // Everywhere the wall was seen before (the centre: zooming in, all of it), history and frame are averaged.
    let merged = 0, total = 0;
    for (let y = 2; y < H - 2; y++)
      for (let x = 2; x < W - 2; x++) {
        total++;
        if (Math.abs(out[y * W + x] - (measured + 1.7) / 2) < 1e-3) merged++;
      }
    expect(merged / total).toBeGreaterThan(0.99);
  });

  it('does not drag what changed (moving object), a new shot, or a frame whose pose is a guess', () => {
    const f = createTemporalFilter({ K, kind: 'metric', width: W, height: H });
    const still = truth(0);
    f.apply(still, pose(0), 0, 1);
    // Something 30% nearer appears in the left half: it must show at once, at its own depth.
    const moved = still.map((z, i) => (i % W < W / 2 ? z * 0.7 : z));
    const out = f.apply(moved, pose(0), 0, 1);
    for (let i = 0; i < W * H; i += 97) expect(out[i]).toBeCloseTo(moved[i], 5);
    // A new shot or an unreliable pose: the frame passes through untouched.
    const other = still.map((z) => z * 1.02);
    expect(Array.from(f.apply(other, pose(0), 1, 1))).toEqual(Array.from(other));
    expect(Array.from(f.apply(still, pose(0), 1, 0))).toEqual(Array.from(still));
  });

  it('writes into a given array the values it would return in a new one', () => {
    const a = createTemporalFilter({ K, kind: 'metric', width: W, height: H });
    const b = createTemporalFilter({ K, kind: 'metric', width: W, height: H });
    for (let t = 0; t < 4; t++) {
      const noisy = truth(0.03 * t).map((v) => v * (1 + 0.03 * gauss()));
      const into = new Float32Array(W * H).fill(-1);
      const want = a.apply(noisy, pose(0.03 * t), 0, 1);
      const got = b.apply(noisy, pose(0.03 * t), 0, 1, 1, into);
      expect(got).toBe(into);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      if (t > 0) expect(want).not.toEqual(noisy); // the history did change it
    }
  });

  it('a weight below 1 averages less, 0 not at all (a model that agrees with itself, averaging-weight.ts)', () => {
    const full = noiseRatio('metric', 30, 10), half = noiseRatio('metric', 30, 10, 0.5), none = noiseRatio('metric', 30, 10, 0);
    expect(full).toBeLessThan(half);
    expect(half).toBeLessThan(0.95);
    expect(none).toBeCloseTo(1, 6);
  });
});
