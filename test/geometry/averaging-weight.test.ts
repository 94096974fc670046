import { describe, expect, it } from 'vitest';
import { AVERAGING_FLOOR, averagingWeight } from '../../src-main/engine/geometry/averaging-weight.ts';

describe('averaging weight (how far fusion and the temporal filter move a frame)', () => {
  it('0 for a model that agrees with itself as well as the poses allow, near 1 for a flickering one, rising between', () => {
    // Measured disagreements: ground truth ~0.002, FastDepth ~0.03 (tartanair-hospital).
    expect(averagingWeight([0.002, 0.0018, 0.0025])).toBe(0);
    expect(averagingWeight([0.03, 0.025, 0.05])).toBeGreaterThan(0.98);
    const ws = [0.004, 0.005, 0.008, 0.016].map((d) => averagingWeight([d]));
    for (let i = 1; i < ws.length; i++) expect(ws[i]).toBeGreaterThan(ws[i - 1]);
    expect(averagingWeight([2 * AVERAGING_FLOOR])).toBeCloseTo(0.75, 6);
  });

  it('the median of the frames around: one turn or cut does not decide; none measured leaves the averaging full', () => {
    expect(averagingWeight([0.002, 0.002, 0.2, 0.002, 0.002])).toBe(0);
    expect(averagingWeight([0.03, 0.03, 0.0001, 0.03])).toBeGreaterThan(0.98);
    expect(averagingWeight([])).toBe(1);
    expect(averagingWeight([NaN])).toBe(1);
  });
});
