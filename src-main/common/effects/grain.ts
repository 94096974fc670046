/**
 * The source's grain: the part of a picture that is noise (sensor grain, compression noise), which an
 * effect must neither remove nor amplify, or its flat areas look plastic (refocus's blur wipes the noise
 * off a noisy sky) or crawl (relight's gain multiplies it). Compositors call the fix regrain.
 *
 * Grain at a pixel, per channel: its value minus the mean of its 5x5 neighbours of about its grey level
 * (within GRAIN_SIGMA levels: a sigma filter, so an edge nearby does not shift the mean), limited to the
 * noise band so that it never carries an edge or texture back:
 * - weighted by how flat the 3x3 neighbourhood is: full where its grey standard deviation is at most
 *   GRAIN_FLAT_LO levels, nothing from GRAIN_FLAT_HI up (texture and edges are not grain);
 * - clamped to +-GRAIN_CLAMP levels.
 * Refocus adds it back where its gather removed it (refocus.ts, `grain`); relight shades the picture
 * minus its grain and adds the grain back unshaded (relight.ts). The same definition runs in WebAssembly
 * (engine/effects/wasm/grain.as.ts) and GLSL (glsl/common.glsl grainAt); this one is the reference.
 */
export const GRAIN_FLAT_LO = 2;
export const GRAIN_FLAT_HI = 4;
export const GRAIN_CLAMP = 6;
export const GRAIN_SIGMA = 8;
/** The neighbourhood's half width (5x5). */
export const GRAIN_RADIUS = 2;

const greyOf = (rgb: Uint8Array, o: number) => 0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2];

/** Grain of packed RGB8 at (x, y), into out[0..2] (grey levels); borders clamp. */
export function grainAt(rgb: Uint8Array, W: number, H: number, x: number, y: number, out: Float64Array | number[]): void {
  const at = (dx: number, dy: number) => (Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))) * 3;
  const o = (y * W + x) * 3;
  const l0 = greyOf(rgb, o);
  let l = 0, l2 = 0;
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const lum = greyOf(rgb, at(dx, dy));
      l += lum;
      l2 += lum * lum;
    }
  const m = l / 9;
  const sd = Math.sqrt(Math.max(0, l2 / 9 - m * m));
  const w = Math.min(1, Math.max(0, (GRAIN_FLAT_HI - sd) / (GRAIN_FLAT_HI - GRAIN_FLAT_LO)));
  if (w === 0) {
    out[0] = out[1] = out[2] = 0;
    return;
  }
  let r = 0, g = 0, b = 0, n = 0;
  for (let dy = -GRAIN_RADIUS; dy <= GRAIN_RADIUS; dy++)
    for (let dx = -GRAIN_RADIUS; dx <= GRAIN_RADIUS; dx++) {
      const q = at(dx, dy);
      if (Math.abs(greyOf(rgb, q) - l0) > GRAIN_SIGMA) continue;
      r += rgb[q]; g += rgb[q + 1]; b += rgb[q + 2]; n++;
    }
  const clamp = (v: number) => Math.min(GRAIN_CLAMP, Math.max(-GRAIN_CLAMP, v));
  out[0] = w * clamp(rgb[o] - r / n);
  out[1] = w * clamp(rgb[o + 1] - g / n);
  out[2] = w * clamp(rgb[o + 2] - b / n);
}
