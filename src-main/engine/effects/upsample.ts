/**
 * Depth at output resolution by joint bilateral upsampling (Kopf et al. 2007): each output pixel
 * averages the 2x2 low-res samples around it (the bilinear footprint), weighted by a spatial Gaussian
 * (in low-res pixels) and by how close the guide colour at each sample is to the output pixel's own
 * colour. Depth edges thus snap to colour edges instead of the blurry edges of plain interpolation.
 * Four taps keep export fast; glsl/upsample.glsl implements exactly this (same taps, same guide
 * pixels, same quantised range weight).
 */
export const UPSAMPLE_SIGMA_SPATIAL = 1.0;
export const UPSAMPLE_SIGMA_RANGE = 10;
/**
 * Where the four depth samples agree within this, the colour weights cannot move the result by more
 * than it, so the spatial weights alone are used (most of a smooth depth map; halves the cost).
 */
export const FLAT_EPS = 1 / 256;
/** The range weight is a function of the squared colour distance quantised to steps of 4 (LUT size). */
export const RANGE_QUANT_SHIFT = 2;

let rangeLut: Float32Array | null = null;
function rangeWeights(): Float32Array {
  if (rangeLut) return rangeLut;
  const n = ((3 * 255 * 255) >> RANGE_QUANT_SHIFT) + 1;
  rangeLut = new Float32Array(n);
  const k = 1 / (2 * UPSAMPLE_SIGMA_RANGE * UPSAMPLE_SIGMA_RANGE);
  for (let i = 0; i < n; i++) rangeLut[i] = Math.exp(-(i << RANGE_QUANT_SHIFT) * k);
  return rangeLut;
}

/** Per output column (or row): the 2 low-res taps and their spatial weights. */
function axisTaps(outSize: number, lowSize: number) {
  const idx = new Int32Array(outSize * 2);
  const w = new Float32Array(outSize * 2);
  const k = 1 / (2 * UPSAMPLE_SIGMA_SPATIAL * UPSAMPLE_SIGMA_SPATIAL);
  const scale = lowSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const u = (o + 0.5) * scale - 0.5;
    const f = Math.floor(u);
    for (let t = 0; t < 2; t++) {
      const i = Math.min(lowSize - 1, Math.max(0, f + t));
      idx[o * 2 + t] = i;
      w[o * 2 + t] = Math.exp(-(i - u) * (i - u) * k);
    }
  }
  return { idx, w };
}

/** Full-res pixel whose colour stands for low-res sample i (nearest to its centre). */
export const guidePixel = (i: number, lowSize: number, outSize: number) => Math.min(outSize - 1, Math.floor(((i + 0.5) * outSize) / lowSize));

export function guidedUpsample(
  low: Float32Array,
  lw: number,
  lh: number,
  guide: Uint8Array,
  W: number,
  H: number,
  /** In the units of `low`; FLAT_EPS suits distances 0..1, 0 disables the shortcut. */
  flatEps = FLAT_EPS,
  out = new Float32Array(W * H),
): Float32Array {
  const lut = rangeWeights();
  const cols = axisTaps(W, lw);
  const rows = axisTaps(H, lh);
  // Guide colour per low-res sample, gathered once per frame.
  const g = new Int32Array(lw * lh * 3);
  for (let j = 0; j < lh; j++) {
    const Y = guidePixel(j, lh, H);
    for (let i = 0; i < lw; i++) {
      const X = guidePixel(i, lw, W);
      const s = (Y * W + X) * 3;
      const d = (j * lw + i) * 3;
      g[d] = guide[s];
      g[d + 1] = guide[s + 1];
      g[d + 2] = guide[s + 2];
    }
  }
  // Column taps split into flat arrays: the inner loop reads them sequentially.
  const ci0 = new Int32Array(W), ci1 = new Int32Array(W), cw0 = new Float32Array(W), cw1 = new Float32Array(W);
  for (let X = 0; X < W; X++) {
    ci0[X] = cols.idx[X * 2];
    ci1[X] = cols.idx[X * 2 + 1];
    cw0[X] = cols.w[X * 2];
    cw1[X] = cols.w[X * 2 + 1];
  }
  const sh = RANGE_QUANT_SHIFT;
  for (let Y = 0; Y < H; Y++) {
    const j0 = rows.idx[Y * 2] * lw, j1 = rows.idx[Y * 2 + 1] * lw;
    const wy0 = rows.w[Y * 2], wy1 = rows.w[Y * 2 + 1];
    const rowOut = Y * W;
    let p = rowOut * 3;
    for (let X = 0; X < W; X++, p += 3) {
      const i0 = ci0[X], i1 = ci1[X];
      const wx0 = cw0[X], wx1 = cw1[X];
      const d00 = low[j0 + i0], d01 = low[j0 + i1], d10 = low[j1 + i0], d11 = low[j1 + i1];
      let lo = d00, hi = d00;
      if (d01 < lo) lo = d01; else if (d01 > hi) hi = d01;
      if (d10 < lo) lo = d10; else if (d10 > hi) hi = d10;
      if (d11 < lo) lo = d11; else if (d11 > hi) hi = d11;
      const a = wx0 * wy0, b = wx1 * wy0, c = wx0 * wy1, d = wx1 * wy1;
      if (hi - lo < flatEps) {
        out[rowOut + X] = (a * d00 + b * d01 + c * d10 + d * d11) / (a + b + c + d);
        continue;
      }
      const r0 = guide[p], g0 = guide[p + 1], b0 = guide[p + 2];
      // The four taps unrolled: this runs once per output pixel and dominates the cost.
      let gq = (j0 + i0) * 3;
      let dr = r0 - g[gq], dg = g0 - g[gq + 1], db = b0 - g[gq + 2];
      const w00 = a * lut[(dr * dr + dg * dg + db * db) >> sh];
      gq = (j0 + i1) * 3;
      dr = r0 - g[gq]; dg = g0 - g[gq + 1]; db = b0 - g[gq + 2];
      const w01 = b * lut[(dr * dr + dg * dg + db * db) >> sh];
      gq = (j1 + i0) * 3;
      dr = r0 - g[gq]; dg = g0 - g[gq + 1]; db = b0 - g[gq + 2];
      const w10 = c * lut[(dr * dr + dg * dg + db * db) >> sh];
      gq = (j1 + i1) * 3;
      dr = r0 - g[gq]; dg = g0 - g[gq + 1]; db = b0 - g[gq + 2];
      const w11 = d * lut[(dr * dr + dg * dg + db * db) >> sh];
      const sw = w00 + w01 + w10 + w11;
      // No tap resembles this pixel's colour at all: fall back to the nearest sample's depth.
      out[rowOut + X] = sw > 1e-10 ? (w00 * d00 + w01 * d01 + w10 * d10 + w11 * d11) / sw : wy1 > wy0 ? (wx1 > wx0 ? d11 : d10) : wx1 > wx0 ? d01 : d00;
    }
  }
  return out;
}
