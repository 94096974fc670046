/**
 * The output thread's per-pixel passes (../driver/frame-output.ts, ../driver/frame-fusion.ts,
 * ../driver/output-worker.ts with common/quantize.ts and common/effects/colormap.ts) in
 * AssemblyScript, compiled to WebAssembly by `npm run build:wasm` and embedded in
 * ../output-wasm-binary.ts. Why: in V8 these scalar loops over every pixel of every frame were half of
 * the output thread's time; here four f32 or two f64 lanes at a time. Operation for operation the
 * TypeScript's: f64 where it computes in doubles, f32 where it stores to float32 right after one
 * operation (a product of two float32 is exact in f64, and a float32's division is the f64 one
 * rounded to f32): the same bits (test/geometry/output-wasm.test.ts). Pointers are byte offsets into
 * this module's memory; ../driver/output-wasm.ts lays the buffers out.
 */

// The last passes over a frame's depth (../driver/output-worker.ts): its range, its quantised form
// for the cache and its preview colours; the depth copied in once for all three.

/**
 * common/quantize.ts: minMax: the smallest and largest of the n f32 values at `d` (a NaN never
 * taken), stored as f64 at `res` and `res + 8`. Lane by lane, then across the lanes; the one thing
 * the order could change is which zero (+0 or -0) is kept, so a zero result is the first zero met.
 */
export function minMax(d: usize, n: i32, res: usize): void {
  let LO = f32x4.splat(Infinity), HI = f32x4.splat(-Infinity);
  let i = 0;
  // pmin(LO, v): v < LO ? v : LO; pmax(HI, v): HI < v ? v : HI: the scalar tests, lane by lane.
  for (; i + 3 < n; i += 4) {
    const v = v128.load(d + (<usize>i << 2));
    LO = f32x4.pmin(LO, v);
    HI = f32x4.pmax(HI, v);
  }
  let lo = f32x4.extract_lane(LO, 0), hi = f32x4.extract_lane(HI, 0), x = f32x4.extract_lane(LO, 1), y = f32x4.extract_lane(HI, 1);
  if (x < lo) lo = x;
  if (y > hi) hi = y;
  x = f32x4.extract_lane(LO, 2); y = f32x4.extract_lane(HI, 2);
  if (x < lo) lo = x;
  if (y > hi) hi = y;
  x = f32x4.extract_lane(LO, 3); y = f32x4.extract_lane(HI, 3);
  if (x < lo) lo = x;
  if (y > hi) hi = y;
  for (; i < n; i++) {
    const v = load<f32>(d + (<usize>i << 2));
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo == 0 || hi == 0) {
    let fl = true, fh = true;
    for (let k = 0; k < n && (fl || fh); k++) {
      const v = load<f32>(d + (<usize>k << 2));
      if (v == 0) {
        if (fl && lo == 0) { lo = v; fl = false; }
        if (fh && hi == 0) { hi = v; fh = false; }
      }
    }
  }
  store<f64>(res, <f64>lo);
  store<f64>(res, <f64>hi, 8);
}

/**
 * common/quantize.ts: quantizeInto: ((v - offset) * inv + 0.5) truncated, clamped to 0..65535, as u16
 * at `q`, two pixels at a time in f64. The caller keeps `inv` finite (where it is not, x | 0 and a
 * saturating truncation differ, and it runs the TypeScript).
 */
export function quantize(d: usize, n: i32, offset: f64, inv: f64, q: usize): void {
  const OFF = f64x2.splat(offset), INV = f64x2.splat(inv), HALF = f64x2.splat(0.5);
  let i = 0;
  // Eight at a time: four pairs truncated, and the unsigned saturating narrowing is the clamp to 0..65535.
  for (; i + 7 < n; i += 8) {
    const a = d + (<usize>i << 2);
    const t0 = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a)), OFF), INV), HALF));
    const t1 = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a + 8)), OFF), INV), HALF));
    const t2 = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a + 16)), OFF), INV), HALF));
    const t3 = i32x4.trunc_sat_f64x2_s_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a + 24)), OFF), INV), HALF));
    const lo = i8x16.shuffle(t0, t1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const hi = i8x16.shuffle(t2, t3, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v128.store(q + (<usize>i << 1), i16x8.narrow_i32x4_u(lo, hi));
  }
  for (; i < n; i++) {
    const x = (<f64>load<f32>(d + (<usize>i << 2)) - offset) * inv + 0.5;
    const t = i32x4.extract_lane(i32x4.trunc_sat_f64x2_s_zero(f64x2.splat(x)), 0);
    store<u16>(q + (<usize>i << 1), <u16>(t < 0 ? 0 : t > 65535 ? 65535 : t));
  }
}

