import { describe, expect, it } from 'vitest';
import { fundamentalRansac, sampson } from '../../src-main/engine/geometry/epipolar.ts';
import { expSO3, mulVec3 } from '../../src-main/engine/geometry/linalg.ts';
import { rng } from '../../src-main/engine/geometry/pose.ts';

const W = 256, H = 192, f = 180;

/** Two views of a rigid scene (a moving camera) plus corners that move on their own (a subject). */
function views(nRigid: number, nSubject: number, seed = 3) {
  const rand = rng(seed);
  const R = expSO3([0.02, -0.05, 0.01]), t = [0.3, 0.05, 0.2];
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < nRigid; i++) {
    const x = (rand() - 0.5) * 4, y = (rand() - 0.5) * 3, z = 2 + rand() * 6;
    const p = mulVec3(R, [x, y, z]);
    a.push((f * x) / z + W / 2, (f * y) / z + H / 2);
    b.push((f * (p[0] + t[0])) / (p[2] + t[2]) + W / 2, (f * (p[1] + t[1])) / (p[2] + t[2]) + H / 2);
  }
  for (let i = 0; i < nSubject; i++) {
    // The subject turns, grows and slides in the picture (a card sliding straight across would be a
    // pure translation, which one fundamental matrix can share with much of the scene).
    const u = W * (0.35 + 0.3 * rand()), v = H * (0.3 + 0.4 * rand()), c = Math.cos(0.08), s = Math.sin(0.08);
    a.push(u, v);
    b.push(W / 2 + 1.05 * (c * (u - W / 2) - s * (v - H / 2)) + 9, H / 2 + 1.05 * (s * (u - W / 2) + c * (v - H / 2)) - 4);
  }
  return { a: Float32Array.from(a), b: Float32Array.from(b) };
}

describe('epipolar consensus', () => {
  it('keeps the rigid scene\'s corners and drops a subject moving by itself', () => {
    const { a, b } = views(120, 50);
    const K = [f, 0, W / 2, 0, f, H / 2, 0, 0, 1];
    for (const o of [{}, { K }]) {
      const r = fundamentalRansac(a, b, { thresholdPx: 1, ...o })!;
      const rigidKept = r.inliers.subarray(0, 120).reduce((s, v) => s + v, 0);
      const subjectKept = r.inliers.subarray(120).reduce((s, v) => s + v, 0);
      expect(rigidKept).toBeGreaterThan(115);
      expect(subjectKept).toBeLessThan(15);
      // Every rigid corner within the threshold of the fitted geometry.
      for (let i = 0; i < 120; i++) expect(sampson(r.F, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])).toBeLessThan(1);
    }
  });

  it('a minimal sample (eight corners) is solved exactly, and a degenerate one gives no geometry', () => {
    // Eight corners: every hypothesis is the whole set, solved directly (no least squares left over).
    const { a, b } = views(8, 0, 11);
    const r = fundamentalRansac(a, b, { thresholdPx: 1, iterations: 5 })!;
    expect(r.count).toBe(8);
    for (let i = 0; i < 8; i++) expect(sampson(r.F, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])).toBeLessThan(1e-6);
    // Four corners each given twice: the eight rows span only four dimensions.
    const { a: a4, b: b4 } = views(4, 0, 11);
    const twice = (p: Float32Array) => Float32Array.from([...p, ...p]);
    expect(fundamentalRansac(twice(a4), twice(b4), { iterations: 5 })).toBeNull();
  });

  it('too few corners: no geometry, no crash', () => {
    const { a, b } = views(6, 0);
    expect(fundamentalRansac(a, b)).toBeNull();
  });
});
