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
  const X = axis(dw, sw);
  const Y = axis(dh, sh);
  const xa = new Int32Array(dw);
  const xb = new Int32Array(dw);
  for (let x = 0; x < dw; x++) {
    xa[x] = X.i0[x] * 3;
    xb[x] = X.i1[x] * 3;
  }
  for (let c = 0; c < 3; c++) {
    const k = scale[c];
    const b = bias[c];
    const base = offset + c * plane;
    for (let y = 0; y < dh; y++) {
      const r0 = Y.i0[y] * sw * 3 + c;
      const r1 = Y.i1[y] * sw * 3 + c;
      const wy = Y.w[y];
      const o = base + y * dw;
      if (wy === 0) {
        // Source row falls exactly on this one (same height, e.g. 398x224 -> 224x224): one row to read.
        for (let x = 0; x < dw; x++) {
          const t0 = rgb[r0 + xa[x]];
          out[o + x] = (t0 + (rgb[r0 + xb[x]] - t0) * X.w[x]) * k + b;
        }
        continue;
      }
      for (let x = 0; x < dw; x++) {
        const wx = X.w[x];
        const t0 = rgb[r0 + xa[x]];
        const t1 = rgb[r0 + xb[x]];
        const b0 = rgb[r1 + xa[x]];
        const b1 = rgb[r1 + xb[x]];
        const top = t0 + (t1 - t0) * wx;
        const bot = b0 + (b1 - b0) * wx;
        out[o + x] = (top + (bot - top) * wy) * k + b;
      }
    }
  }
}
