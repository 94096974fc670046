import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { selectKth } from '../../common/select.ts';
import { invRigid, mul4 } from './linalg.ts';

/**
 * Robust fit of y ~ s*x + t (disparity space) for chaining frames to their neighbours. Least squares
 * is NOT used on purpose: with noise in x (the model's own errors) its slope shrinks toward 0
 * (regression dilution), and over a chain of frames that compounds until depth is a flat plane.
 * Scale-only: median of log ratios. With shift: slope from the ratio of robust spreads (symmetric in
 * x and y, so no dilution), shift from the median residual. Medians ignore moving objects and
 * mis-registered edges. Returns null when the samples do not determine a positive scale.
 */
export function fitScaleShift(x: Float32Array, y: Float32Array, n: number, o: { shift?: boolean } = {}): { s: number; t: number; inlierFrac: number } | null {
  if (n < 20) return null;
  let s: number, t = 0;
  if (!o.shift) {
    const lr = new Float32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) if (x[i] > 0 && y[i] > 0) lr[m++] = Math.log(y[i] / x[i]);
    if (m < 20) return null;
    s = Math.exp(median(lr, m));
  } else {
    const sx = x.slice(0, n).sort(), sy = y.slice(0, n).sort();
    const q = (a: Float32Array, f: number) => a[Math.min(n - 1, Math.floor(f * n))];
    const spreadX = q(sx, 0.8) - q(sx, 0.2), spreadY = q(sy, 0.8) - q(sy, 0.2);
    if (!(spreadX > 0 && spreadY > 0)) return null;
    s = spreadY / spreadX;
    const r = new Float32Array(n);
    for (let i = 0; i < n; i++) r[i] = y[i] - s * x[i];
    t = median(r, n);
  }
  const res = new Float32Array(n);
  for (let i = 0; i < n; i++) res[i] = Math.abs(s * x[i] + t - y[i]) / Math.max(1e-9, y[i]);
  let inl = 0;
  for (let i = 0; i < n; i++) if (res[i] < 0.25) inl++;
  if (!(s > 0) || !Number.isFinite(t)) return null;
  return { s, t, inlierFrac: inl / n };
}

export function median(a: Float32Array, n = a.length): number {
  if (!n) return 0;
  const c = a.slice(0, n);
  // Selection gives what the sorted middle would; a sort only where NaNs (which it puts last) are present.
  for (let i = 0; i < n; i++) if (c[i] !== c[i]) return c.sort()[n >> 1];
  return selectKth(c, n, n >> 1);
}

/** p-th percentile of the positive values, from every third sample (fast on full maps). */
export function percentile(a: Float32Array, p: number, skipZero = true, scratch?: Float32Array): number {
  // `scratch`: at least ceil(a.length / 3) values to reuse.
  const v = scratch ?? new Float32Array(Math.ceil(a.length / 3));
  const n = sampleThirds(a, skipZero, v);
  if (!n) return 0;
  // The same order statistic a full sort gives, in linear time (it runs twice a frame on full maps).
  return selectKth(v, n, Math.min(n - 1, Math.max(0, Math.round((p / 100) * (n - 1)))));
}

/**
 * percentile's samples into v; their count. A function of its own: V8 compiled the loop on-stack inside
 * percentile before the code after it had run, and threw that away on reaching it, call after call.
 */
function sampleThirds(a: Float32Array, skipZero: boolean, v: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) if (!skipZero || a[i] > 0) v[n++] = a[i];
  return n;
}

/**
 * Forward-warps inverse depth `invA` of camera A (pose c2wA) into camera B: the inverse depth each
 * B pixel sees of A's surface, nearest surface wins (0 = nothing lands there). `out`: a buffer to reuse.
 */
export function warpInvDepth(invA: Float32Array, K: Intrinsics, c2wA: Mat4, c2wB: Mat4, stride = 1, o: { out?: Float32Array } = {}): Float32Array {
  const out = o.out ? o.out.fill(0) : new Float32Array(K.width * K.height);
  warpReached(invA, K, c2wA, c2wB, stride, out, null);
  return out;
}

/**
 * warpInvDepth into `out`, which must hold zeros; with `at` (room for one per sampled A pixel), the
 * pixels reached are listed there and their count returned: a caller after a statistic over them reads
 * them through `at` and zeroes them, so neither a fill nor a scan of the whole plane is needed.
 */
export function warpReached(invA: Float32Array, K: Intrinsics, c2wA: Mat4, c2wB: Mat4, stride: number, out: Float32Array, at: Int32Array | null): number {
  const w = K.width, h = K.height, cx = K.cx, cy = K.cy, fx = K.fx, fy = K.fy;
  const T = mul4(invRigid(c2wB), c2wA); // A camera -> B camera
  const T0 = T[0], T1 = T[1], T2 = T[2], T3 = T[3], T4 = T[4], T5 = T[5], T6 = T[6], T7 = T[7], T8 = T[8], T9 = T[9], T10 = T[10], T11 = T[11];
  let n = 0;
  for (let y = 0; y < h; y += stride)
    for (let x = 0; x < w; x += stride) {
      const r = invA[y * w + x];
      if (!(r > 0)) continue;
      const z = 1 / r;
      const X = ((x - cx) / fx) * z, Y = ((y - cy) / fy) * z;
      const Xb = T0 * X + T1 * Y + T2 * z + T3;
      const Yb = T4 * X + T5 * Y + T6 * z + T7;
      const Zb = T8 * X + T9 * Y + T10 * z + T11;
      if (Zb <= 1e-6) continue;
      const u = Math.round((fx * Xb) / Zb + cx), v = Math.round((fy * Yb) / Zb + cy);
      if (u < 0 || v < 0 || u >= w || v >= h) continue;
      const i = v * w + u, rb = 1 / Zb;
      if (rb > out[i]) {
        if (at && out[i] === 0) at[n++] = i;
        out[i] = rb;
      }
    }
  return n;
}
