import { describe, expect, it } from 'vitest';
import { applyStack, parseEffectSpec, prepareDepth } from '../../src-main/engine/effects/index.ts';
import type { DepthRange } from '../../src-main/common/effects/distance.ts';
import type { Intrinsics } from '../../src-main/common/types.ts';
import { rms, smoothnessSum } from '../../scripts/gallery/smoothness.ts';

/**
 * Relight on synthetic geometry through the real path (low-res metric depth -> guided upsampling ->
 * surface maps -> shading): a plane must shade without stripes, a sphere must cast its shadow where the
 * light's geometry puts it.
 */
const W = 320, H = 240, LW = 80, LH = 60;
const K: Intrinsics = { fx: 300, fy: 300, cx: W / 2, cy: H / 2, width: W, height: H };
const RANGE: DepthRange = { kind: 'metric', near: 0.2, far: 1 };
const grey = (v: number) => new Uint8Array(W * H * 3).fill(v);
const lum = (rgb: Uint8Array, x: number, y: number) => { const i = (y * W + x) * 3; return 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2]; };
const boxMean = (rgb: Uint8Array, x0: number, x1: number, y0: number, y1: number) => {
  let s = 0, n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++, n++) s += lum(rgb, x, y);
  return s / n;
};

/** Depth z per low-res sample, from a function of the ray through the sample's centre (camera at 0). */
function lowDepth(zOf: (rx: number, ry: number) => number): Float32Array {
  const d = new Float32Array(LW * LH);
  for (let j = 0; j < LH; j++)
    for (let i = 0; i < LW; i++) d[j * LW + i] = zOf(((i + 0.5) * (W / LW) - K.cx) / K.fx, ((j + 0.5) * (H / LH) - K.cy) / K.fy);
  return d;
}

function relight(zOf: (rx: number, ry: number) => number, frame: Uint8Array, spec: string, range = RANGE) {
  const picture = { width: W, height: H, data: frame };
  const prep = prepareDepth({ data: lowDepth(zOf), width: LW, height: LH }, picture, range);
  return applyStack(picture, prep, K, [parseEffectSpec(spec)], 0);
}

