/**
 * The geometry thread's per-pixel passes on the analysis grid (../driver/frame-window.ts: prepareFrame's
 * depth, ../driver/scale-path.ts: align's plane and linkScale's warp, ../image.ts: boxDown, ../align.ts:
 * warpReached) in AssemblyScript, compiled to WebAssembly by `npm run build:wasm` and embedded in
 * ../scale-wasm-binary.ts. Why: in V8 these loops over every pixel of every frame were about a seventh
 * of the main thread's time, the thread the analysis waits on. Operation for operation the
 * TypeScript's: f64 where it computes in doubles, f32 where it stores to float32 (a float32's division
 * is the f64 one rounded to f32), sums in its order: the same bits (test/geometry/scale-wasm.test.ts).
 * The logarithms of linkScale stay in JavaScript (V8's Math.log is not AssemblyScript's).
 * Pointers are byte offsets into this module's memory; ../scale-wasm.ts lays the buffers out.
 */

// The output thread's resize and spike sample, shared (not copied): the depth's resize to the analysis
// grid and its spike limit are the same operations there and here.
export { resizeWithHoles, spikeSample, kthPositive } from './output.as';

/** frame-window.ts: toDisparity: x = max(0, metric ? (x > 0 ? 1 / x : 0) : x) in place (f32). */
export function toDisparity(x: usize, n: i32, metric: bool): void {
  const ONE = f32x4.splat(1), ZERO = f32x4.splat(0);
  let i = 0;
  // max(0, .) of the f64 then rounded to f32 is that of the f32: rounding is monotonic and keeps 0.
  for (; i + 3 < n; i += 4) {
    const o = x + (<usize>i << 2);
    const v = v128.load(o);
    v128.store(o, f32x4.max(ZERO, metric ? v128.bitselect(f32x4.div(ONE, v), ZERO, f32x4.gt(v, ZERO)) : v));
  }
  for (; i < n; i++) {
    const o = x + (<usize>i << 2);
    const v = load<f32>(o);
    store<f32>(o, max<f32>(0, metric ? (v > 0 ? <f32>1 / v : 0) : v));
  }
}

/** frame-window.ts: dropAbove: values above `limit` (compared in f64) set to 0. */
export function dropAbove(x: usize, n: i32, limit: f64): void {
  for (let i = 0; i < n; i++) {
    const o = x + (<usize>i << 2);
    if (<f64>load<f32>(o) > limit) store<f32>(o, 0);
  }
}

/**
 * V8's Math.round: the ceiling, less 1 where that is more than half above (ties toward +infinity;
 * WebAssembly's nearest rounds ties to even).
 */
// @ts-expect-error: AssemblyScript's decorator
@inline function jsRound(v: f64): f64 {
  const c = Math.ceil(v);
  return c - 0.5 > v ? c - 1 : c;
}

/**
 * align.ts: warpReached: the inverse depth `invA` (f32, w x h) of camera A forward-warped into camera
 * B by `T` (12 f64: A camera -> B camera, row-major 3 x 4) into `out` (f32, zeros where nothing landed
 * yet), nearest surface wins; every `stride`-th pixel. With `list`, the pixels newly reached are listed
 * at `at` (i32); returns their count.
 */
export function warpReached(invA: usize, w: i32, h: i32, cx: f64, cy: f64, fx: f64, fy: f64, T: usize, stride: i32, out: usize, list: bool, at: usize): i32 {
  const T0 = load<f64>(T), T1 = load<f64>(T, 8), T2 = load<f64>(T, 16), T3 = load<f64>(T, 24);
  const T4 = load<f64>(T, 32), T5 = load<f64>(T, 40), T6 = load<f64>(T, 48), T7 = load<f64>(T, 56);
  const T8 = load<f64>(T, 64), T9 = load<f64>(T, 72), T10 = load<f64>(T, 80), T11 = load<f64>(T, 88);
  const W = <f64>w, H = <f64>h;
  let n = 0;
  for (let y = 0; y < h; y += stride) {
    const py = (<f64>y - cy) / fy;
    for (let x = 0; x < w; x += stride) {
      const r = <f64>load<f32>(invA + (<usize>(y * w + x) << 2));
      if (!(r > 0)) continue;
      const z = 1 / r;
      const X = ((<f64>x - cx) / fx) * z, Y = py * z;
      const Xb = T0 * X + T1 * Y + T2 * z + T3;
      const Yb = T4 * X + T5 * Y + T6 * z + T7;
      const Zb = T8 * X + T9 * Y + T10 * z + T11;
      if (Zb <= 1e-6) continue;
      const u = jsRound((fx * Xb) / Zb + cx), v = jsRound((fy * Yb) / Zb + cy);
      // Written so that a NaN is skipped as well (in the TypeScript it indexes nothing).
      if (!(u >= 0 && v >= 0 && u < W && v < H)) continue;
      const i = <i32>v * w + <i32>u, o = out + (<usize>i << 2);
      const rb = 1 / Zb, cur = load<f32>(o);
      if (rb > <f64>cur) {
        if (list && cur == 0) { store<i32>(at + (<usize>n << 2), i); n++; }
        store<f32>(o, <f32>rb);
      }
    }
  }
  return n;
}

