/**
 * The flat-area smoothness score of issue 26 (pure; no I/O). Where the source picture is flat (3x3 grey
 * standard deviation below FLAT_STD levels), what an effect changes should vary smoothly: the score is the
 * RMS, over those pixels, of d - box5(d), d = grey(result) - grey(source), in grey levels. Stripes, blocks
 * and noise that an effect adds to flat areas raise it; a smooth change (a gradient of fog, a soft light)
 * does not. The same score of a bare libx264 CRF 18 transcode of the same frames is the floor the gallery
 * divides by.
 */
import { boxMean } from '../../src-main/common/effects/guided-filter.ts';

export const FLAT_STD = 2;

/** Rec. 601 luma of packed RGB8, as float grey levels. */
export function grey(rgb: Uint8Array, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return g;
}

/** Pixels (not within 2 of the border) whose 3x3 grey standard deviation is below FLAT_STD. */
export function flatMask(src: Float32Array, W: number, H: number): Uint8Array {
  const m = boxMean(src, W, H, 1);
  const sq = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) sq[i] = src[i] * src[i];
  const m2 = boxMean(sq, W, H, 1);
  const mask = new Uint8Array(W * H);
  for (let y = 2; y < H - 2; y++)
    for (let x = 2; x < W - 2; x++) {
      const i = y * W + x;
      mask[i] = m2[i] - m[i] * m[i] < FLAT_STD * FLAT_STD ? 1 : 0;
    }
  return mask;
}

/** Sum of squared high-pass residuals and the pixel count, so frames pool into one RMS. */
export interface SmoothnessSum {
  se: number;
  n: number;
}

export function smoothnessSum(source: Uint8Array, result: Uint8Array, W: number, H: number, acc: SmoothnessSum = { se: 0, n: 0 }): SmoothnessSum {
  const s = grey(source, W * H);
  const r = grey(result, W * H);
  const mask = flatMask(s, W, H);
  const d = new Float32Array(W * H);
  for (let i = 0; i < d.length; i++) d[i] = r[i] - s[i];
  const b = boxMean(d, W, H, 2);
  for (let i = 0; i < d.length; i++) {
    if (!mask[i]) continue;
    const e = d[i] - b[i];
    acc.se += e * e;
    acc.n++;
  }
  return acc;
}

export const rms = (a: SmoothnessSum): number => (a.n ? Math.sqrt(a.se / a.n) : 0);