/**
 * common/effects/colormap.ts: colorizeDepth over a fixed range: each pixel's inverse depth (`metric`:
 * 1 / v as float32, 0 where not positive; a float32's division is the f64 one rounded to f32) to
 * x = (inv - lo) * scale + 0.5, its index 0..255 (x truncated; 255 from 255 up; 0 at or below 0 and
 * for NaN), the colour of `lut` (four bytes an entry) at `rgb` (three bytes a pixel; the fourth
 * written is the next pixel's, or the buffer's spare byte).
 */
export function colorize(d: usize, n: i32, metric: bool, lo: f64, scale: f64, lut: usize, rgb: usize): void {
  const ONE = f32x4.splat(1), ZERO = f32x4.splat(0), LO = f64x2.splat(lo), SC = f64x2.splat(scale), HALF = f64x2.splat(0.5);
  const Z = i32x4.splat(0), TOP = i32x4.splat(255);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const v = v128.load(d + (<usize>i << 2));
    const iv = metric ? v128.bitselect(f32x4.div(ONE, v), ZERO, f32x4.gt(v, ZERO)) : v;
    const a = f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(iv), LO), SC), HALF);
    const b = f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(i8x16.shuffle(iv, iv, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), LO), SC), HALF);
    const ta = i32x4.trunc_sat_f64x2_s_zero(a), tb = i32x4.trunc_sat_f64x2_s_zero(b);
    const t = i32x4.min_s(i32x4.max_s(i8x16.shuffle(ta, tb, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23), Z), TOP);
    const o = rgb + <usize>(3 * i);
    store<u32>(o, load<u32>(lut + (<usize>i32x4.extract_lane(t, 0) << 2)));
    store<u32>(o, load<u32>(lut + (<usize>i32x4.extract_lane(t, 1) << 2)), 3);
    store<u32>(o, load<u32>(lut + (<usize>i32x4.extract_lane(t, 2) << 2)), 6);
    store<u32>(o, load<u32>(lut + (<usize>i32x4.extract_lane(t, 3) << 2)), 9);
  }
  for (; i < n; i++) {
    const v = load<f32>(d + (<usize>i << 2));
    const iv: f32 = metric ? (v > 0 ? <f32>1 / v : 0) : v;
    const x = (<f64>iv - lo) * scale + 0.5;
    const t = x >= 255 ? 255 : x > 0 ? <i32>x : 0;
    store<u32>(rgb + <usize>(3 * i), load<u32>(lut + (<usize>t << 2)));
  }
}

// The output's passes on the depth grid (../driver/frame-output.ts: fitInverse, ratioOf with
// resizeWithHoles, finalPass).

/**
 * frame-output.ts: sampleInverse: every third pixel's inverse depth (`metric`: 1 / v, 0 where v is not
 * positive; never negative; as float32) that is positive, into `sample`; returns how many.
 */
export function spikeSample(src: usize, n: i32, metric: bool, sample: usize): i32 {
  let m = 0;
  for (let i = 0; i < n; i += 3) {
    const v = load<f32>(src + (<usize>i << 2));
    const x = max<f32>(0, metric ? (v > 0 ? <f32>1 / v : 0) : v);
    if (x > 0) { store<f32>(sample + (<usize>m << 2), x); m++; }
  }
  return m;
}

/**
 * The k-th smallest (0-based, k < m) of the m positive f32 values at `v` (none NaN): the value a sort
 * would put at k, which is what common/select.ts: selectKth returns, whatever the way there. A radix
 * selection on the bits (positive floats order as their bits do): 11, 11 and 10 bits, each pass
 * counting the values that share the bits fixed so far. `hist`: 2048 u32 of scratch.
 */
