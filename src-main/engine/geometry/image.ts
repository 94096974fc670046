/** Typed-array image helpers at analysis resolution (single-channel float planes). */
import { downsampleWasm, pyramidWasm } from './klt-wasm.ts';

export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Area-average resize of interleaved RGB to a grey plane (0..255) and an RGB copy at the new size.
 * `into`: a dw * dh plane for the grey (every value written); with it the RGB may be a view valid only
 * until the next call (klt-wasm.ts: downsampleWasm), to be read at once.
 */
export function downsampleRgbGray(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, wasm = true, into?: Float32Array): { gray: Plane; rgb: Uint8Array } {
  const fx = sw / dw, fy = sh / dh;
  if (wasm && !(fx > 2 || fy > 2)) {
    // The same in WebAssembly (klt-wasm.ts); `wasm` false: this reference, for the test of their bits.
    const r = downsampleWasm(src, sw, sh, dw, dh, into);
    return { gray: { width: dw, height: dh, data: r.gray }, rgb: r.rgb };
  }
  const gray = into?.length === dw * dh ? into : new Float32Array(dw * dh);
  const rgb = new Uint8Array(dw * dh * 3);
  if (fx > 2 || fy > 2) return areaBlocks(src, sw, sh, dw, dh, gray, rgb);
  // Made before the loops: V8 compiles the loops during the first call, and code after them that had
  // not run yet cost a deoptimisation on later calls.
  const result = { gray: { width: dw, height: dh, data: gray }, rgb };
  // The analysis's frames come at the depth's size (398 x 224 for a 720p clip) to 256 x 144: blocks
  // of one or two rows and columns. A block row's channel sums per source column, then one or two of
  // those per pixel: integers, so the same doubles as the block's pixels summed one by one.
  const rw = 3 * sw;
  const acc = rowSums.length >= rw ? rowSums : (rowSums = new Int32Array(rw));
  const cols = colSpans.length >= dw ? colSpans : (colSpans = new Int32Array(dw));
  for (let x = 0; x < dw; x++) {
    const x0 = Math.floor(x * fx), x1 = Math.min(sw, Math.max(x0 + 1, Math.floor((x + 1) * fx)));
    cols[x] = x1 - x0 === 2 ? -1 - x0 : x0; // two columns: coded negative
  }
  for (let y = 0; y < dh; y++) {
    const y0 = Math.floor(y * fy), y1 = Math.min(sh, Math.max(y0 + 1, Math.floor((y + 1) * fy)));
    const o = y0 * rw, rows = y1 - y0;
    if (rows === 2) for (let j = 0; j < rw; j++) acc[j] = src[o + j] + src[o + rw + j];
    else for (let j = 0; j < rw; j++) acc[j] = src[o + j];
    for (let x = 0, i = y * dw; x < dw; x++, i++) {
      const c = cols[x];
      let r, g, b, n;
      if (c >= 0) { const k = 3 * c; r = acc[k]; g = acc[k + 1]; b = acc[k + 2]; n = rows; }
      else { const k = -3 * (c + 1); r = acc[k] + acc[k + 3]; g = acc[k + 1] + acc[k + 4]; b = acc[k + 2] + acc[k + 5]; n = 2 * rows; }
      rgb[i * 3] = r / n; rgb[i * 3 + 1] = g / n; rgb[i * 3 + 2] = b / n;
      gray[i] = (0.299 * r + 0.587 * g + 0.114 * b) / n;
    }
  }
  return result;
}
let colSpans = new Int32Array(0), rowSums = new Int32Array(0);

