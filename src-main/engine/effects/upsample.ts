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
  // Output columns come in runs that share the same two low-res columns (about W / lw pixels each):
  // the four depth samples, their flatness and their guide colours are read once per run.
  const runs: number[] = [];
  for (let X = 0; X < W; X++) if (X === 0 || cols.idx[X * 2] !== cols.idx[X * 2 - 2] || cols.idx[X * 2 + 1] !== cols.idx[X * 2 - 1]) runs.push(X);
  runs.push(W);
  // Horizontal weights normalised per column, for the flat (bilinear) path.
  const nx0 = new Float32Array(W);
  for (let X = 0; X < W; X++) nx0[X] = cols.w[X * 2] / (cols.w[X * 2] + cols.w[X * 2 + 1]);
  const sh = RANGE_QUANT_SHIFT;
  for (let Y = 0; Y < H; Y++) {
    const j0 = rows.idx[Y * 2] * lw, j1 = rows.idx[Y * 2 + 1] * lw;
    const wy0 = rows.w[Y * 2], wy1 = rows.w[Y * 2 + 1];
    const ny0 = wy0 / (wy0 + wy1), ny1 = 1 - ny0;
    // When no tap resembles a pixel, the nearest sample's depth is used: its row is fixed for this output row.
    const nearTop = wy0 >= wy1;
    const rowOut = Y * W;
    for (let r = 0; r + 1 < runs.length; r++) {
      const X0 = runs[r], X1 = runs[r + 1];
      const i0 = cols.idx[X0 * 2], i1 = cols.idx[X0 * 2 + 1];
      const d00 = low[j0 + i0], d01 = low[j0 + i1], d10 = low[j1 + i0], d11 = low[j1 + i1];
      const lo = Math.min(d00, d01, d10, d11), hi = Math.max(d00, d01, d10, d11);
      const left = ny0 * d00 + ny1 * d10, right = ny0 * d01 + ny1 * d11;
      if (hi - lo < flatEps) {
        for (let X = X0; X < X1; X++) out[rowOut + X] = right + nx0[X] * (left - right);
        continue;
      }
      let q = (j0 + i0) * 3;
      const r00 = g[q], g00 = g[q + 1], b00 = g[q + 2];
      q = (j0 + i1) * 3;
      const r01 = g[q], g01 = g[q + 1], b01 = g[q + 2];
      q = (j1 + i0) * 3;
      const r10 = g[q], g10 = g[q + 1], b10 = g[q + 2];
      q = (j1 + i1) * 3;
      const r11 = g[q], g11 = g[q + 1], b11 = g[q + 2];
      let p = (rowOut + X0) * 3;
      for (let X = X0; X < X1; X++, p += 3) {
        const wx0 = cols.w[X * 2], wx1 = cols.w[X * 2 + 1];
        const r0 = guide[p], g0 = guide[p + 1], b0 = guide[p + 2];
        // The four taps unrolled: this runs once per output pixel at depth edges and dominates the cost.
        let dr = r0 - r00, dg = g0 - g00, db = b0 - b00;
        const w00 = wx0 * wy0 * lut[(dr * dr + dg * dg + db * db) >> sh];
        dr = r0 - r01; dg = g0 - g01; db = b0 - b01;
        const w01 = wx1 * wy0 * lut[(dr * dr + dg * dg + db * db) >> sh];
        dr = r0 - r10; dg = g0 - g10; db = b0 - b10;
        const w10 = wx0 * wy1 * lut[(dr * dr + dg * dg + db * db) >> sh];
        dr = r0 - r11; dg = g0 - g11; db = b0 - b11;
        const w11 = wx1 * wy1 * lut[(dr * dr + dg * dg + db * db) >> sh];
        const sw = w00 + w01 + w10 + w11;
        // No tap resembles this pixel's colour at all: fall back to the nearest sample's depth.
        out[rowOut + X] = sw > 1e-10 ? (w00 * d00 + w01 * d01 + w10 * d10 + w11 * d11) / sw : !nearTop ? (wx1 > wx0 ? d11 : d10) : wx1 > wx0 ? d01 : d00;
      }
    }
  }
  return out;
}
