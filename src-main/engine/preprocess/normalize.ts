import type { ModelManifest } from '../infer/manifest.ts';
import { axis } from './resize.ts';

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Per-channel affine map from an 8-bit value to the network's input: v * scale + bias. */
function affine(norm: ModelManifest['normalisation']): { scale: number[]; bias: number[] } {
  if (norm === 'imagenet') {
    return { scale: IMAGENET_STD.map((s) => 1 / (255 * s)), bias: IMAGENET_MEAN.map((m, c) => -m / IMAGENET_STD[c]) };
  }
  return { scale: [1 / 255, 1 / 255, 1 / 255], bias: [0, 0, 0] };
}

/**
 * Interleaved RGB8 (sh x sw x 3) into planar float32 (3 x dh x dw) at `offset` of `out`, resized
 * bilinearly and normalised as the manifest says, in one pass: the normalisation is affine, so it
 * commutes with interpolation, and no intermediate picture is made (this runs for every frame).
 */
export function rgbToPlanar(
  rgb: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  norm: ModelManifest['normalisation'],
  out: Float32Array,
  offset = 0,
): void {
  const { scale, bias } = affine(norm);
  const plane = dw * dh;
  const X = rgbColumns(dw, sw);
  const Y = axis(dh, sh);
  const xa = X.a, xb = X.b, xw = X.w;
  const k0 = scale[0], k1 = scale[1], k2 = scale[2], b0 = bias[0], b1 = bias[1], b2 = bias[2];
  // The three channels of a pixel in one pass (its two or four source pixels are read once, not once
  // a channel); each value is the same double-precision expression as channel by channel, so the
  // tensor's bits do not depend on how the loop is arranged.
  for (let y = 0; y < dh; y++) {
    const r0 = Y.i0[y] * sw * 3;
    const r1 = Y.i1[y] * sw * 3;
    const wy = Y.w[y];
    const o0 = offset + y * dw;
    const o1 = o0 + plane;
    const o2 = o1 + plane;
    if (wy === 0) {
      // Source row falls exactly on this one (same height, e.g. 398x224 -> 224x224): one row to read.
      for (let x = 0; x < dw; x++) {
        const a = r0 + xa[x], b = r0 + xb[x], wx = xw[x];
        const t0 = rgb[a], t1 = rgb[a + 1], t2 = rgb[a + 2];
        out[o0 + x] = (t0 + (rgb[b] - t0) * wx) * k0 + b0;
        out[o1 + x] = (t1 + (rgb[b + 1] - t1) * wx) * k1 + b1;
        out[o2 + x] = (t2 + (rgb[b + 2] - t2) * wx) * k2 + b2;
      }
      continue;
    }
    for (let x = 0; x < dw; x++) {
      const wx = xw[x];
      for (let c = 0; c < 3; c++) {
        const t0 = rgb[r0 + xa[x] + c];
        const t1 = rgb[r0 + xb[x] + c];
        const u0 = rgb[r1 + xa[x] + c];
        const u1 = rgb[r1 + xb[x] + c];
        const top = t0 + (t1 - t0) * wx;
        const bot = u0 + (u1 - u0) * wx;
        out[o0 + c * plane + x] = (top + (bot - top) * wy) * scale[c] + bias[c];
      }
    }
  }
}

type Columns = { readonly a: Int32Array; readonly b: Int32Array; readonly w: Float64Array };
const columns = new Map<string, Columns>();

/**
 * axis() as byte offsets into an RGB row, weights widened to double once (the same values the loop
 * would widen per pixel): made once per pair of sizes, every frame of a clip reads them. Never written.
 */
function rgbColumns(outN: number, inN: number): Columns {
  const key = `${outN}:${inN}`;
  let c = columns.get(key);
  if (!c) {
    const X = axis(outN, inN);
    c = { a: X.i0.map((i) => 3 * i), b: X.i1.map((i) => 3 * i), w: Float64Array.from(X.w) };
    if (columns.size > 16) columns.clear();
    columns.set(key, c);
  }
  return c;
}
