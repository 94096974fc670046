/**
 * The source's grain (common/effects/grain.ts is the definition and documents why; glsl/common.glsl
 * grainAt is its twin): per channel, the pixel minus the mean of its 5x5 neighbours within GRAIN_SIGMA
 * grey levels of it, clamped to +-GRAIN_CLAMP and weighted by the flatness of the 3x3 grey neighbourhood. The constants are grain.ts's (test/effects/grain.test.ts
 * compares the two). Pixels are `stride` bytes apart from `base` (RGB8: 3). Export reads the grain from
 * grain-plane.as.ts's planes (a frame at once, SIMD), which calls this where the definition's own rounding decides.
 */
const GRAIN_FLAT_LO: f64 = 2;
const GRAIN_FLAT_HI: f64 = 4;
const GRAIN_CLAMP: f64 = 6;
const GRAIN_SIGMA: f64 = 8;
const GRAIN_RADIUS: i32 = 2;

/** The grain of the last grainAt call, per channel (grey levels). */
export let grainR: f64 = 0;
export let grainG: f64 = 0;
export let grainB: f64 = 0;

@inline function band(v: f64): f64 {
  return v < -GRAIN_CLAMP ? -GRAIN_CLAMP : v > GRAIN_CLAMP ? GRAIN_CLAMP : v;
}

@inline function greyAt(o: usize): f64 {
  return 0.299 * <f64>load<u8>(o) + 0.587 * <f64>load<u8>(o + 1) + 0.114 * <f64>load<u8>(o + 2);
}

export function grainAt(base: usize, stride: i32, W: i32, H: i32, x: i32, y: i32): void {
  let l: f64 = 0, l2: f64 = 0;
  for (let dy = -1; dy <= 1; dy++) {
    const yy = min(H - 1, max(0, y + dy));
    for (let dx = -1; dx <= 1; dx++) {
      const lum = greyAt(base + <usize>((yy * W + min(W - 1, max(0, x + dx))) * stride));
      l += lum;
      l2 += lum * lum;
    }
  }
  const m = l / 9;
  const sd = Math.sqrt(max(0, l2 / 9 - m * m));
  const w = min(1, max(0, (GRAIN_FLAT_HI - sd) / (GRAIN_FLAT_HI - GRAIN_FLAT_LO)));
  if (w == 0) {
    // Texture or an edge: no grain, and no need for the 5x5 mean.
    grainR = 0; grainG = 0; grainB = 0;
    return;
  }
  const o = base + <usize>((y * W + x) * stride);
  const l0 = greyAt(o);
  let r: f64 = 0, g: f64 = 0, b: f64 = 0, n: f64 = 0;
  for (let dy = -GRAIN_RADIUS; dy <= GRAIN_RADIUS; dy++) {
    const yy = min(H - 1, max(0, y + dy));
    for (let dx = -GRAIN_RADIUS; dx <= GRAIN_RADIUS; dx++) {
      const q = base + <usize>((yy * W + min(W - 1, max(0, x + dx))) * stride);
      if (abs(greyAt(q) - l0) > GRAIN_SIGMA) continue;
      r += <f64>load<u8>(q); g += <f64>load<u8>(q + 1); b += <f64>load<u8>(q + 2); n += 1;
    }
  }
  grainR = w * band(<f64>load<u8>(o) - r / n);
  grainG = w * band(<f64>load<u8>(o + 1) - g / n);
  grainB = w * band(<f64>load<u8>(o + 2) - b / n);
}

/** v rounded to the nearest 8-bit level. */
@inline export function clampByte(v: f64): u8 {
  const r = v + 0.5;
  return r <= 0 ? 0 : r >= 255 ? 255 : <u8><i32>r;
}