/** downsampleRgbGray's blocks summed pixel by pixel (any ratio). */
function areaBlocks(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, gray: Float32Array, rgb: Uint8Array): { gray: Plane; rgb: Uint8Array } {
  const fx = sw / dw, fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const y0 = Math.floor(y * fy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
    for (let x = 0; x < dw; x++) {
      const x0 = Math.floor(x * fx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
      let r = 0, g = 0, b = 0, n = 0;
      for (let yy = y0; yy < y1 && yy < sh; yy++) {
        let o = (yy * sw + x0) * 3;
        for (let xx = x0; xx < x1 && xx < sw; xx++, o += 3) { r += src[o]; g += src[o + 1]; b += src[o + 2]; n++; }
      }
      n = n || 1;
      const i = y * dw + x;
      rgb[i * 3] = r / n; rgb[i * 3 + 1] = g / n; rgb[i * 3 + 2] = b / n;
      gray[i] = (0.299 * r + 0.587 * g + 0.114 * b) / n;
    }
  }
  return { gray: { width: dw, height: dh, data: gray }, rgb };
}

/** Bilinear resample of a float plane (pixel-centre aligned). Non-positive samples are treated as holes. */
export function resizeWithHoles(src: Float32Array, sw: number, sh: number, dw: number, dh: number, into?: Float32Array): Float32Array {
  // `into`: a buffer of dw * dh to reuse (every value is written).
  const out = into ?? new Float32Array(dw * dh);
  const sx = sw / dw, sy = sh / dh;
  // The columns' taps are the same on every row: worked out once (the same doubles).
  const cx0 = new Int32Array(dw), cx1 = new Int32Array(dw), cwx = new Float64Array(dw);
  for (let x = 0; x < dw; x++) {
    const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    cx0[x] = Math.floor(fx); cx1[x] = Math.min(sw - 1, cx0[x] + 1); cwx[x] = fx - cx0[x];
  }
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(sh - 1, y0 + 1), wy = fy - y0;
    const r0 = y0 * sw, r1 = y1 * sw;
    for (let x = 0; x < dw; x++) {
      const x0 = cx0[x], x1 = cx1[x], wx = cwx[x];
      const a = src[r0 + x0], b = src[r0 + x1], c = src[r1 + x0], d = src[r1 + x1];
      let s = 0, w = 0;
      const wa = (1 - wx) * (1 - wy), wb = wx * (1 - wy), wc = (1 - wx) * wy, wd = wx * wy;
      if (a > 0) { s += a * wa; w += wa; }
      if (b > 0) { s += b * wb; w += wb; }
      if (c > 0) { s += c * wc; w += wc; }
      if (d > 0) { s += d * wd; w += wd; }
      out[y * dw + x] = w > 1e-6 ? s / w : 0;
    }
  }
  return out;
}

/**
 * Grey image for feature tracking at (dw, dh): an exact integer box average, then a pixel-centre
 * bilinear resample. A box filter with a fractional ratio (640 -> 512) shifts pixel centres by up to
 * a quarter pixel in a periodic pattern; KLT turns that into track jitter, which is measured to cost
 * several tenths of a degree of rotation accuracy.
 */
function trackingGray(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Plane & { sum?: number } {
  const f = Math.max(1, Math.floor(Math.min(sw / dw, sh / dh)));
  const bw = Math.floor(sw / f), bh = Math.floor(sh / f);
  const same = bw === dw && bh === dh;
  if (f === 1 && same) {
    const data = new Float32Array(dw * dh);
    return { width: dw, height: dh, data, sum: grayPlane(src, data) };
  }
  // Resized, the block means are scratch: one plane reused (a fresh 640 x 360 a 720p frame was garbage at once).
  const into = same ? undefined : (boxScratch = boxScratch.length === bw * bh ? boxScratch : new Float32Array(bw * bh));
  const box = f === 2 ? boxGray2(src, sw, sh, into) : boxGray(src, sw, sh, f, into);
  const data = same ? box : resizeWithHoles(box, bw, bh, dw, dh);
  for (let i = 0; i < data.length; i++) data[i] -= 1;
  return { width: dw, height: dh, data };
}

/**
 * trackingGray at the frame's own size (the analysis's frames at the depth's size are tracked as
 * they are) into `out`: boxGray with f = 1 and the 1 taken off again, in one pass; the same roundings
 * (the block mean stored as float32, then 1 less stored as float32). Returns the stored values' sum in
 * order (normalizeGain's first pass, done here while the values are at hand).
 */
function grayPlane(src: Uint8Array, out: Float32Array): number {
  let m = 0;
  for (let i = 0, o = 0; i < out.length; i++, o += 3) {
    out[i] = Math.fround(0.299 * src[o] + 0.587 * src[o + 1] + 0.114 * src[o + 2] + 1) - 1;
    m += out[i];
  }
  return m;
}

/**
 * Grey f x f block means of interleaved RGB, plus 1 (resizeWithHoles treats 0 as a hole, and black is a
 * colour here); each block's pixels summed row by row. `into`: a plane of the block count to fill (every value written).
 */
export function boxGray(src: Uint8Array, sw: number, sh: number, f: number, into?: Float32Array): Float32Array {
  const bw = Math.floor(sw / f), bh = Math.floor(sh / f);
  const box = into ?? new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) {
      let g = 0;
      for (let yy = y * f; yy < (y + 1) * f; yy++) {
        let o = (yy * sw + x * f) * 3;
        for (let xx = 0; xx < f; xx++, o += 3) g += 0.299 * src[o] + 0.587 * src[o + 1] + 0.114 * src[o + 2];
      }
      box[y * bw + x] = g / (f * f) + 1;
    }
  return box;
}

