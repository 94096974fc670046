/**
 * Depth at output resolution by a fast guided filter (He, Sun & Tang 2013; He & Sun 2015), the shared,
 * browser-safe half: everything at the analysis resolution. The frame's luma, averaged over each low-res
 * cell, guides the low-res depth: in every 5x5 window the depth is modelled as a * luma + b (least squares
 * with regulariser GUIDED_EPS), and a, b are averaged over the windows that cover each sample. At output
 * resolution the depth is then A(p) * luma(p) + B(p), with A, B interpolated by a cubic B-spline (the CPU
 * kernel in wasm/kernels.as.ts and glsl/upsample.glsl alike). Hence:
 * - where the picture is flat or the depth is (a ~ 0), the result is the B-spline of the low-res depth:
 *   smooth, with continuous slope (no grid for relight's normals or fog to reveal);
 * - across a depth edge that has a colour edge, a ~ (depth step / luma step), so the depth steps exactly
 *   where the colour steps, at the frame's resolution.
 * The model is linear in the depth, so it applies to any depth unit unchanged (raw passes included).
 */

/** Window radius in low-res samples (5x5 windows). */
export const GUIDED_RADIUS = 2;
/**
 * Regulariser in luma^2 (luma 0..1): windows whose luma varies less than about sqrt(eps) (~8 levels) are
 * treated as one surface, so texture is not copied into the depth.
 */
export const GUIDED_EPS = 1e-3;

/** Luma 0..1 from RGB8 components (Rec. 601), as the shader computes it. */
export const luma = (r: number, g: number, b: number): number => (0.299 * r + 0.587 * g + 0.114 * b) / 255;

/** Low-res cell (i) -> full-res pixel span [x0, x1): the pixels whose centres fall in it. */
export function cellSpan(i: number, low: number, out: number): [number, number] {
  const x0 = Math.min(out - 1, Math.floor((i * out) / low));
  const x1 = Math.max(x0 + 1, Math.min(out, Math.floor(((i + 1) * out) / low)));
  return [x0, x1];
}

/** Each output column's low-res cell (-1: none) and each low-res row's [y0, y1), as cellSpan gives them. */
export function cellTables(W: number, H: number, lw: number, lh: number): { colCell: Int32Array; rowSpan: Int32Array } {
  const colCell = new Int32Array(W).fill(-1);
  for (let i = 0; i < lw; i++) {
    const [x0, x1] = cellSpan(i, lw, W);
    for (let x = x0; x < x1; x++) colCell[x] = i;
  }
  const rowSpan = new Int32Array(lh * 2);
  for (let j = 0; j < lh; j++) rowSpan.set(cellSpan(j, lh, H), j * 2);
  return { colCell, rowSpan };
}

/** Mean luma of every low-res cell (export runs the same in WebAssembly: wasm/low-res.as.ts guidedLow; the preview in glsl/guided.glsl). */
export function cellLuma(rgb: Uint8Array, W: number, H: number, lw: number, lh: number): Float32Array {
  const { colCell, rowSpan } = cellTables(W, H, lw, lh);
  const sum = new Float64Array(lw);
  const cnt = new Float64Array(lw);
  const out = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++) {
    const y0 = rowSpan[j * 2], y1 = rowSpan[j * 2 + 1];
    sum.fill(0);
    cnt.fill(0);
    for (let y = y0; y < y1; y++)
      for (let x = 0, o = y * W * 3; x < W; x++, o += 3) {
        const c = colCell[x];
        if (c < 0) continue;
        sum[c] += luma(rgb[o], rgb[o + 1], rgb[o + 2]);
        cnt[c]++;
      }
    for (let i = 0; i < lw; i++) {
      if (cnt[i] === 0) {
        // A frame narrower than the depth: pixels are shared by several cells, so this cell averages its own span.
        const [x0, x1] = cellSpan(i, lw, W);
        for (let y = y0; y < y1; y++)
          for (let x = x0; x < x1; x++) {
            const o = (y * W + x) * 3;
            sum[i] += luma(rgb[o], rgb[o + 1], rgb[o + 2]);
            cnt[i]++;
          }
      }
      out[j * lw + i] = sum[i] / cnt[i];
    }
  }
  return out;
}

/** Box mean with radius r, window clamped at the borders (separable running sums). */
export function boxMean(v: ArrayLike<number>, w: number, h: number, r: number): Float64Array {
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      const x0 = Math.max(0, x - r), x1 = Math.min(w - 1, x + r);
      for (let k = x0; k <= x1; k++) s += v[y * w + k];
      tmp[y * w + x] = s / (x1 - x0 + 1);
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(h - 1, y + r);
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = y0; k <= y1; k++) s += tmp[k * w + x];
      out[y * w + x] = s / (y1 - y0 + 1);
    }
  }
  return out;
}

/**
 * The guided filter's coefficients at low resolution, interleaved (A, B) per sample: depth ~ A * luma + B.
 * `depth` in any unit (NaN is taken as the nearest valid neighbour would be: replaced by the map's mean).
 */
export function guidedCoefficients(depth: Float32Array, lw: number, lh: number, I: Float32Array, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(lw * lh * 2);
  const n = lw * lh;
  let mean = 0, cnt = 0;
  for (let k = 0; k < n; k++) if (depth[k] === depth[k]) { mean += depth[k]; cnt++; }
  mean = cnt ? mean / cnt : 0;
  const p = new Float64Array(n);
  const Ip = new Float64Array(n);
  const II = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    p[k] = depth[k] === depth[k] ? depth[k] : mean;
    Ip[k] = I[k] * p[k];
    II[k] = I[k] * I[k];
  }
  const r = GUIDED_RADIUS;
  const mI = boxMean(I, lw, lh, r), mp = boxMean(p, lw, lh, r), mIp = boxMean(Ip, lw, lh, r), mII = boxMean(II, lw, lh, r);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const varI = mII[k] - mI[k] * mI[k];
    a[k] = (mIp[k] - mI[k] * mp[k]) / (Math.max(0, varI) + GUIDED_EPS);
    b[k] = mp[k] - a[k] * mI[k];
  }
  const A = boxMean(a, lw, lh, r), B = boxMean(b, lw, lh, r);
  for (let k = 0; k < n; k++) {
    out[k * 2] = A[k];
    out[k * 2 + 1] = B[k];
  }
  return out;
}

/** Smallest and largest valid value of a map: the guided output is clamped to them. */
export function extent(v: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < v.length; k++) {
    const x = v[k];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** Cubic B-spline weights of the 4 taps around fractional position t in [0, 1). */
export function bspline(t: number): [number, number, number, number] {
  const t2 = t * t, t3 = t2 * t;
  return [(1 - 3 * t + 3 * t2 - t3) / 6, (3 * t3 - 6 * t2 + 4) / 6, (-3 * t3 + 3 * t2 + 3 * t + 1) / 6, t3 / 6];
}

/** Per output column (or row): the 4 low-res taps (clamped to the map) and their B-spline weights. */
export function splineTaps(outSize: number, lowSize: number): { idx: Int32Array; w: Float32Array } {
  const idx = new Int32Array(outSize * 4);
  const w = new Float32Array(outSize * 4);
  const scale = lowSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const u = (o + 0.5) * scale - 0.5;
    const f = Math.floor(u);
    const ws = bspline(u - f);
    for (let t = 0; t < 4; t++) {
      idx[o * 4 + t] = Math.min(lowSize - 1, Math.max(0, f - 1 + t));
      w[o * 4 + t] = ws[t];
    }
  }
  return { idx, w };
}
