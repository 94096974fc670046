import type { ModelManifest } from '../infer/manifest.ts';
import { planarWasm } from './planar-wasm.ts';

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
 * commutes with interpolation, and no intermediate picture is made. This runs for every frame (on the
 * model thread), so in WebAssembly, four pixels at once (planar-wasm.ts); each value is the double-precision
 * expression (t0 + (t1 - t0) * wx), blended between rows by (top + (bot - top) * wy), then * scale + bias,
 * stored float32, as test/unit/preprocess.test.ts holds bit for bit.
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
  planarWasm(rgb, sw, sh, dw, dh, scale, bias, out, offset);
}