/**
 * scale-path.ts: linkScale's ratios: for each of the `seen` pixels q listed at `at`, warped[q] / x[q]
 * (f64) into `ratio` where x[q] > 0, and warped[q] cleared; returns how many ratios.
 */
export function reachedRatios(at: usize, seen: i32, warped: usize, x: usize, ratio: usize): i32 {
  let n = 0;
  for (let j = 0; j < seen; j++) {
    const q = <usize>load<i32>(at + (<usize>j << 2)) << 2;
    const xq = load<f32>(x + q);
    if (xq > 0) { store<f64>(ratio + (<usize>n << 3), <f64>load<f32>(warped + q) / <f64>xq); n++; }
    store<f32>(warped + q, 0);
  }
  return n;
}

/**
 * The k-th smallest (0-based, k < m) of the m f64 values at `v` (none NaN): the value a sort would put
 * at k (common/select.ts: selectIn's quickselect; any selection gives that value). Reorders them.
 */
export function kthF64(v: usize, m: i32, k: i32): f64 {
  let lo = 0, hi = m - 1;
  while (hi > lo) {
    const pivot = load<f64>(v + (<usize>((lo + hi) >> 1) << 3));
    let i = lo, j = hi;
    while (i <= j) {
      while (load<f64>(v + (<usize>i << 3)) < pivot) i++;
      while (load<f64>(v + (<usize>j << 3)) > pivot) j--;
      if (i <= j) {
        const a = v + (<usize>i << 3), b = v + (<usize>j << 3), t = load<f64>(a);
        store<f64>(a, load<f64>(b));
        store<f64>(b, t);
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return load<f64>(v + (<usize>k << 3));
}

/**
 * scale-path.ts: fitPlane: aligned = max(floor, s x + t) where x > 0, else 0, with floor = `floorFrac`
 * times the largest s x + t where x > 0 (largestFit; 0 if none).
 */
export function fitPlane(x: usize, aligned: usize, n: i32, s: f64, t: f64, floorFrac: f64): void {
  let maxR: f64 = 0;
  for (let q = 0; q < n; q++) {
    const v = load<f32>(x + (<usize>q << 2));
    if (v > 0) maxR = max<f64>(maxR, s * <f64>v + t);
  }
  const floor = maxR * floorFrac;
  for (let q = 0; q < n; q++) {
    const v = load<f32>(x + (<usize>q << 2));
    store<f32>(aligned + (<usize>q << 2), v > 0 ? <f32>max<f64>(floor, s * <f64>v + t) : 0);
  }
}

/**
 * image.ts: boxDown: the f x f block means (f64 sums, row by row) of the w x h f32 plane at `src`
 * into `out` (floor(w / f) x floor(h / f), at least 1 x 1); with `holes`, values not positive are
 * left out and a block without any is 0.
 */
export function boxDown(src: usize, w: i32, h: i32, f: i32, holes: bool, out: usize): void {
  const dw = max(1, w / f), dh = max(1, h / f);
  for (let y = 0; y < dh; y++) {
    const ye = min(h, (y + 1) * f);
    for (let x = 0; x < dw; x++) {
      const xe = min(w, (x + 1) * f);
      let s: f64 = 0, n = 0;
      for (let yy = y * f; yy < ye; yy++)
        for (let xx = x * f; xx < xe; xx++) {
          const v = load<f32>(src + (<usize>(yy * w + xx) << 2));
          if (holes && !(v > 0)) continue;
          s += <f64>v; n++;
        }
      store<f32>(out + (<usize>(y * dw + x) << 2), n ? <f32>(s / <f64>n) : 0);
    }
  }
}
