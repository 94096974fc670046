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
 * at `at` (i32); returns their count. Two sampled pixels of a row at a time (their divisions side by
 * side, each lane the scalar code's operations), each then landed in pixel order, so the nearest
 * surface and the listing's order are the scalar loop's.
 */
export function warpReached(invA: usize, w: i32, h: i32, cx: f64, cy: f64, fx: f64, fy: f64, T: usize, stride: i32, out: usize, list: bool, at: usize): i32 {
  const T0 = load<f64>(T), T1 = load<f64>(T, 8), T2 = load<f64>(T, 16), T3 = load<f64>(T, 24);
  const T4 = load<f64>(T, 32), T5 = load<f64>(T, 40), T6 = load<f64>(T, 48), T7 = load<f64>(T, 56);
  const T8 = load<f64>(T, 64), T9 = load<f64>(T, 72), T10 = load<f64>(T, 80), T11 = load<f64>(T, 88);
  const V0 = f64x2.splat(T0), V1 = f64x2.splat(T1), V2 = f64x2.splat(T2), V3 = f64x2.splat(T3);
  const V4 = f64x2.splat(T4), V5 = f64x2.splat(T5), V6 = f64x2.splat(T6), V7 = f64x2.splat(T7);
  const V8 = f64x2.splat(T8), V9 = f64x2.splat(T9), V10 = f64x2.splat(T10), V11 = f64x2.splat(T11);
  const ONE = f64x2.splat(1), CX = f64x2.splat(cx), CY = f64x2.splat(cy), FX = f64x2.splat(fx), FY = f64x2.splat(fy);
  let n = 0;
  for (let y = 0; y < h; y += stride) {
    const py = (<f64>y - cy) / fy, PY = f64x2.splat(py);
    const row = invA + (<usize>(y * w) << 2);
    let x = 0;
    for (; x + stride < w; x += 2 * stride) {
      const r0 = <f64>load<f32>(row + (<usize>x << 2)), r1 = <f64>load<f32>(row + (<usize>(x + stride) << 2));
      if (!(r0 > 0) && !(r1 > 0)) continue;
      // A lane whose r is not positive computes what it may (no float operation traps) and is not landed.
      const Z = f64x2.div(ONE, f64x2.replace_lane(f64x2.splat(r0), 1, r1));
      const X = f64x2.mul(f64x2.div(f64x2.sub(f64x2.replace_lane(f64x2.splat(<f64>x), 1, <f64>(x + stride)), CX), FX), Z), Y = f64x2.mul(PY, Z);
      const XB = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(V0, X), f64x2.mul(V1, Y)), f64x2.mul(V2, Z)), V3);
      const YB = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(V4, X), f64x2.mul(V5, Y)), f64x2.mul(V6, Z)), V7);
      const ZB = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(V8, X), f64x2.mul(V9, Y)), f64x2.mul(V10, Z)), V11);
      const U = f64x2.add(f64x2.div(f64x2.mul(FX, XB), ZB), CX), V = f64x2.add(f64x2.div(f64x2.mul(FY, YB), ZB), CY), RB = f64x2.div(ONE, ZB);
      if (r0 > 0) n = land(f64x2.extract_lane(ZB, 0), f64x2.extract_lane(U, 0), f64x2.extract_lane(V, 0), f64x2.extract_lane(RB, 0), w, h, out, list, at, n);
      if (r1 > 0) n = land(f64x2.extract_lane(ZB, 1), f64x2.extract_lane(U, 1), f64x2.extract_lane(V, 1), f64x2.extract_lane(RB, 1), w, h, out, list, at, n);
    }
    for (; x < w; x += stride) {
      const r = <f64>load<f32>(row + (<usize>x << 2));
      if (!(r > 0)) continue;
      const z = 1 / r;
      const X = ((<f64>x - cx) / fx) * z, Y = py * z;
      const Xb = T0 * X + T1 * Y + T2 * z + T3;
      const Yb = T4 * X + T5 * Y + T6 * z + T7;
      const Zb = T8 * X + T9 * Y + T10 * z + T11;
      n = land(Zb, (fx * Xb) / Zb + cx, (fy * Yb) / Zb + cy, 1 / Zb, w, h, out, list, at, n);
    }
  }
  return n;
}

/**
 * A warped pixel at depth Zb landing at (u, v) before rounding with inverse depth rb: kept where in
 * front of the camera, inside the image, and nearer than what landed there; the count listed so far, updated.
 */
// @ts-expect-error: AssemblyScript's decorator
@inline function land(Zb: f64, uf: f64, vf: f64, rb: f64, w: i32, h: i32, out: usize, list: bool, at: usize, n: i32): i32 {
  if (Zb <= 1e-6) return n;
  const u = jsRound(uf), v = jsRound(vf);
  // Written so that a NaN is skipped as well (in the TypeScript it indexes nothing).
  if (!(u >= 0 && v >= 0 && u < <f64>w && v < <f64>h)) return n;
  const i = <i32>v * w + <i32>u, o = out + (<usize>i << 2);
  const cur = load<f32>(o);
  if (rb > <f64>cur) {
    if (list && cur == 0) { store<i32>(at + (<usize>n << 2), i); n++; }
    store<f32>(o, <f32>rb);
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
