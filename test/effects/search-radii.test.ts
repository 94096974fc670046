import { describe, expect, it } from 'vitest';
import { cocPixels, refocusParams, searchRadii } from '../../src-main/common/effects/refocus.ts';
import { evaluateParams } from '../../src-main/common/effects/keyframes.ts';
import { parseEffectSpec } from '../../src-main/common/effects/stack.ts';
import { toDistance } from '../../src-main/common/effects/distance.ts';
import { realFrame } from './fixture.ts';

/**
 * Refocus's search radii (the largest coc within the largest blur's reach of each low-res sample) are
 * taken with a running window maximum; they must be the plain maximum over every window, value for value,
 * on a real depth map and on one with a hole (NaN).
 */
function direct(dist: Float32Array, lw: number, lh: number, focus: number, spec: string, W: number, H: number): Float32Array {
  const p = evaluateParams(refocusParams, parseEffectSpec(spec), 0);
  const reach = Math.ceil(((p.maxBlur as number) / 100) * H * Math.max(lw / W, lh / H)) + 1;
  const c = Float32Array.from(dist, (s) => cocPixels(s, focus, p, H));
  // Rows, then columns: the maximum over a rectangle is separable.
  const tmp = new Float32Array(lw * lh), out = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++)
    for (let i = 0; i < lw; i++) {
      let m = 0;
      for (let x = Math.max(0, i - reach); x <= Math.min(lw - 1, i + reach); x++) m = Math.max(m, c[j * lw + x]);
      tmp[j * lw + i] = m;
    }
  for (let j = 0; j < lh; j++)
    for (let i = 0; i < lw; i++) {
      let m = 0;
      for (let y = Math.max(0, j - reach); y <= Math.min(lh - 1, j + reach); y++) m = Math.max(m, tmp[y * lw + i]);
      out[j * lw + i] = m;
    }
  return out;
}

describe('refocus search radii', () => {
  it('equal the maximum over every window (real depth; a map with a hole)', async () => {
    const { depth, range } = await realFrame('cockatoo.mp4', 20);
    const low = { dist: toDistance(depth.data, range), width: depth.width, height: depth.height };
    const holed = new Float32Array(low.dist);
    holed[Math.floor(holed.length / 2) + 7] = NaN;
    for (const spec of ['refocus:focus=0.15,aperture=10', 'refocus:maxBlur=5,aperture=30']) {
      for (const dist of [low.dist, holed]) {
        const p = evaluateParams(refocusParams, parseEffectSpec(spec), 0);
        const got = searchRadii({ dist, width: low.width, height: low.height }, 0.3, p, 1280, 720);
        const want = direct(dist, low.width, low.height, 0.3, spec, 1280, 720);
        let diff = 0, nan = 0;
        for (let k = 0; k < got.length; k++) {
          if (Number.isNaN(want[k])) nan++;
          if (!Object.is(got[k], want[k])) diff++;
        }
        expect(diff, `${spec}${dist === holed ? ' (hole)' : ''}: samples that differ`).toBe(0);
        if (dist === holed) expect(nan, 'the hole spreads over its windows').toBeGreaterThan(0);
      }
    }
  });
});
