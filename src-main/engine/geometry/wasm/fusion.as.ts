/**
 * The view fusion's per-pixel combination (../view-fusion.ts: combine) in AssemblyScript, compiled to
 * WebAssembly by `npm run build:wasm` and embedded in ../fusion-wasm-binary.ts. Why: picking each
 * pixel's median and trimmed set out of up to 49 values by quickselect is branch upon unpredictable
 * branch, a fifth of the fusion's time in V8; here four pixels are sorted at once, lane by lane, by a
 * sorting network (min and max, no branch). The median and the trimmed set are the same values as the
 * selection's (a sort puts every rank where selection does), their sum is exact in an f64 whatever the
 * order (up to 49 float32 values within a factor e^2 of each other), and the rest is the reference's
 * arithmetic in f64 with f32 storage: the same bits (test/geometry/fusion-wasm.test.ts).
 * Pointers are byte offsets into this module's memory; ../fusion-wasm.ts lays the buffers out.
 */

/**
 * Each pixel's fused value into `out` (f32, n of them): the mean of its values of ranks cut..c-cut-1
 * (cut = floor(c * trim)) where their median is within (lo, hi) times its own value, else its own; 0
 * where it has none. `vals`: f32, value k of pixel p at k * n4 + p (n4: n rounded up to 4); `count`:
 * i32 per pixel (n4 of them, 0 past n); `own`: f32 per pixel. `net`: the sorting networks, for m
 * values (1..64) `load<i32>(net + 8m)` pairs at byte `load<i32>(net + 8m + 4)` from net, each two u16
 * byte offsets into `scratch` (64 x 16 bytes): the network of the next power of two, cut to m inputs.
 */
export function combine(vals: usize, n4: i32, count: usize, own: usize, out: usize, n: i32, lo: f64, hi: f64, trim: f64, scratch: usize, net: usize): void {
  const INF = f32x4.splat(Infinity);
  for (let g = 0; g < n4; g += 4) {
    const cnt = v128.load(count + (<usize>g << 2));
    const m = max(max(i32x4.extract_lane(cnt, 0), i32x4.extract_lane(cnt, 1)), max(i32x4.extract_lane(cnt, 2), i32x4.extract_lane(cnt, 3)));
    if (m == 0) {
      for (let l = 0; l < 4 && g + l < n; l++) store<f32>(out + (<usize>(g + l) << 2), 0);
      continue;
    }
    // The lanes' values, +inf past each lane's count: a network never moves +inf below a finite value.
    for (let k = 0; k < m; k++) {
      const v = v128.load(vals + (<usize>(k * n4 + g) << 2));
      v128.store(scratch + (<usize>k << 4), v128.bitselect(v, INF, i32x4.gt_s(cnt, i32x4.splat(k))));
    }
    const np = load<i32>(net + (<usize>m << 3)), at = net + <usize>load<i32>(net + (<usize>m << 3) + 4);
    for (let q = 0; q < np; q++) {
      const pr = load<u32>(at + (<usize>q << 2));
      const a = scratch + <usize>(pr & 0xffff), b = scratch + <usize>(pr >>> 16);
      const x = v128.load(a), y = v128.load(b);
      v128.store(a, f32x4.min(x, y));
      v128.store(b, f32x4.max(x, y));
    }
    for (let l = 0; l < 4; l++) {
      const p = g + l;
      if (p >= n) break;
      const c = load<i32>(count + (<usize>p << 2));
      const o = out + (<usize>p << 2), lane = scratch + (<usize>l << 2);
      if (c == 0) { store<f32>(o, 0); continue; }
      const ownV = <f64>load<f32>(own + (<usize>p << 2));
      const r = <f64>load<f32>(lane + (<usize>(c >> 1) << 4)) / ownV;
      // The frame disagrees with what its neighbours agree on: it sees something they do not (it moved).
      if (!(r > lo && r < hi)) { store<f32>(o, <f32>ownV); continue; }
      const cut = <i32>Math.floor(<f64>c * trim);
      let sum: f64 = 0;
      for (let i = cut; i < c - cut; i++) sum += <f64>load<f32>(lane + (<usize>i << 4));
      store<f32>(o, <f32>(sum / <f64>(c - 2 * cut)));
    }
  }
}

