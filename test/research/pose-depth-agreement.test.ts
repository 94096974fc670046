import { describe, expect, it } from 'vitest';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { poseDepthAgreement } from '../../research/eval/metrics.ts';
import type { Mat4 } from '../../src-main/common/types.ts';
import { poseYaw, renderRoom } from '../geometry/synthetic.ts';

describe('poseDepthAgreement (depth against poses, no ground truth)', () => {
  const K = intrinsicsFor(96, 72);
  const poses: Mat4[] = Array.from({ length: 12 }, (_, i) => poseYaw(0.02 * i, [0.05 * i, 0, 0.12 * i]));
  const inv = poses.map((P, i) => {
    const d = renderRoom(P, K, i).depth;
    return { data: d.data.map((z) => (z > 0 ? 1 / z : 0)), width: d.width, height: d.height };
  });
  const shots = poses.map(() => 0);
  const at = (ps: Mat4[], factor: number) => poseDepthAgreement(inv, ps, K, shots, { step: 3, factor });

  it('is lowest with the path as it is when depth and path share one unit', () => {
    const one = at(poses, 1);
    expect(one).toBeLessThan(1);
    expect(at(poses, 0.8)).toBeGreaterThan(one + 1);
    expect(at(poses, 1.25)).toBeGreaterThan(one + 1);
  });

  it('finds a path measured in other units than the depth (twice as long: best at 0.5x)', () => {
    const long = poses.map((P) => P.map((v, i) => (i === 3 || i === 7 || i === 11 ? 2 * v : v)));
    expect(at(long, 0.5)).toBeLessThan(at(long, 1) - 1);
    expect(at(long, 0.5)).toBeCloseTo(at(poses, 1), 6);
  });

  it('does not compare frames across a shot cut', () => {
    const cut = poses.map((_, i) => (i < 6 ? 0 : 1));
    expect(Number.isFinite(poseDepthAgreement(inv, poses, K, cut, { step: 3 }))).toBe(true);
    expect(Number.isNaN(poseDepthAgreement(inv.slice(0, 6), poses, K, cut.map((_, i) => i), { step: 3 }))).toBe(true);
  });
});