export function kthPositive(v: usize, m: i32, k: i32, hist: usize): f64 {
  let prefix: u32 = 0, fixed: u32 = 0, rank = <u32>k;
  for (let pass = 0; pass < 3; pass++) {
    const shift: u32 = pass == 0 ? 21 : pass == 1 ? 10 : 0, size: u32 = pass == 2 ? 1024 : 2048;
    memory.fill(hist, 0, <usize>size << 2);
    for (let i = 0; i < m; i++) {
      const u = load<u32>(v + (<usize>i << 2));
      if ((u & fixed) != prefix) continue;
      const h = hist + (<usize>((u >>> shift) & (size - 1)) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
    let b: u32 = 0;
    for (; b < size - 1; b++) {
      const c = load<u32>(hist + (<usize>b << 2));
      if (rank < c) break;
      rank -= c;
    }
    prefix |= b << shift;
    fixed |= (size - 1) << shift;
  }
  return <f64>reinterpret<f32>(prefix);
}

/**
 * frame-output.ts: fitInverse: `inv` (f32) = fround(a * v + b) of each pixel's inverse depth v (0 where
 * v is not positive), 0 and counted where it failed (v > limit, or a metric 0); the largest stored as
 * f64 at `res`, the count as i32 at `res + 8`.
 */
export function fitInverse(src: usize, inv: usize, n: i32, limit: f64, metric: bool, a: f64, b: f64, res: usize): void {
  const ONE = f32x4.splat(1), ZERO = f32x4.splat(0), LIM = f64x2.splat(limit), A = f64x2.splat(a), B = f64x2.splat(b), Z2 = f64x2.splat(0);
  let MX = Z2, NF = i64x2.splat(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const s = v128.load(src + (<usize>i << 2));
    // max(0, .) after the rounding to f32 is the rounding of max(0, .): it is monotonic and keeps 0.
    const v4 = f32x4.max(ZERO, metric ? v128.bitselect(f32x4.div(ONE, s), ZERO, f32x4.gt(s, ZERO)) : s);
    const vl = f64x2.promote_low_f32x4(v4), vh = f64x2.promote_low_f32x4(i8x16.shuffle(v4, v4, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
    let fl = f64x2.gt(vl, LIM), fh = f64x2.gt(vh, LIM);
    if (metric) { fl = v128.or(fl, f64x2.eq(vl, Z2)); fh = v128.or(fh, f64x2.eq(vh, Z2)); }
    const rl = v128.bitselect(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(A, vl), B))), Z2, v128.andnot(f64x2.gt(vl, Z2), fl));
    const rh = v128.bitselect(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(A, vh), B))), Z2, v128.andnot(f64x2.gt(vh, Z2), fh));
    // pmax(MX, r): MX < r ? r : MX, the scalar test; a failed pixel's 0 never raises it.
    MX = f64x2.pmax(f64x2.pmax(MX, rl), rh);
    NF = i64x2.sub(i64x2.sub(NF, fl), fh);
    v128.store(inv + (<usize>i << 2), i8x16.shuffle(f32x4.demote_f64x2_zero(rl), f32x4.demote_f64x2_zero(rh), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  }
  let maxR = f64x2.extract_lane(MX, 0);
  const m1 = f64x2.extract_lane(MX, 1);
  if (m1 > maxR) maxR = m1;
  let nFailed = <i32>(i64x2.extract_lane(NF, 0) + i64x2.extract_lane(NF, 1));
  for (; i < n; i++) {
    const s = load<f32>(src + (<usize>i << 2));
    const v = max<f32>(0, metric ? (s > 0 ? <f32>1 / s : 0) : s);
    if (<f64>v > limit || (metric && v == 0)) { store<f32>(inv + (<usize>i << 2), 0); nFailed++; continue; }
    const r: f64 = v > 0 ? <f64><f32>(a * <f64>v + b) : 0;
    store<f32>(inv + (<usize>i << 2), <f32>r);
    if (r > maxR) maxR = r;
  }
  store<f64>(res, maxR);
  store<i32>(res, nFailed, 8);
}

/**
 * frame-output.ts: finalPass: each fitted inverse depth raised to f32(floor) where below `floor` and
 * not 0 (kept in `inv` with `keep`), times the factor at `up` where positive (with `scaled`), into
 * `d` in the output's kind (`metric`: 1 / it, 0 where not positive) and its depth along the ray into `z`.
 */
