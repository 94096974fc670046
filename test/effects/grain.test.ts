import { describe, expect, it } from 'vitest';
import { applyStack, parseEffectSpec, prepareDepth } from '../../src-main/engine/effects/index.ts';
import { kernelsFor } from '../../src-main/engine/effects/wasm-kernels.ts';
import { grainAt } from '../../src-main/common/effects/grain.ts';
import { boxMean } from '../../src-main/common/effects/guided-filter.ts';
import type { DepthRange } from '../../src-main/common/effects/distance.ts';
import type { Intrinsics } from '../../src-main/common/types.ts';
import { realFrame } from './fixture.ts';

/**
 * The source's grain (common/effects/grain.ts): refocus puts it back where its blur removed it, and only
 * there and only grain (no edge or texture of a blurred object); relight lights the picture without it, so
 * brightening does not amplify a noisy flat area.
 */
const W = 160, H = 120;

/** Seeded Gaussian noise of standard deviation sigma (grey levels), the same on the three channels. */
function noisy(base: (x: number, y: number) => [number, number, number], sigma: number, seed = 7): Uint8Array {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) >>> 0) + 0.5) / 2 ** 32;
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const n = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      base(x, y).forEach((v, c) => (rgb[(y * W + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v + n)))));
    }
  return rgb;
}

const lum = (rgb: Uint8Array) => Float32Array.from({ length: W * H }, (_, i) => 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]);

/** RMS of v minus its 5x5 box mean over the pixels where `inside` holds: the energy of the fine band. */
function highFreq(v: Float32Array, inside: (x: number, y: number) => boolean): number {
  const b = boxMean(v, W, H, 2);
  let se = 0, n = 0;
  for (let y = 3; y < H - 3; y++)
    for (let x = 3; x < W - 3; x++)
      if (inside(x, y)) {
        se += (v[y * W + x] - b[y * W + x]) ** 2;
        n++;
      }
  return Math.sqrt(se / n);
}

describe('grain', () => {
  it('the WebAssembly grain is the definition, pixel for pixel, on a real frame', async () => {
    const { frame } = await realFrame('cityCC0.mpg', 20, { width: 320, height: 240 });
    const k = kernelsFor({ w: frame.width, h: frame.height, low: 1 });
    const ptr = k.input(frame.data, 'rgb');
    const want = [0, 0, 0];
    let worst = 0, nonzero = 0;
    for (let t = 0; t < 3000; t++) {
      const x = (t * 7919) % frame.width, y = (t * 104729) % frame.height;
      grainAt(frame.data, frame.width, frame.height, x, y, want);
      k.exports.grainAt(ptr, 3, frame.width, frame.height, x, y);
      const got = [k.exports.grainR.value, k.exports.grainG.value, k.exports.grainB.value];
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[c] - want[c]));
      if (want.some((v) => v !== 0)) nonzero++;
    }
    expect(nonzero, 'the sample reaches flat, grainy pixels').toBeGreaterThan(100);
    expect(worst).toBeLessThan(1e-9);
  });

  // A noisy flat grey background (distance 1) behind a square (distance 0) of sharp 2-px stripes.
  const S0 = 50, S1 = 110;
  const inSquare = (x: number, y: number) => x >= S0 && x < S1 && y >= S0 - 20 && y < S1 - 20;
  const src = noisy((x, y) => (inSquare(x, y) ? ((x >> 1) % 2 ? [200, 190, 180] : [60, 70, 80]) : [120, 130, 140]), 1.5);
  const dist = Float32Array.from({ length: W * H }, (_, i) => (inSquare(i % W, Math.floor(i / W)) ? 0 : 1));
  const K: Intrinsics = { fx: 160, fy: 160, cx: W / 2, cy: H / 2, width: W, height: H };
  const refocus = (spec: string) => applyStack({ width: W, height: H, data: src }, { dist, nearRatio: 0.2 }, K, [parseEffectSpec(`refocus:autoFocus=false,aperture=40,maxBlur=4,highlightGain=0,${spec}`)], 0);
  // The background well away from the square (beyond the blur's reach).
  const background = (x: number, y: number) => (x < S0 - 12 || x >= S1 + 12) && (y < S0 - 32 || y >= S1 - 8);

  it('refocus regrain: the blurred background keeps the source grain with grain=1 and loses it with grain=0', () => {
    const g0 = highFreq(lum(refocus('focus=0,grain=0')), background);
    const g1 = highFreq(lum(refocus('focus=0,grain=1')), background);
    const s = highFreq(lum(src), background);
    console.log(`background fine-band RMS: source ${s.toFixed(3)}, grain=0 ${g0.toFixed(3)}, grain=1 ${g1.toFixed(3)}`);
    expect(g0, 'the blur removes the grain').toBeLessThan(0.3 * s);
    expect(g1).toBeGreaterThan(0.75 * s);
    expect(g1).toBeLessThan(1.25 * s);
  });

  it('refocus regrain brings back no texture of a blurred object, and leaves in-focus pixels as they are', () => {
    const g0 = refocus('focus=1,grain=0');
    const g1 = refocus('focus=1,grain=1');
    const inner = (x: number, y: number) => x >= S0 + 6 && x < S1 - 6 && y >= S0 - 14 && y < S1 - 26;
    const t0 = highFreq(lum(g0), inner), t1 = highFreq(lum(g1), inner);
    console.log(`blurred stripes' fine-band RMS: grain=0 ${t0.toFixed(3)}, grain=1 ${t1.toFixed(3)}`);
    expect(Math.abs(t1 - t0)).toBeLessThan(0.1);
    // Focused on the background, the background is the source exactly.
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (background(x, y)) for (let c = 0; c < 3; c++) expect(g1[(y * W + x) * 3 + c]).toBe(src[(y * W + x) * 3 + c]);
  });

  it('relight on a noisy flat plane brightens the picture, not its noise', () => {
    const LW = 40, LH = 30;
    const range: DepthRange = { kind: 'metric', near: 0.2, far: 1 };
    const depth = { data: new Float32Array(LW * LH).fill(0.6), width: LW, height: LH };
    const grey = noisy(() => [110, 110, 110], 1.5, 3);
    const flat = new Uint8Array(W * H * 3).fill(110);
    const spec = [parseEffectSpec('relight:ambient=0.6,pointIntensity=1,pointPosition=0;0;0.2,pointFalloff=0,shadows=0')];
    const run = (rgb: Uint8Array) => applyStack({ width: W, height: H, data: rgb }, prepareDepth(depth, { width: W, height: H, data: rgb }, range), K, spec, 0);
    const out = run(grey);
    // The gain the light applies at each pixel, from the noise-free plane; what the old multiply made of the noise.
    const gain = lum(run(flat)).map((v) => v / 110);
    const s = lum(grey), o = lum(out);
    const change = o.map((v, i) => v - s[i]);
    const multiplied = s.map((v, i) => v * (gain[i] - 1));
    const all = () => true;
    let meanGain = 0;
    for (const v of gain) meanGain += Math.abs(v - 1) / gain.length;
    const got = highFreq(change, all), old = highFreq(multiplied, all);
    console.log(`mean |gain - 1| ${meanGain.toFixed(2)}; fine-band RMS of the change ${got.toFixed(3)}, of the multiplied noise ${old.toFixed(3)}, of the noise ${highFreq(s, all).toFixed(3)}`);
    expect(meanGain, 'the light really changes the picture').toBeGreaterThan(0.2);
    expect(got).toBeLessThan(0.5 * old);
  });
});