/** JavaScript's Math.round: the nearest integer, halves toward +inf (floor(x + 0.5) is off just below a half). */
// @ts-ignore: decorator
@inline function roundJs(x: f64): f64 {
  const r = Math.floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

/** A point at (u, v) of inverse depth rb into the z-buffer with its grey level (at `g`), where it lands in front. */
// @ts-ignore: decorator
@inline function splatOne(r: f64, Zb: f64, u: f64, v: f64, rb: f64, w: i32, fw: f64, fh: f64, warped: usize, grey: usize, g: usize): void {
  if (!(r > 0) || Zb <= 1e-6) return;
  if (!(u >= 0 && v >= 0 && u < fw && v < fh)) return;
  const i = (<usize>(<i32>v * w + <i32>u)) << 2;
  if (rb > <f64>load<f32>(warped + i)) {
    store<f32>(warped + i, <f32>rb);
    store<f32>(grey + i, load<f32>(g));
  }
}

/**
 * One view into the frame and its values into the pixels' slots (../view-fusion.ts: warp, then
 * accumulate, operation for operation). The view's w x h planes `inv` (times `g`, as float32 holds
 * it) and `from` (grey) are moved by the 3x4 f64 transform at `T` (row-major) into `warped` and
 * `grey` (zeroed first; nearest surface wins); then each pixel where something landed within
 * (reachLo, reachHi) times the frame's own value (`own`) and within `photo` of its grey level
 * (`refGray`) gets that value in its next slot (`vals`, `count` as combine reads them).
 */
export function warpAccumulate(inv: usize, from: usize, g: f64, T: usize, fx: f64, fy: f64, cx: f64, cy: f64, w: i32, h: i32, rayX: usize, rayY: usize,
  warped: usize, grey: usize, own: usize, refGray: usize, vals: usize, n4: i32, count: usize, reachLo: f64, reachHi: f64, photo: f64): void {
  const n = w * h;
  memory.fill(warped, 0, <usize>n << 2);
  const t0 = load<f64>(T), t1 = load<f64>(T, 8), t2 = load<f64>(T, 16), t3 = load<f64>(T, 24);
  const t4 = load<f64>(T, 32), t5 = load<f64>(T, 40), t6 = load<f64>(T, 48), t7 = load<f64>(T, 56);
  const t8 = load<f64>(T, 64), t9 = load<f64>(T, 72), t10 = load<f64>(T, 80), t11 = load<f64>(T, 88);
  const fw = <f64>w, fh = <f64>h;
  const G = f64x2.splat(g), ONE = f64x2.splat(1), HALF = f64x2.splat(0.5), NEAR = f64x2.splat(1e-6), FAR = f64x2.splat(1e6);
  const T0 = f64x2.splat(t0), T1 = f64x2.splat(t1), T2 = f64x2.splat(t2), T3 = f64x2.splat(t3), T4 = f64x2.splat(t4), T5 = f64x2.splat(t5);
  const T6 = f64x2.splat(t6), T7 = f64x2.splat(t7), T8 = f64x2.splat(t8), T9 = f64x2.splat(t9), T10 = f64x2.splat(t10), T11 = f64x2.splat(t11);
  const FX = f64x2.splat(fx), FY = f64x2.splat(fy), CX = f64x2.splat(cx), CY = f64x2.splat(cy);
  for (let y = 0, p = 0; y < h; y++) {
    const ry = load<f64>(rayY + (<usize>y << 3)), RY = f64x2.splat(ry);
    let x = 0;
    // Two pixels at a time, each lane the scalar code's operations in its order; the z-buffer then
    // takes them one after the other, as the scalar loop does.
    for (; x + 1 < w; x += 2, p += 2) {
      const iv = f64x2.promote_low_f32x4(v128.load64_zero(inv + (<usize>p << 2)));
      const r = g == 1 ? iv : f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.mul(iv, G)));
      const z = f64x2.div(ONE, r);
      const X = f64x2.mul(v128.load(rayX + (<usize>x << 3)), z), Y = f64x2.mul(RY, z);
      const Zb = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(T8, X), f64x2.mul(T9, Y)), f64x2.mul(T10, z)), T11);
      const Xb = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(T0, X), f64x2.mul(T1, Y)), f64x2.mul(T2, z)), T3);
      const Yb = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(T4, X), f64x2.mul(T5, Y)), f64x2.mul(T6, z)), T7);
      const RB = f64x2.div(ONE, Zb);
      // Only the rounded pixel (roundJs) is used, and it changes only at half-integers: the projection
      // times 1 / Zb is within 1e-9 of its quotient (2 ulps, for |u| < 1e6), so where that is more than
      // 1e-6 from a half-integer it rounds the same; elsewhere (or for NaN and infinities) the quotient.
      let su = f64x2.add(f64x2.mul(f64x2.mul(FX, Xb), RB), CX), sv = f64x2.add(f64x2.mul(f64x2.mul(FY, Yb), RB), CY);
      let fu = f64x2.floor(su), fv = f64x2.floor(sv);
      const clear = v128.and(
        v128.and(f64x2.gt(f64x2.abs(f64x2.sub(f64x2.sub(su, fu), HALF)), NEAR), f64x2.lt(f64x2.abs(su), FAR)),
        v128.and(f64x2.gt(f64x2.abs(f64x2.sub(f64x2.sub(sv, fv), HALF)), NEAR), f64x2.lt(f64x2.abs(sv), FAR)));
      if (!i64x2.all_true(clear)) {
        su = f64x2.add(f64x2.div(f64x2.mul(FX, Xb), Zb), CX); sv = f64x2.add(f64x2.div(f64x2.mul(FY, Yb), Zb), CY);
        fu = f64x2.floor(su); fv = f64x2.floor(sv);
      }
      // roundJs lane by lane.
      const U = v128.bitselect(f64x2.add(fu, ONE), fu, f64x2.ge(f64x2.sub(su, fu), HALF));
      const V = v128.bitselect(f64x2.add(fv, ONE), fv, f64x2.ge(f64x2.sub(sv, fv), HALF));
      splatOne(f64x2.extract_lane(r, 0), f64x2.extract_lane(Zb, 0), f64x2.extract_lane(U, 0), f64x2.extract_lane(V, 0), f64x2.extract_lane(RB, 0), w, fw, fh, warped, grey, from + (<usize>p << 2));
      splatOne(f64x2.extract_lane(r, 1), f64x2.extract_lane(Zb, 1), f64x2.extract_lane(U, 1), f64x2.extract_lane(V, 1), f64x2.extract_lane(RB, 1), w, fw, fh, warped, grey, from + (<usize>(p + 1) << 2));
    }
    for (; x < w; x++, p++) {
      const iv = load<f32>(inv + (<usize>p << 2));
      const r: f64 = g == 1 ? <f64>iv : <f64><f32>(<f64>iv * g);
      if (!(r > 0)) continue;
      const z = 1 / r;
      const X = load<f64>(rayX + (<usize>x << 3)) * z, Y = ry * z;
      const Zb = t8 * X + t9 * Y + t10 * z + t11;
      if (Zb <= 1e-6) continue;
      const Xb = t0 * X + t1 * Y + t2 * z + t3;
      const Yb = t4 * X + t5 * Y + t6 * z + t7;
      splatOne(r, Zb, roundJs((fx * Xb) / Zb + cx), roundJs((fy * Yb) / Zb + cy), 1 / Zb, w, fw, fh, warped, grey, from + (<usize>p << 2));
    }
  }
  for (let p = 0; p < n; p++) {
    const o = <usize>p << 2;
    // Nothing landed (0 / own fails the reach below too, whatever own is).
    const wp = <f64>load<f32>(warped + o);
    if (wp == 0) continue;
    const r = wp / <f64>load<f32>(own + o);
    if (!(r > reachLo && r < reachHi) || Math.abs(<f64>load<f32>(grey + o) - <f64>load<f32>(refGray + o)) > photo) continue;
    const c = load<i32>(count + o);
    store<f32>(vals + (<usize>(c * n4 + p) << 2), <f32>wp);
    store<i32>(count + o, c + 1);
  }
}

