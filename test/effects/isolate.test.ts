import { describe, expect, it } from 'vitest';
import { applyStack, loadEffectStack, parseEffectSpec, serializeEffectStack } from '../../src-main/engine/effects/index.ts';
import type { Intrinsics } from '../../src-main/common/types.ts';

/**
 * A synthetic two-depth scene: a textured subject disc at distance 0.2 in front of a textured wall at 0.8.
 * The mask must be where the depth says, whatever the colours.
 */
const W = 96, H = 64;
const K: Intrinsics = { fx: 80, fy: 80, cx: W / 2, cy: H / 2, width: W, height: H };
const inDisc = (i: number) => Math.hypot((i % W) - W / 2, Math.floor(i / W) - H / 2) < 18;
const dist = Float32Array.from({ length: W * H }, (_, i) => (inDisc(i) ? 0.2 : 0.8));
const rgb = new Uint8Array(W * H * 3);
let seed = 7;
for (let i = 0; i < W * H; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  const t = (seed >>> 16) % 40;
  if (inDisc(i)) rgb.set([200, 60 + t, 50], i * 3);
  else rgb.set([60 + t, 150, 120 + t], i * 3);
}
const frame = { width: W, height: H, data: rgb };
const run = (spec: string, d = dist) => applyStack(frame, { dist: d, nearRatio: 0.2 }, K, [parseEffectSpec(spec)], 0);
const px = (img: Uint8Array, i: number) => [img[i * 3], img[i * 3 + 1], img[i * 3 + 2]];
const all = Array.from({ length: W * H }, (_, i) => i);
const disc = all.filter(inDisc);
const wall = all.filter((i) => !inDisc(i));

describe('isolate (synthetic two-depth scene)', () => {
  it('defaults: the subject (auto target) stays as shot, the wall behind it is graded darker and greyer', () => {
    const out = run('isolate');
    for (const i of disc) expect(px(out, i)).toEqual(px(rgb, i));
    const sat = (c: number[]) => Math.max(...c) - Math.min(...c);
    let darker = 0, greyer = 0;
    for (const i of wall) {
      const a = px(rgb, i), b = px(out, i);
      if (b[0] + b[1] + b[2] < 0.85 * (a[0] + a[1] + a[2])) darker++;
      if (sat(b) < sat(a)) greyer++;
    }
    expect(darker).toBe(wall.length);
    expect(greyer).toBeGreaterThan(0.95 * wall.length);
  });

  it('exposure alone is an exact gain of 2^(stops / 2.2) outside the band; inside is the inverse', () => {
    const spec = 'isolate:autoTarget=false,target=0.2,tolerance=0.05,softness=0.05,exposure=-1,saturation=1,tintAmount=0';
    const g = Math.pow(2, -1 / 2.2);
    for (const [region, graded, kept] of [['outside', wall, disc], ['inside', disc, wall]] as const) {
      const out = run(`${spec},region=${region}`);
      for (const i of kept) expect(px(out, i)).toEqual(px(rgb, i));
      for (const i of graded) px(out, i).forEach((v, c) => expect(Math.abs(v - rgb[i * 3 + c] * g)).toBeLessThanOrEqual(0.5001));
    }
  });

  it('the mask follows the distance: white where graded, a soft ramp between tolerance and tolerance + softness', () => {
    const mask = run('isolate:autoTarget=false,target=0.8,showMask=true,region=inside,tolerance=0.01,softness=0');
    for (const i of all) expect(mask[i * 3]).toBe(inDisc(i) ? 0 : 255);
    // A ramp of distances 0..1 along x: band = 1 - smoothstep(0.1, 0.3, |s - 0.5|).
    const ramp = Float32Array.from({ length: W * H }, (_, i) => (i % W) / (W - 1));
    const soft = run('isolate:autoTarget=false,target=0.5,tolerance=0.1,softness=0.2,region=inside,showMask=true', ramp);
    for (let x = 0; x < W; x++) {
      const t = Math.min(1, Math.max(0, (Math.abs(x / (W - 1) - 0.5) - 0.1) / 0.2));
      expect(Math.abs(soft[x * 3] - 255 * (1 - t * t * (3 - 2 * t)))).toBeLessThanOrEqual(1);
    }
  });

  it('blur outside smooths the wall without spreading the subject into it', () => {
    const out = run('isolate:blur=3,exposure=0,saturation=1,tintAmount=0');
    for (const i of disc) expect(px(out, i)).toEqual(px(rgb, i));
    const lumaVar = (img: Uint8Array) => wall.reduce((a, i) => a + (img[i * 3] - img[i * 3 - 3 < 0 ? 0 : i * 3 - 3]) ** 2, 0);
    expect(lumaVar(out)).toBeLessThan(0.45 * lumaVar(rgb));
    // The wall's red never exceeds its own range (100 at most): the subject's red (200) does not leak.
    for (const i of wall) expect(out[i * 3]).toBeLessThanOrEqual(100);
  });

  it('CLI spec and project file: parsed, checked, round-tripped', () => {
    const inst = parseEffectSpec('isolate:region=inside,tint=#ff8800,blur=1');
    expect(inst.params.region).toBe('inside');
    expect(loadEffectStack(serializeEffectStack([inst]))).toEqual([inst]);
    expect(() => parseEffectSpec('isolate:region=middle')).toThrow(/region.*outside\|inside/);
    // A target the user gave turns the automatic target off, as refocus's focus does.
    expect(parseEffectSpec('isolate:target=0.6').params.autoTarget).toBe(false);
  });
});