/** boxGray with f = 2 (a 720p frame to the tracking width), written out: the same sums in the same order, without the inner loops. */
export function boxGray2(src: Uint8Array, sw: number, sh: number, into?: Float32Array): Float32Array {
  const bw = Math.floor(sw / 2), bh = Math.floor(sh / 2);
  const box = into ?? new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    let o = 2 * y * sw * 3, u = o + sw * 3;
    for (let x = 0, i = y * bw; x < bw; x++, i++, o += 6, u += 6) {
      let g = 0.299 * src[o] + 0.587 * src[o + 1] + 0.114 * src[o + 2];
      g += 0.299 * src[o + 3] + 0.587 * src[o + 4] + 0.114 * src[o + 5];
      g += 0.299 * src[u] + 0.587 * src[u + 1] + 0.114 * src[u + 2];
      g += 0.299 * src[u + 3] + 0.587 * src[u + 4] + 0.114 * src[u + 5];
      box[i] = g / 4 + 1;
    }
  }
  return box;
}

let boxScratch = new Float32Array(0);

/** Frames are tracked at up to this multiple of the analysis width: KLT cost is per point, not per pixel, so finer is nearly free and much more accurate. */
const TRACK_FACTOR = 2;

export const TRACK_LEVELS = 4;

/** Size of the tracker's images (trackingPyramid's level 0) for a w x h frame analysed at `analysisWidth`. */
export function trackingSize(w: number, h: number, analysisWidth: number): { width: number; height: number } {
  const width = Math.min(w, analysisWidth * TRACK_FACTOR);
  return { width, height: Math.round((width * h) / w) };
}

/**
 * The tracker's pyramid of a frame analysed at `analysisWidth` (4 levels, gain-normalised grey). At the
 * frame's own size (the analysis's frames come at the depth's size) the same operations run in
 * WebAssembly (klt-wasm.ts: pyramidWasm) unless `wasm` is false (the reference, for the test of their bits).
 */
export function trackingPyramid(rgb: Uint8Array, w: number, h: number, analysisWidth: number, wasm = true, into?: (Float32Array | undefined)[]): Plane[] {
  const { width: tw, height: th } = trackingSize(w, h, analysisWidth);
  // `into`: the levels' arrays to reuse (pyramidWasm); the TypeScript path makes new ones.
  if (wasm && tw === w && th === h) return pyramidWasm(rgb, w, h, TRACK_LEVELS, into);
  const { sum, ...p } = trackingGray(rgb, w, h, tw, th);
  normalizeGain(p.data, sum);
  return pyramid(p, TRACK_LEVELS);
}

/**
 * Zero-mean, fixed-contrast grey: KLT assumes constant brightness, real cameras and renderers adjust
 * exposure. `sum`: the values' sum in order, where the grey's pass made it.
 */
function normalizeGain(d: Float32Array, sum?: number) {
  let m = 0, v = 0;
  if (sum === undefined) for (let i = 0; i < d.length; i++) m += d[i];
  else m = sum;
  m /= d.length;
  // t * t: what ** 2 gives (V8's pow returns x * x for a power of 2), without the call.
  for (let i = 0; i < d.length; i++) { const t = d[i] - m; v += t * t; }
  const g = 40 / Math.sqrt(v / d.length + 1e-6);
  for (let i = 0; i < d.length; i++) d[i] = (d[i] - m) * g + 128;
}

/** Bilinear sample with border clamp. */
export function sample(p: Plane, x: number, y: number): number {
  const w = p.width, h = p.height;
  if (x < 0) x = 0; else if (x > w - 1.001) x = w - 1.001;
  if (y < 0) y = 0; else if (y > h - 1.001) y = h - 1.001;
  const x0 = x | 0, y0 = y | 0, ax = x - x0, ay = y - y0;
  const i = y0 * w + x0, d = p.data;
  return (d[i] * (1 - ax) + d[i + 1] * ax) * (1 - ay) + (d[i + w] * (1 - ax) + d[i + w + 1] * ax) * ay;
}

/**
 * f x f block means (output floor(w / f) x floor(h / f)); with `holes`, values <= 0 are left out of
 * the mean and a block without any stays 0.
 */