/** A point of depth zc at (u, v) (pixels, floored) into the z-buffer, where it lands in front (../temporal-filter.ts: splat). */
// @ts-ignore: decorator
@inline function splatDepth(z: f64, zc: f64, u: f64, v: f64, w: i32, fw: f64, fh: f64, warped: usize): void {
  if (!(z > 0) || !(zc > 1e-6)) return;
  if (!(u >= 0 && v >= 0 && u < fw && v < fh)) return;
  const i = (<usize>(<i32>v * w + <i32>u)) << 2;
  const at = <f64>load<f32>(warped + i);
  if (at == 0 || zc < at) store<f32>(warped + i, <f32>zc);
}

/**
 * The temporal filter's warp (../temporal-filter.ts: splat, then fillCracks, operation for operation):
 * the previous frame's depth `prev` (f32, w x h, along the ray) moved by the 3x4 f64 transform at `M`
 * into `warped` (zeroed first; nearest surface wins; 0 where nothing lands), intrinsics' pixels
 * (fx, fy, cx, cy) sx x sy of the grid's, rays (f32) at `rayX`/`rayY`; then the one-pixel cracks
 * filled, found first into `crackAt` (i32) and `crackZ` (f32).
 */
export function temporalWarp(prev: usize, M: usize, fx: f64, fy: f64, cx: f64, cy: f64, w: i32, h: i32, sx: f64, sy: f64, rayX: usize, rayY: usize, warped: usize, crackAt: usize, crackZ: usize): void {
  memory.fill(warped, 0, <usize>(w * h) << 2);
  const m0 = load<f64>(M), m1 = load<f64>(M, 8), m2 = load<f64>(M, 16), m3 = load<f64>(M, 24);
  const m4 = load<f64>(M, 32), m5 = load<f64>(M, 40), m6 = load<f64>(M, 48), m7 = load<f64>(M, 56);
  const m8 = load<f64>(M, 64), m9 = load<f64>(M, 72), m10 = load<f64>(M, 80), m11 = load<f64>(M, 88);
  const M0 = f64x2.splat(m0), M1 = f64x2.splat(m1), M2 = f64x2.splat(m2), M3 = f64x2.splat(m3), M4 = f64x2.splat(m4), M5 = f64x2.splat(m5);
  const M6 = f64x2.splat(m6), M7 = f64x2.splat(m7), M8 = f64x2.splat(m8), M9 = f64x2.splat(m9), M10 = f64x2.splat(m10), M11 = f64x2.splat(m11);
  const FX = f64x2.splat(fx), FY = f64x2.splat(fy), CX = f64x2.splat(cx), CY = f64x2.splat(cy), HALF = f64x2.splat(0.5), SX = f64x2.splat(sx), SY = f64x2.splat(sy);
  const fw = <f64>w, fh = <f64>h, unit = sx == 1 && sy == 1;
  for (let y = 0; y < h; y++) {
    const ry = <f64>load<f32>(rayY + (<usize>y << 2)), RY = f64x2.splat(ry);
    const row = prev + (<usize>(y * w) << 2);
    let x = 0;
    // Two pixels at a time, each lane the scalar code's operations in its order; the z-buffer then
    // takes them one after the other, as the scalar loop does.
    for (; x + 1 < w; x += 2) {
      const z = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>x << 2)));
      const X = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(rayX + (<usize>x << 2))), z), Y = f64x2.mul(RY, z);
      const zc = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(M8, X), f64x2.mul(M9, Y)), f64x2.mul(M10, z)), M11);
      const xc = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(M0, X), f64x2.mul(M1, Y)), f64x2.mul(M2, z)), M3);
      const yc = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(M4, X), f64x2.mul(M5, Y)), f64x2.mul(M6, z)), M7);
      // The grid at the intrinsics' own size (the analysis's): a division by 1 is the value itself, left out.
      const pu = f64x2.add(f64x2.add(f64x2.mul(f64x2.div(xc, zc), FX), CX), HALF), pv = f64x2.add(f64x2.add(f64x2.mul(f64x2.div(yc, zc), FY), CY), HALF);
      const U = f64x2.floor(unit ? pu : f64x2.div(pu, SX));
      const V = f64x2.floor(unit ? pv : f64x2.div(pv, SY));
      splatDepth(f64x2.extract_lane(z, 0), f64x2.extract_lane(zc, 0), f64x2.extract_lane(U, 0), f64x2.extract_lane(V, 0), w, fw, fh, warped);
      splatDepth(f64x2.extract_lane(z, 1), f64x2.extract_lane(zc, 1), f64x2.extract_lane(U, 1), f64x2.extract_lane(V, 1), w, fw, fh, warped);
    }
    for (; x < w; x++) {
      const z = <f64>load<f32>(row + (<usize>x << 2));
      const X = <f64>load<f32>(rayX + (<usize>x << 2)) * z, Y = ry * z;
      const zc = m8 * X + m9 * Y + m10 * z + m11;
      const xc = m0 * X + m1 * Y + m2 * z + m3;
      const yc = m4 * X + m5 * Y + m6 * z + m7;
      splatDepth(z, zc, Math.floor(((xc / zc) * fx + cx + 0.5) / sx), Math.floor(((yc / zc) * fy + cy + 0.5) / sy), w, fw, fh, warped);
    }
  }
  // The cracks: a pixel nothing landed on takes the nearest of two opposite neighbours that both landed.
  let nc = 0;
  const W = <usize>w << 2;
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = warped + (<usize>(y * w + x) << 2);
      if (load<f32>(i) > 0) continue;
      let z = Infinity;
      let a = <f64>load<f32>(i - 4), b = <f64>load<f32>(i + 4);
      if (a > 0 && b > 0) z = min(z, min(a, b));
      a = <f64>load<f32>(i - W); b = <f64>load<f32>(i + W);
      if (a > 0 && b > 0) z = min(z, min(a, b));
      a = <f64>load<f32>(i - W - 4); b = <f64>load<f32>(i + W + 4);
      if (a > 0 && b > 0) z = min(z, min(a, b));
      a = <f64>load<f32>(i - W + 4); b = <f64>load<f32>(i + W - 4);
      if (a > 0 && b > 0) z = min(z, min(a, b));
      if (z < Infinity) {
        store<i32>(crackAt + (<usize>nc << 2), y * w + x);
        store<f32>(crackZ + (<usize>nc << 2), <f32>z);
        nc++;
      }
    }
  for (let c = 0; c < nc; c++) store<f32>(warped + (<usize>load<i32>(crackAt + (<usize>c << 2)) << 2), load<f32>(crackZ + (<usize>c << 2)));
}