export function finalPass(inv: usize, keep: bool, floor: f64, up: usize, scaled: bool, n: i32, d: usize, metric: bool, z: usize): void {
  const ONE = f32x4.splat(1), ZERO = f32x4.splat(0), FL = f64x2.splat(floor), FL32 = f32x4.splat(<f32>floor);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    let v = v128.load(inv + o);
    // v < floor compared in f64, as the TypeScript does; the two lanes' masks as the four f32 lanes'.
    const bl = f64x2.lt(f64x2.promote_low_f32x4(v), FL), bh = f64x2.lt(f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), FL);
    const low = v128.and(i8x16.shuffle(bl, bh, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27), f32x4.ne(v, ZERO));
    if (v128.any_true(low)) {
      v = v128.bitselect(FL32, v, low);
      if (keep) v128.store(inv + o, v);
    }
    if (scaled) {
      const u = v128.load(up + o);
      v = f32x4.mul(v, v128.bitselect(u, ONE, f32x4.gt(u, ZERO)));
    }
    const iv = v128.bitselect(f32x4.div(ONE, v), ZERO, f32x4.gt(v, ZERO));
    v128.store(d + o, metric ? iv : v);
    v128.store(z + o, iv);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let v = load<f32>(inv + o);
    if (v != 0 && <f64>v < floor) { v = <f32>floor; if (keep) store<f32>(inv + o, v); }
    if (scaled) { const u = load<f32>(up + o); v = v * (u > 0 ? u : 1); }
    const iv: f32 = v > 0 ? <f32>1 / v : 0;
    store<f32>(d + o, metric ? iv : v);
    store<f32>(z + o, iv);
  }
}

/**
 * ../image.ts: resizeWithHoles: bilinear, pixel-centre aligned, non-positive samples left out (0 where
 * the weight left is at most 1e-6): the sw x sh f32 plane at `src` to dw x dh at `out`, two pixels
 * at a time in f64. `taps`: scratch of 16 bytes a column (the columns' taps, as the TypeScript's).
 */
export function resizeWithHoles(src: usize, sw: i32, sh: i32, dw: i32, dh: i32, out: usize, taps: usize): void {
  const sx = <f64>sw / <f64>dw, sy = <f64>sh / <f64>dh;
  const tx0 = taps, tx1 = taps + (<usize>dw << 2), twx = taps + (<usize>dw << 3);
  // The columns before `xe` read two neighbouring source columns (x1 = x0 + 1): one 8-byte load a row.
  let xe = dw;
  for (let x = 0; x < dw; x++) {
    const fx = min<f64>(<f64>(sw - 1), max<f64>(0, (<f64>x + 0.5) * sx - 0.5));
    const x0 = <i32>Math.floor(fx), x1 = min(sw - 1, x0 + 1);
    store<i32>(tx0 + (<usize>x << 2), x0);
    store<i32>(tx1 + (<usize>x << 2), x1);
    store<f64>(twx + (<usize>x << 3), fx - <f64>x0);
    if (x1 != x0 + 1 && x < xe) xe = x;
  }
  const ONE = f64x2.splat(1), Z2 = f64x2.splat(0), EPS = f64x2.splat(1e-6);
  for (let y = 0; y < dh; y++) {
    const fy = min<f64>(<f64>(sh - 1), max<f64>(0, (<f64>y + 0.5) * sy - 0.5));
    const y0 = <i32>Math.floor(fy), y1 = min(sh - 1, y0 + 1), wy = fy - <f64>y0;
    const r0 = src + (<usize>(y0 * sw) << 2), r1 = src + (<usize>(y1 * sw) << 2), row = out + (<usize>(y * dw) << 2);
    const WY = f64x2.splat(wy), WY1 = f64x2.splat(1 - wy);
    let x = 0;
    // Two pixels at a time, each lane the scalar code's operations in its order.
    for (; x + 1 < xe; x += 2) {
      const xa = <usize>load<i32>(tx0 + (<usize>x << 2)) << 2, xb = <usize>load<i32>(tx0 + (<usize>x << 2), 4) << 2;
      // Each pixel's two columns as a pair, then the pairs' first and second values side by side.
      const pa0 = f64x2.promote_low_f32x4(v128.load64_zero(r0 + xa)), pb0 = f64x2.promote_low_f32x4(v128.load64_zero(r0 + xb));
      const pa1 = f64x2.promote_low_f32x4(v128.load64_zero(r1 + xa)), pb1 = f64x2.promote_low_f32x4(v128.load64_zero(r1 + xb));
      const a = i64x2.shuffle(pa0, pb0, 0, 2), b = i64x2.shuffle(pa0, pb0, 1, 3), c = i64x2.shuffle(pa1, pb1, 0, 2), e = i64x2.shuffle(pa1, pb1, 1, 3);
      const WX = v128.load(twx + (<usize>x << 3)), WX1 = f64x2.sub(ONE, WX);
      const wa = f64x2.mul(WX1, WY1), wb = f64x2.mul(WX, WY1), wc = f64x2.mul(WX1, WY), wd = f64x2.mul(WX, WY);
      const ma = f64x2.gt(a, Z2), mb = f64x2.gt(b, Z2), mc = f64x2.gt(c, Z2), md = f64x2.gt(e, Z2);
      let s: v128, w: v128;
      if (i64x2.all_true(v128.and(v128.and(ma, mb), v128.and(mc, md)))) {
        // No hole: 0 + a * wa is a * wa (it is not -0), and so on.
        s = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(a, wa), f64x2.mul(b, wb)), f64x2.mul(c, wc)), f64x2.mul(e, wd));
        w = f64x2.add(f64x2.add(f64x2.add(wa, wb), wc), wd);
      } else {
        s = Z2; w = Z2;
        s = v128.bitselect(f64x2.add(s, f64x2.mul(a, wa)), s, ma); w = v128.bitselect(f64x2.add(w, wa), w, ma);
        s = v128.bitselect(f64x2.add(s, f64x2.mul(b, wb)), s, mb); w = v128.bitselect(f64x2.add(w, wb), w, mb);
        s = v128.bitselect(f64x2.add(s, f64x2.mul(c, wc)), s, mc); w = v128.bitselect(f64x2.add(w, wc), w, mc);
        s = v128.bitselect(f64x2.add(s, f64x2.mul(e, wd)), s, md); w = v128.bitselect(f64x2.add(w, wd), w, md);
      }
      const r = v128.bitselect(f64x2.div(s, w), Z2, f64x2.gt(w, EPS));
      v128.store64_lane(row + (<usize>x << 2), f32x4.demote_f64x2_zero(r), 0);
    }
    for (; x < dw; x++) {
      const x0 = <usize>load<i32>(tx0 + (<usize>x << 2)) << 2, x1 = <usize>load<i32>(tx1 + (<usize>x << 2)) << 2, wx = load<f64>(twx + (<usize>x << 3));
      const a = <f64>load<f32>(r0 + x0), b = <f64>load<f32>(r0 + x1), c = <f64>load<f32>(r1 + x0), e = <f64>load<f32>(r1 + x1);
      let s: f64 = 0, w: f64 = 0;
      const wa = (1 - wx) * (1 - wy), wb = wx * (1 - wy), wc = (1 - wx) * wy, wd = wx * wy;
      if (a > 0) { s += a * wa; w += wa; }
      if (b > 0) { s += b * wb; w += wb; }
      if (c > 0) { s += c * wc; w += wc; }
      if (e > 0) { s += e * wd; w += wd; }
      store<f32>(row + (<usize>x << 2), <f32>(w > 1e-6 ? s / w : 0));
    }
  }
}

