import { describe, expect, it } from 'vitest';
import { applyStack, parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { bokehPattern, bokehPatterns, REFOCUS_SAMPLE_COUNTS, REFOCUS_SAMPLES, refocusSamples } from '../../src-main/common/effects/refocus.ts';

/**
 * A synthetic two-layer scene: a white square (distance 0) in front of a striped background (distance 1).
 * Refocused on the background, the blurred square must spread over the sharp background around it (as a
 * real lens does); refocused on the square, its edge must stay sharp and the blurred background around it
 * must not pick up its white (no halo).
 */
const W = 128, H = 128, S0 = 40, S1 = 88;
const K = { fx: 128, fy: 128, cx: 64, cy: 64, width: W, height: H };
const inSquare = (x: number, y: number) => x >= S0 && x < S1 && y >= S0 && y < S1;

function scene(withSquare: boolean) {
  const rgb = new Uint8Array(W * H * 3);
  const dist = new Float32Array(W * H).fill(1);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      // Background: 4-px vertical stripes, dark red and dark blue.
      const v = (x >> 2) % 2 ? [90, 20, 20] : [20, 20, 90];
      rgb.set(withSquare && inSquare(x, y) ? [255, 255, 255] : v, i * 3);
      if (withSquare && inSquare(x, y)) dist[i] = 0;
    }
  return { frame: { width: W, height: H, data: rgb }, dist };
}
const render = (withSquare: boolean, spec: string) => {
  const s = scene(withSquare);
  return applyStack(s.frame, { dist: s.dist, nearRatio: 0.2 }, K, [parseEffectSpec(spec)], 0);
};
const green = (img: Uint8Array, x: number, y: number) => img[(y * W + x) * 3 + 1];

describe('refocus on a two-layer scene', () => {
  // maxBlur 5% of 128 px: a blur radius of about 6.4 px.
  const opts = 'aperture=40,maxBlur=5,highlightGain=0,autoFocus=false';

  it('focused on the background, the blurred foreground spills over the sharp background edge', () => {
    const out = render(true, `refocus:focus=1,${opts}`);
    const src = scene(true).frame.data;
    // Just outside the square's left edge the background turns towards white (green channel: 20 -> up), as
    // much as the part of a 6.4 px blur disk that reaches past the edge (about 30% at 2 px, 18% at 4 px).
    expect(green(out, S0 - 2, 64)).toBeGreaterThan(60);
    expect(green(out, S0 - 4, 64)).toBeGreaterThan(35);
    // The spill fades with distance and stops beyond the blur radius: the background there is untouched.
    expect(green(out, S0 - 4, 64)).toBeLessThan(green(out, S0 - 1, 64));
    for (const x of [S0 - 10, S0 - 16]) expect(Math.abs(out[(64 * W + x) * 3] - src[(64 * W + x) * 3]), `x=${x}`).toBeLessThanOrEqual(1);
  });

  it('focused on the foreground, its edge stays sharp and the blurred background gets no halo', () => {
    const out = render(true, `refocus:focus=0,${opts}`);
    const bare = render(false, `refocus:focus=0,${opts}`);
    for (const x of [S0, S0 + 1, S0 + 2]) expect(green(out, x, 64), `inside x=${x}`).toBe(255);
    // Around the square the background is blurred (stripes averaged) exactly as without the square.
    let worst = 0;
    for (let y = 8; y < H - 8; y++)
      for (let x = 8; x < W - 8; x++) if (!inSquare(x, y)) worst = Math.max(worst, Math.abs(green(out, x, y) - green(bare, x, y)));
    expect(worst, 'white leaking into the background').toBeLessThanOrEqual(2);
    const stripes = Math.abs(out[(64 * W + 10) * 3] - out[(64 * W + 12) * 3]) + Math.abs(out[(64 * W + 10) * 3 + 2] - out[(64 * W + 12) * 3 + 2]);
    expect(stripes, 'the background really is blurred').toBeLessThan(40);
  });

  it('bokeh blades shape the pattern: every sample lies inside the rotated polygon', () => {
    const hex = bokehPattern(6, 30);
    for (let k = 0; k < hex.length / 3; k++) {
      const x = hex[k * 3], y = hex[k * 3 + 1];
      const th = Math.atan2(y, x) - (30 * Math.PI) / 180;
      const rel = (((th % (Math.PI / 3)) + Math.PI / 3) % (Math.PI / 3)) - Math.PI / 6;
      // Polygon edge distance along th is cos(30deg) / cos(rel) for a unit-circumradius hexagon.
      expect(Math.hypot(x, y)).toBeLessThanOrEqual((Math.cos(Math.PI / 6) / Math.cos(rel)) * 1.0001);
    }
  });

  it('the sample count follows the disk: at least one sample per pixel of it up to 48, at most four (above the smallest pattern)', () => {
    for (let R = 0.5; R <= 12; R += 0.05) {
      const n = refocusSamples(R), area = Math.PI * R * R;
      expect(REFOCUS_SAMPLE_COUNTS).toContain(n);
      expect(n).toBeGreaterThanOrEqual(Math.min(area, REFOCUS_SAMPLES));
      expect(n).toBeLessThanOrEqual(Math.max(REFOCUS_SAMPLE_COUNTS[0], 4 * area));
    }
    expect(refocusSamples(100)).toBe(REFOCUS_SAMPLES);
  });

  it('every pattern size covers the whole disk evenly: half its samples inside radius 1/sqrt(2), the outermost near the rim', () => {
    const all = bokehPatterns(0, 0);
    let at = 0;
    for (const n of REFOCUS_SAMPLE_COUNTS) {
      const r = Array.from({ length: n }, (_, k) => Math.hypot(all[(at + k) * 3], all[(at + k) * 3 + 1]));
      expect(r.filter((v) => v < Math.SQRT1_2).length).toBe(n / 2);
      expect(Math.max(...r)).toBeGreaterThan(0.95);
      at += n;
    }
    expect(at * 3).toBe(all.length);
  });
});