export function boxDown(src: Float32Array, w: number, h: number, f: number, holes = false): Float32Array {
  const dw = Math.max(1, Math.floor(w / f)), dh = Math.max(1, Math.floor(h / f));
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++)
    for (let x = 0; x < dw; x++) {
      let s = 0, n = 0;
      for (let yy = y * f; yy < Math.min(h, (y + 1) * f); yy++)
        for (let xx = x * f; xx < Math.min(w, (x + 1) * f); xx++) {
          const v = src[yy * w + xx];
          if (holes && !(v > 0)) continue;
          s += v; n++;
        }
      out[y * dw + x] = n ? s / n : 0;
    }
  return out;
}

/** Half-size with a [1 2 1]^2 / 16 prefilter (Gaussian pyramid level). */
export function pyrDown(p: Plane): Plane {
  const w = p.width, h = p.height, dw = Math.max(1, w >> 1), dh = Math.max(1, h >> 1);
  const out = new Float32Array(dw * dh);
  const s = p.data;
  const at = (x: number, y: number) => s[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let y = 0; y < dh; y++) {
    const Y = 2 * y;
    // Rows and columns whose taps all lie inside read them directly (the same sums, in the same order).
    const inner = Y >= 1 && Y + 1 <= h - 1;
    for (let x = 0; x < dw; x++) {
      const X = 2 * x;
      if (inner && X >= 1 && X + 1 <= w - 1) {
        const c = Y * w + X, u = c - w, d = c + w;
        out[y * dw + x] =
          (s[u - 1] + 2 * s[u] + s[u + 1] +
            2 * s[c - 1] + 4 * s[c] + 2 * s[c + 1] +
            s[d - 1] + 2 * s[d] + s[d + 1]) / 16;
        continue;
      }
      out[y * dw + x] =
        (at(X - 1, Y - 1) + 2 * at(X, Y - 1) + at(X + 1, Y - 1) +
          2 * at(X - 1, Y) + 4 * at(X, Y) + 2 * at(X + 1, Y) +
          at(X - 1, Y + 1) + 2 * at(X, Y + 1) + at(X + 1, Y + 1)) / 16;
    }
  }
  return { width: dw, height: dh, data: out };
}

export function pyramid(p: Plane, levels: number): Plane[] {
  const out = [p];
  for (let i = 1; i < levels; i++) out.push(pyrDown(out[i - 1]));
  return out;
}

/** Central-difference gradients (x and y). */
export function gradients(p: Plane): { gx: Float32Array; gy: Float32Array } {
  const w = p.width, h = p.height, d = p.data;
  const gx = new Float32Array(w * h), gy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      gx[i] = (d[i + 1] - d[i - 1]) * 0.5;
      gy[i] = (d[i + w] - d[i - w]) * 0.5;
    }
  return { gx, gy };
}

/** Separable box filter of radius r (clamped borders), via running sums. `tmp`: scratch of w * h to reuse. */
export function boxFilter(src: Float32Array, w: number, h: number, r: number, out: Float32Array = new Float32Array(w * h), tmp: Float32Array = new Float32Array(w * h)): Float32Array {
  // Rows: the clamped taps only near the ends; in between the same sums read directly.
  const lo = Math.min(w, r), hi = Math.max(lo, w - r - 1);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let s = 0;
    for (let x = -r; x <= r; x++) s += src[o + Math.min(w - 1, Math.max(0, x))];
    let x = 0;
    for (; x < lo; x++) {
      tmp[o + x] = s;
      s += src[o + Math.min(w - 1, x + r + 1)] - src[o + Math.max(0, x - r)];
    }
    for (; x < hi; x++) {
      tmp[o + x] = s;
      s += src[o + x + r + 1] - src[o + x - r];
    }
    for (; x < w; x++) {
      tmp[o + x] = s;
      s += src[o + Math.min(w - 1, x + r + 1)] - src[o + Math.max(0, x - r)];
    }
  }
  // Columns: every column's running sum advanced a row at a time (row-major reads; each column's
  // additions in the same order as one column at a time).
  const n = (2 * r + 1) * (2 * r + 1);
  const sums = colSums.length >= w ? colSums : (colSums = new Float64Array(w));
  sums.fill(0, 0, w);
  for (let y = -r; y <= r; y++) {
    const o = Math.min(h - 1, Math.max(0, y)) * w;
    for (let x = 0; x < w; x++) sums[x] += tmp[o + x];
  }
  for (let y = 0; y < h; y++) {
    const o = y * w, add = Math.min(h - 1, y + r + 1) * w, sub = Math.max(0, y - r) * w;
    for (let x = 0; x < w; x++) {
      out[o + x] = sums[x] / n;
      sums[x] += tmp[add + x] - tmp[sub + x];
    }
  }
  return out;
}
let colSums = new Float64Array(0);