/**
 * ../temporal-filter.ts: blend, operation for operation: where the warped history `warped` and this
 * frame's depth along the ray `z` agree within tol, z moves toward it by k = weight * (1 - alpha) and
 * `out` takes the result in the filter's kind (`metric`: z, else 1 / z), inverted once more with `flip`.
 */
export function blend(warped: usize, z: usize, out: usize, n: i32, metric: bool, tol: f64, k: f64, flip: bool): void {
  const TOL = f64x2.splat(tol), KK = f64x2.splat(k), ZERO = f64x2.splat(0), ONE = f64x2.splat(1);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 2;
    const a = f64x2.promote_low_f32x4(v128.load64_zero(warped + o)), b = f64x2.promote_low_f32x4(v128.load64_zero(z + o));
    const d = f64x2.sub(a, b);
    const ok = v128.and(v128.and(f64x2.gt(a, ZERO), f64x2.gt(b, ZERO)), f64x2.lt(f64x2.abs(d), f64x2.mul(TOL, b)));
    if (!v128.any_true(ok)) continue;
    const zi = f32x4.demote_f64x2_zero(f64x2.add(b, f64x2.mul(KK, d)));
    const zd = f64x2.promote_low_f32x4(zi);
    let ov: v128;
    if (metric) ov = flip ? f32x4.demote_f64x2_zero(f64x2.div(ONE, zd)) : zi;
    else ov = flip ? f32x4.demote_f64x2_zero(f64x2.div(ONE, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.div(ONE, zd))))) : f32x4.demote_f64x2_zero(f64x2.div(ONE, zd));
    // The two lanes' f64 mask as the f32 pair's.
    const m32 = i32x4.shuffle(ok, ok, 0, 2, 1, 3);
    v128.store64_lane(z + o, v128.bitselect(zi, v128.load64_zero(z + o), m32), 0);
    v128.store64_lane(out + o, v128.bitselect(ov, v128.load64_zero(out + o), m32), 0);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const a = <f64>load<f32>(warped + o), b = <f64>load<f32>(z + o);
    if (a > 0 && b > 0 && Math.abs(a - b) < tol * b) {
      const zi = <f64><f32>(b + k * (a - b));
      store<f32>(z + o, <f32>zi);
      store<f32>(out + o, metric ? (flip ? <f32>(1 / zi) : <f32>zi) : flip ? <f32>(1 / <f64><f32>(1 / zi)) : <f32>(1 / zi));
    }
  }
}
