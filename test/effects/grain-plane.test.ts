import { describe, expect, it } from 'vitest';
import { GRAIN_RADIUS, GRAIN_SIGMA, grainAt } from '../../src-main/common/effects/grain.ts';
import { grainPlaneFloats, kernelsFor } from '../../src-main/engine/effects/wasm-kernels.ts';
import { realFrame } from './fixture.ts';

/**
 * The grain of a whole frame at once (wasm/grain-plane.as.ts), which relight and refocus read, is the
 * definition (common/effects/grain.ts) at every pixel, up to f32 rounding; with a mask, only the marked
 * groups of four are written.
 */
describe('grain plane', () => {
  it('equals the definition at every pixel of a real frame (a width that is not a multiple of 4; neighbours exactly on the sigma bound)', async () => {
    const { frame } = await realFrame('cityCC0.mpg', 20, { width: 318, height: 237 });
    expectDefinition(frame);
    const cockatoo = (await realFrame('cockatoo.mp4', 20, { width: 642, height: 360 })).frame;
    expectDefinition(cockatoo);
    // The grey of a neighbour exactly GRAIN_SIGMA away is where the planes' integer test hands over to the
    // definition's f64 rounding: the frames must have some, or that branch is not tested.
    const bound = onTheBound(frame) + onTheBound(cockatoo);
    console.log(`neighbours exactly on the sigma bound: ${bound}`);
    expect(bound).toBeGreaterThan(100);
  });

  function onTheBound(frame: { data: Uint8Array; width: number; height: number }): number {
    const { data, width: W, height: H } = frame;
    const grey = (x: number, y: number) => {
      const o = (Math.min(H - 1, Math.max(0, y)) * W + Math.min(W - 1, Math.max(0, x))) * 3;
      return 299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2];
    };
    let n = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let dy = -GRAIN_RADIUS; dy <= GRAIN_RADIUS; dy++)
          for (let dx = -GRAIN_RADIUS; dx <= GRAIN_RADIUS; dx++) if (Math.abs(grey(x + dx, y + dy) - grey(x, y)) === GRAIN_SIGMA * 1000) n++;
    return n;
  }

  function expectDefinition(frame: { data: Uint8Array; width: number; height: number }): void {
    const { width: W, height: H } = frame;
    const k = kernelsFor({ w: W, h: H, low: 1 });
    k.exports.grainPlane(k.input(frame.data, 'rgb'), W, H, 0, k.at('grainRing'), k.at('grain'));
    const stride = grainPlaneFloats(W, H);
    const planes = k.f32('grain', stride * 3);
    const want = [0, 0, 0];
    let worst = 0, nonzero = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        grainAt(frame.data, W, H, x, y, want);
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(planes[c * stride + y * W + x] - want[c]));
        if (want.some((v) => v !== 0)) nonzero++;
      }
    console.log(`grain plane vs definition: worst ${worst.toExponential(2)} levels; ${nonzero} of ${W * H} pixels have grain`);
    expect(nonzero, 'the frame has flat, grainy pixels').toBeGreaterThan(1000);
    expect(worst).toBeLessThan(1e-4);
  }

  it('with a mask writes only the marked groups of four', async () => {
    const { frame } = await realFrame('cityCC0.mpg', 20, { width: 320, height: 240 });
    const { width: W, height: H } = frame;
    const k = kernelsFor({ w: W, h: H, low: 1 });
    const stride = grainPlaneFloats(W, H);
    const need = k.u8('grainNeed', W * H + 4).fill(0);
    // Marked: one pixel of the group at x = 100..103 on every row.
    for (let y = 0; y < H; y++) need[y * W + 101] = 1;
    k.f32('grain', stride * 3).fill(NaN);
    k.exports.grainPlane(k.input(frame.data, 'rgb'), W, H, k.at('grainNeed'), k.at('grainRing'), k.at('grain'));
    const planes = k.f32('grain', stride * 3);
    const want = [0, 0, 0];
    for (let y = 0; y < H; y++)
      for (let x = 96; x < 108; x++) {
        const v = planes[y * W + x];
        if (x < 100 || x >= 104) expect(Number.isNaN(v), `(${x}, ${y}) left as it was`).toBe(true);
        else {
          grainAt(frame.data, W, H, x, y, want);
          expect(Math.abs(v - want[0])).toBeLessThan(1e-4);
        }
      }
  });
});
