import { describe, expect, it } from 'vitest';
import { toDistance } from '../../src-main/engine/effects/index.ts';
import { resizePlane } from '../../src-main/engine/preprocess/resize.ts';
import { realFrame } from './fixture.ts';

describe('depth at a frame size smaller than the analysis (an export at reduced width)', () => {
  it('is finite and follows the analysis depth (cockatoo: 398x224 depth -> 320x180 frame)', async () => {
    const r = await realFrame('cockatoo.mp4', 0, { width: 320, height: 180 });
    expect(r.depth.width).toBeGreaterThan(r.frame.width);
    const { dist } = r.prep;
    expect(dist.every((v) => Number.isFinite(v))).toBe(true);
    const ref = resizePlane(toDistance(r.depth.data, r.range), r.depth.width, r.depth.height, r.frame.width, r.frame.height);
    let e = 0;
    for (let i = 0; i < dist.length; i++) e += Math.abs(dist[i] - ref[i]);
    expect(e / dist.length).toBeLessThan(0.03);
  });
});