/** frame-output.ts: ratioOf: the refinement's factor `fin / al` (f32), 1 where either is not positive. */
export function ratioOf(fin: usize, al: usize, ratio: usize, n: i32): void {
  const ONE = f32x4.splat(1), ZERO = f32x4.splat(0);
  let p = 0;
  for (; p + 3 < n; p += 4) {
    const o = <usize>p << 2;
    const f = v128.load(fin + o), a = v128.load(al + o);
    v128.store(ratio + o, v128.bitselect(f32x4.div(f, a), ONE, v128.and(f32x4.gt(a, ZERO), f32x4.gt(f, ZERO))));
  }
  for (; p < n; p++) {
    const o = <usize>p << 2;
    const f = load<f32>(fin + o), a = load<f32>(al + o);
    store<f32>(ratio + o, a > 0 && f > 0 ? f / a : 1);
  }
}

/** frame-fusion.ts: the fusion's factor applied: `out` (f32) = base * up where up is positive, else base. */
export function scaleBy(base: usize, up: usize, out: usize, n: i32): void {
  const ZERO = f32x4.splat(0);
  let p = 0;
  for (; p + 3 < n; p += 4) {
    const o = <usize>p << 2;
    const b = v128.load(base + o), u = v128.load(up + o);
    v128.store(out + o, v128.bitselect(f32x4.mul(b, u), b, f32x4.gt(u, ZERO)));
  }
  for (; p < n; p++) {
    const o = <usize>p << 2;
    const b = load<f32>(base + o), u = load<f32>(up + o);
    store<f32>(out + o, u > 0 ? b * u : b);
  }
}
