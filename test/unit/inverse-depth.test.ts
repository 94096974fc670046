import { describe, expect, it } from 'vitest';
import { inverseDepthOf, toInverseDepth } from '../../src-main/common/depth.ts';

describe('metric to inverse depth (one conversion)', () => {
  it('inverts metric depth, 0 where there is none, and leaves relative-inverse depth as it is', () => {
    expect(inverseDepthOf(4, 'metric')).toBe(0.25);
    expect(inverseDepthOf(0, 'metric')).toBe(0);
    expect(inverseDepthOf(-1, 'metric')).toBe(0);
    expect(inverseDepthOf(0.5, 'relative-inverse')).toBe(0.5);
    const metric = Float32Array.from([2, 0, 0.5]);
    expect(Array.from(toInverseDepth(metric, 'metric'))).toEqual([0.5, 0, 2]);
    expect(Array.from(metric)).toEqual([2, 0, 0.5]);
    const rel = Float32Array.from([1, 2]);
    expect(toInverseDepth(rel, 'relative-inverse')).toBe(rel);
  });
});