describe('relight on synthetic geometry', () => {
  it('a tilted plane shades smoothly: no stripes, no grid (flat-area score and second differences)', () => {
    // A plane (n . P = d) tilted away from the camera towards the top of the image: z from 0.75 to 0.375.
    const plane = (_rx: number, ry: number) => 0.3 / (0.6 + 0.5 * ry);
    const src = grey(128);
    for (const spec of ['relight', 'relight:pointPosition=0.3;0.2;0.3,pointIntensity=2,smoothing=0', 'relight:spotAngle=70,spotSoftness=0.7,pointIntensity=1.5,smoothing=1']) {
      const out = relight(plane, src, spec);
      const score = rms(smoothnessSum(src, out, W, H));
      let worst = 0;
      for (let y = 4; y < H - 4; y++) for (let x = 4; x < W - 4; x++) worst = Math.max(worst, Math.abs(lum(out, x + 1, y) - 2 * lum(out, x, y) + lum(out, x - 1, y)), Math.abs(lum(out, x, y + 1) - 2 * lum(out, x, y) + lum(out, x, y - 1)));
      console.log(`plane ${spec}: flat-area score ${score.toFixed(3)} levels, worst second difference ${worst.toFixed(2)}`);
      // The light must actually vary over the plane, or smoothness proves nothing.
      expect(Math.abs(boxMean(out, 10, 60, 10, 60) - boxMean(out, 260, 310, 180, 230))).toBeGreaterThan(4);
      expect(score).toBeLessThan(0.35);
      // Luma of integer RGB: a second difference of 2 levels can read as 2 + 1e-13.
      expect(worst).toBeLessThanOrEqual(2 + 1e-9);
    }
  });

  // Wall at z = 1, a sphere of radius 0.1 centred at (-0.15, 0, 0.55).
  const C = [-0.15, 0, 0.55], R = 0.1;
  const scene = (rx: number, ry: number) => {
    const n2 = rx * rx + ry * ry + 1;
    const b = rx * C[0] + ry * C[1] + C[2];
    const disc = b * b - n2 * (C[0] ** 2 + C[1] ** 2 + C[2] ** 2 - R * R);
    return disc > 0 ? (b - Math.sqrt(disc)) / n2 : 1;
  };
  // The clip's range reaches past the wall (to z = 2.5), so the wall is a surface, not the sky.
  const BEYOND: DepthRange = { kind: 'metric', near: 0.2, far: 2.5 };

  // smoothing=4 (a radius of 2 samples here) marches the shadows on the every-other-sample grid (surface.ts).
  for (const smoothing of [0, 4])
  it(`a sphere in front of a wall casts its shadow where the light puts it, and only with shadows on (smoothing ${smoothing})`, () => {
    // Light travelling right and into the scene: from the wall at z = 1 back towards the light, the ray
    // reaches the sphere's depth 0.45 further in z and 0.3 further left, so the shadow's centre is on the
    // wall at x = +0.15 (pixel 205), beside the sphere's image (pixels ~63..109).
    const spec = `relight:pointIntensity=0,dirIntensity=1,dirDirection=0.55;0;0.83,ambient=0.4,shadowLength=1,shadowSoftness=0.05,smoothing=${smoothing}`;
    const src = grey(150);
    const lit = relight(scene, src, `${spec},shadows=1`, BEYOND);
    const unshadowed = relight(scene, src, `${spec},shadows=0`, BEYOND);
    const inShadow = (img: Uint8Array) => boxMean(img, 195, 215, 110, 130);
    const beside = (img: Uint8Array) => boxMean(img, 195, 215, 200, 220);
    console.log(`wall in the shadow ${inShadow(lit).toFixed(1)}, beside it ${beside(lit).toFixed(1)}; without shadows ${inShadow(unshadowed).toFixed(1)} / ${beside(unshadowed).toFixed(1)}`);
    expect(inShadow(lit)).toBeLessThan(beside(lit) * 0.8);
    expect(Math.abs(inShadow(unshadowed) - beside(unshadowed))).toBeLessThan(2);
    // No shadow on the far side of the sphere (the light comes from the left); with smoothing the wall there
    // is lit a little more than beside the shadow (its smoothed normals), never less.
    if (smoothing === 0) expect(Math.abs(boxMean(lit, 2, 16, 110, 130) - beside(lit))).toBeLessThan(3);
    else expect(boxMean(lit, 2, 16, 110, 130)).toBeGreaterThan(beside(lit) - 3);
    // The sphere's left side faces the light, its right side does not.
    const sx = Math.round(K.cx + (K.fx * C[0]) / C[2]);
    expect(boxMean(lit, sx - 35, sx - 20, 112, 128)).toBeGreaterThan(boxMean(lit, sx + 20, sx + 35, 112, 128) * 1.3);
  });

  it('the sky (the far end of the range) is infinitely far: no light reaches it, no shadow falls on it', () => {
    // The same scene with the wall at the far end of the clip's range: the wall is now the sky.
    const src = grey(150);
    const sky = (img: Uint8Array) => boxMean(img, 195, 215, 110, 130);
    for (const light of ['pointIntensity=0,dirIntensity=1,dirDirection=0.55;0;0.83', 'pointPosition=0.1;0;0.3,pointIntensity=2']) {
      const spec = `relight:${light},ambient=0.4,shadowLength=1,shadowSoftness=0.05,smoothing=0`;
      const out = relight(scene, src, `${spec},shadows=1`);
      const asWall = relight(scene, src, `${spec},shadows=1`, BEYOND);
      console.log(`${light}: sky ${sky(out).toFixed(1)} (as a wall ${sky(asWall).toFixed(1)}), ambient alone ${(150 * 0.4).toFixed(1)}`);
      // Ambient alone on the sky (no light, no shadow band), while the sphere is still lit as before.
      expect(Math.abs(sky(out) - 150 * 0.4)).toBeLessThan(1);
      expect(Math.abs(boxMean(out, 260, 310, 20, 220) - 150 * 0.4)).toBeLessThan(1);
      const sx = Math.round(K.cx + (K.fx * C[0]) / C[2]);
      // A directional light is scale-free, so the sphere shades exactly as it did in front of the wall.
      if (light.startsWith('pointIntensity=0')) expect(Math.abs(boxMean(out, sx - 10, sx + 10, 110, 130) - boxMean(asWall, sx - 10, sx + 10, 110, 130))).toBeLessThan(1);
      expect(boxMean(out, sx - 10, sx + 10, 110, 130)).toBeGreaterThan(150 * 0.4 + 10);
      // skyFrom=1: nothing is sky, so the point light reaches the far wall again (an indoor back wall).
      if (!light.startsWith('pointIntensity=0')) expect(sky(relight(scene, src, `${spec},shadows=1,skyFrom=1`))).toBeGreaterThan(150 * 0.4 + 5);
    }
  });
});
