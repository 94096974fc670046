import type { ModelManifest } from '../infer/manifest.ts';

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * Interleaved RGB8 (HxWx3) into planar float32 (3xHxW) at `offset` of `out`, normalised as the
 * manifest says. A lookup per channel keeps this a table read per sample.
 */
export function rgbToPlanar(
  rgb: Uint8Array,
  width: number,
  height: number,
  norm: ModelManifest['normalisation'],
  out: Float32Array,
  offset = 0,
): void {
  const plane = width * height;
  for (let c = 0; c < 3; c++) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = norm === 'imagenet' ? (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c] : v / 255;
    const base = offset + c * plane;
    for (let i = 0, j = c; i < plane; i++, j += 3) out[base + i] = lut[rgb[j]];
  }
}
