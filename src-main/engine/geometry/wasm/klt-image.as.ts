/**
 * The KLT module's per-frame image functions (klt.as.ts exports them with lk; ../klt-wasm.ts calls
 * them): the tracking pyramid's grey, gain and levels, the analysis grid's area average and the corner
 * score, each the same operations in the same order as its TypeScript reference (../image.ts,
 * ../features.ts), so the same bits (test/geometry/klt-wasm.test.ts, geometry-kernels.test.ts).
 * Why SIMD: they run on every frame on the analysis's main thread. Lanes hold independent pixels; a
 * sum a pixel's value is made of keeps its terms' order in its lane; a sum over the frame is kept in
 * order, or shown exact in any order where it is not.
 */

/**
 * ../image.ts: trackingPyramid at the frame's own size, the same operations in the same order (f64,
 * stored as f32), so the same bits: the grey of n interleaved RGB8 pixels at `src` (grayPlane) into the
 * f32 plane at `out`, returning the stored values' sum. Two pixels a f64x2, four a pass. The sum is
 * exact in any order (so the sequential one's bits): each value g - 1, g >= 1 an f32, is a multiple of
 * 2^-23 below 2^8, so every partial sum of fewer than 2^22 of them is a multiple of 2^-23 below 2^30,
 * which a f64 (53 bits) holds exactly. Larger planes take the sequential loop.
 */
const R_W: f64 = 0.299, G_W: f64 = 0.587, B_W: f64 = 0.114;
export function grayPlane(src: usize, n: i32, out: usize): f64 {
  let i = 0;
  let sum = f64x2.splat(0);
  if (n < 1 << 22) {
    const rw = f64x2.splat(R_W), gw = f64x2.splat(G_W), bw = f64x2.splat(B_W), one = f64x2.splat(1), z = v128.splat<i32>(0);
    // A pass reads 16 bytes from pixel i: 4 pixels and 4 bytes more, inside the frame while i + 6 <= n.
    for (; i + 6 <= n; i += 4) {
      const p = v128.load(src + <usize>(3 * i));
      // Channels of pixels (i, i + 1) and (i + 2, i + 3) as i32 lanes 0 and 1.
      const r0 = v128.shuffle<u8>(p, z, 0, 16, 16, 16, 3, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const g0 = v128.shuffle<u8>(p, z, 1, 16, 16, 16, 4, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const b0 = v128.shuffle<u8>(p, z, 2, 16, 16, 16, 5, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const r1 = v128.shuffle<u8>(p, z, 6, 16, 16, 16, 9, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const g1 = v128.shuffle<u8>(p, z, 7, 16, 16, 16, 10, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const b1 = v128.shuffle<u8>(p, z, 8, 16, 16, 16, 11, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16);
      const v0 = grayPair(r0, g0, b0, rw, gw, bw, one), v1 = grayPair(r1, g1, b1, rw, gw, bw, one);
      v128.store(out + (<usize>i << 2), v128.shuffle<i64>(v0, v1, 0, 2));
      sum = f64x2.add(sum, f64x2.add(f64x2.promote_low_f32x4(v0), f64x2.promote_low_f32x4(v1)));
    }
  }
  let m = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const o = src + <usize>(3 * i);
    // The weights typed f64: under the f32 cast AssemblyScript would take the first literal as f32.
    const g = <f32>(R_W * <f64>load<u8>(o) + G_W * <f64>load<u8>(o + 1) + B_W * <f64>load<u8>(o + 2) + 1);
    const v = <f32>(<f64>g - 1);
    store<f32>(out + (<usize>i << 2), v);
    m += <f64>v;
  }
  return m;
}

/** grayPlane's values of two pixels (channels as i32 lanes 0, 1) in f32 lanes 0, 1: f32(f32(((R r + G g) + B b) + 1) - 1). */
@inline function grayPair(r: v128, g: v128, b: v128, rw: v128, gw: v128, bw: v128, one: v128): v128 {
  const x = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(rw, f64x2.convert_low_i32x4_s(r)), f64x2.mul(gw, f64x2.convert_low_i32x4_s(g))), f64x2.mul(bw, f64x2.convert_low_i32x4_s(b))), one);
  return f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x)), one));
}

/**
 * ../image.ts: normalizeGain of the n values at `d`, whose sum is `sum`. The squares in f64x2 lanes,
 * added to the variance one by one in order; the rescale two values a f64x2.
 */
export function normalizeGain(d: usize, n: i32, sum: f64): void {
  const m = sum / <f64>n, M = f64x2.splat(m);
  let v: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = v128.load(d + (<usize>i << 2));
    const t0 = f64x2.sub(f64x2.promote_low_f32x4(p), M), t1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i64>(p, p, 1, 1)), M);
    const q0 = f64x2.mul(t0, t0), q1 = f64x2.mul(t1, t1);
    v += f64x2.extract_lane(q0, 0); v += f64x2.extract_lane(q0, 1);
    v += f64x2.extract_lane(q1, 0); v += f64x2.extract_lane(q1, 1);
  }
  for (; i < n; i++) {
    const t = <f64>load<f32>(d + (<usize>i << 2)) - m;
    v += t * t;
  }
  const g = 40 / Math.sqrt(v / <f64>n + 1e-6), G = f64x2.splat(g), C = f64x2.splat(128);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = d + (<usize>i << 2), p = v128.load(q);
    const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(p), M), G), C));
    const hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i64>(p, p, 1, 1)), M), G), C));
    v128.store(q, v128.shuffle<i64>(lo, hi, 0, 2));
  }
  for (; i < n; i++) {
    const p = d + (<usize>i << 2);
    store<f32>(p, <f32>((<f64>load<f32>(p) - m) * g + 128));
  }
}

/**
 * ../image.ts: pyrDown of the w x h plane at `s` into `out` (max(1, w >> 1) x max(1, h >> 1)). Where
 * all taps lie inside, two output pixels a f64x2 (each lane its pixel's sum in the reference's order;
 * its / 16 as * (1 / 16), a power of two: the same correctly rounded quotient).
 */
export function pyrDown(s: usize, w: i32, h: i32, out: usize): void {
  const dw = w >> 1 > 1 ? w >> 1 : 1, dh = h >> 1 > 1 ? h >> 1 : 1;
  const W = <usize>w << 2;
  const two = f64x2.splat(2), four = f64x2.splat(4), sixteenth = f64x2.splat(0.0625);
  for (let y = 0; y < dh; y++) {
    const Y = 2 * y;
    const inner = Y >= 1 && Y + 1 <= h - 1;
    let x = 0;
    if (inner) {
      // Outputs x and x + 1 read columns 2x - 1 .. 2x + 3: inside while 2x + 3 <= w - 1.
      for (x = 1; 2 * x + 3 <= w - 1; x += 2) {
        const c = s + (<usize>(Y * w + 2 * x - 1) << 2), u = c - W, d = c + W;
        let v = f64x2.add(f64x2.add(row3(u, two), f64x2.mul(two, lft(c))), f64x2.mul(four, mid(c)));
        v = f64x2.add(f64x2.add(f64x2.add(f64x2.add(v, f64x2.mul(two, rgt(c))), lft(d)), f64x2.mul(two, mid(d))), rgt(d));
        v128.store_lane<i64>(out + (<usize>(y * dw + x) << 2), f32x4.demote_f64x2_zero(f64x2.mul(v, sixteenth)), 0);
      }
    }
    for (let k = 0; k < dw; k++) {
      // The columns the pairs above did not write: the first, and those from x on.
      if (inner && k > 0 && k < x) continue;
      const X = 2 * k;
      let v: f64;
      if (inner && X >= 1 && X + 1 <= w - 1) {
        const c = s + (<usize>(Y * w + X) << 2), u = c - W, d = c + W;
        v = (<f64>load<f32>(u - 4) + 2 * <f64>load<f32>(u) + <f64>load<f32>(u + 4) +
          2 * <f64>load<f32>(c - 4) + 4 * <f64>load<f32>(c) + 2 * <f64>load<f32>(c + 4) +
          <f64>load<f32>(d - 4) + 2 * <f64>load<f32>(d) + <f64>load<f32>(d + 4)) / 16;
      } else {
        v = (px(s, w, h, X - 1, Y - 1) + 2 * px(s, w, h, X, Y - 1) + px(s, w, h, X + 1, Y - 1) +
          2 * px(s, w, h, X - 1, Y) + 4 * px(s, w, h, X, Y) + 2 * px(s, w, h, X + 1, Y) +
          px(s, w, h, X - 1, Y + 1) + 2 * px(s, w, h, X, Y + 1) + px(s, w, h, X + 1, Y + 1)) / 16;
      }
      store<f32>(out + (<usize>(y * dw + k) << 2), <f32>v);
    }
  }
}

/** Taps of outputs x, x + 1 in a row whose column 2x - 1 is at `p`: left (2x - 1, 2x + 1), middle (2x, 2x + 2), right (2x + 1, 2x + 3), as f64x2. */
@inline function lft(p: usize): v128 {
  const a = v128.load(p);
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 0, 2, 0, 2));
}
@inline function mid(p: usize): v128 {
  const a = v128.load(p);
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 1, 3, 1, 3));
}
@inline function rgt(p: usize): v128 {
  const a = v128.load(p, 4);
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 1, 3, 1, 3));
}
/** The upper row's three terms: (left + 2 middle) + right. */
@inline function row3(p: usize, two: v128): v128 {
  return f64x2.add(f64x2.add(lft(p), f64x2.mul(two, mid(p))), rgt(p));
}

/** The w x h plane's pixel at the nearest place inside to (x, y). */
@inline function px(s: usize, w: i32, h: i32, x: i32, y: i32): f64 {
  const cx = x < 0 ? 0 : x > w - 1 ? w - 1 : x, cy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  return <f64>load<f32>(s + (<usize>(cy * w + cx) << 2));
}

/**
 * ../image.ts: downsampleRgbGray for blocks of one or two rows and columns (sw <= 2 dw, sh <= 2 dh):
 * interleaved RGB8 sw x sh at `src` to the grey f32 plane `gray` and RGB8 `rgb` at dw x dh, the same
 * integer sums and f64 operations, so the same bits. `acc`: scratch of 3 sw i32, `cols` of dw i32.
 * A block has n = 1, 2 or 4 pixels: the reference's truncated r / n of non-negative sums is r >> log2 n,
 * and its f64 x / n is x * (1 / n) (both the one correctly rounded value of the same quotient).
 */
export function downsampleRgbGray(src: usize, sw: i32, sh: i32, dw: i32, dh: i32, gray: usize, rgb: usize, acc: usize, cols: usize): void {
  const fx = <f64>sw / <f64>dw, fy = <f64>sh / <f64>dh;
  const rw = 3 * sw;
  for (let x = 0; x < dw; x++) {
    const x0 = <i32>Math.floor(<f64>x * fx);
    const x1 = min(sw, max(x0 + 1, <i32>Math.floor(<f64>(x + 1) * fx)));
    store<i32>(cols + (<usize>x << 2), x1 - x0 === 2 ? -1 - x0 : x0);
  }
  for (let y = 0; y < dh; y++) {
    const y0 = <i32>Math.floor(<f64>y * fy);
    const y1 = min(sh, max(y0 + 1, <i32>Math.floor(<f64>(y + 1) * fy)));
    const o = src + <usize>(y0 * rw), rows = y1 - y0;
    rowSums(o, rows === 2 ? o + <usize>rw : 0, rw, acc);
    const sh1: i32 = rows === 2 ? 1 : 0;
    const inv1: f64 = rows === 2 ? 0.5 : 1, inv2: f64 = rows === 2 ? 0.25 : 0.5;
    for (let x = 0, i = y * dw; x < dw; x++, i++) {
      const c = load<i32>(cols + (<usize>x << 2));
      let r: i32, g: i32, b: i32, k: i32, inv: f64;
      if (c >= 0) {
        const q = acc + (<usize>(3 * c) << 2);
        r = load<i32>(q); g = load<i32>(q, 4); b = load<i32>(q, 8); k = sh1; inv = inv1;
      } else {
        const q = acc + (<usize>(-3 * (c + 1)) << 2);
        r = load<i32>(q) + load<i32>(q, 12); g = load<i32>(q, 4) + load<i32>(q, 16); b = load<i32>(q, 8) + load<i32>(q, 20); k = sh1 + 1; inv = inv2;
      }
      const q = rgb + <usize>(3 * i);
      store<u8>(q, r >> k); store<u8>(q, g >> k, 1); store<u8>(q, b >> k, 2);
      store<f32>(gray + (<usize>i << 2), <f32>((R_W * <f64>r + G_W * <f64>g + B_W * <f64>b) * inv));
    }
  }
}

/** The rw bytes at `a` (plus those at `b`, unless 0) as i32 sums at `acc`, sixteen a pass. */
function rowSums(a: usize, b: usize, rw: i32, acc: usize): void {
  let j = 0;
  for (; j + 16 <= rw; j += 16) {
    const p = v128.load(a + <usize>j);
    let lo = i16x8.extend_low_i8x16_u(p), hi = i16x8.extend_high_i8x16_u(p);
    if (b) { const q = v128.load(b + <usize>j); lo = i16x8.add(lo, i16x8.extend_low_i8x16_u(q)); hi = i16x8.add(hi, i16x8.extend_high_i8x16_u(q)); }
    const d = acc + (<usize>j << 2);
    v128.store(d, i32x4.extend_low_i16x8_u(lo)); v128.store(d, i32x4.extend_high_i16x8_u(lo), 16);
    v128.store(d, i32x4.extend_low_i16x8_u(hi), 32); v128.store(d, i32x4.extend_high_i16x8_u(hi), 48);
  }
  for (; j < rw; j++) store<i32>(acc + (<usize>j << 2), <i32>load<u8>(a + <usize>j) + (b ? <i32>load<u8>(b + <usize>j) : 0));
}

/**
 * ../features.ts: detectCorners' score plane (the structure tensor's smaller eigenvalue over 5x5
 * boxes: ../image.ts: boxFilter, r = 2, running sums in f64 stored as f32, rows then columns) of the
 * w x h plane at `src` into `score`, the same operations in the same order (so the same bits); returns
 * its largest value (0 at least). `scratch`: 3 planes (the products' row sums) and 3 rows of w f32 and
 * 3 of w f64. Two sweeps: per row the products (f32x4: f32(f64 gx * f64 gx) is f32's product, exact in
 * f64 then rounded once; gx as in gradients()) and the three planes' row sums side by side (three
 * independent chains, each in its order); then per row the three column sums (f64x2: columns in lanes,
 * each its own chain) and the score of two pixels a f64x2 (its halvings as * 0.5: the same value).
 */
export function cornerScore(src: usize, w: i32, h: i32, scratch: usize, score: usize): f64 {
  const n = w * h, planeB = <usize>n << 2, rowB = <usize>w << 2;
  const tX = scratch, tY = tX + planeB, tXY = tY + planeB;
  const pX = tXY + planeB, pY = pX + rowB, pXY = pY + rowB;
  const sums = (pXY + rowB + 7) & ~7;
  for (let y = 0; y < h; y++) {
    products(src, w, h, y, pX, pY, pXY);
    const o = <usize>(y * w) << 2;
    rowSums3(pX, pY, pXY, w, tX + o, tY + o, tXY + o);
  }
  return columnsAndScore(tX, tY, tXY, w, h, sums, score);
}

/** Row y's structure-tensor products (zero on the image's border) into the rows pX, pY, pXY. */
@inline function products(src: usize, w: i32, h: i32, y: i32, pX: usize, pY: usize, pXY: usize): void {
  const rowB = <usize>w << 2;
  if (y < 1 || y >= h - 1) { memory.fill(pX, 0, rowB); memory.fill(pY, 0, rowB); memory.fill(pXY, 0, rowB); return; }
  store<f32>(pX, 0); store<f32>(pY, 0); store<f32>(pXY, 0);
  if (w > 1) { const e = rowB - 4; store<f32>(pX + e, 0); store<f32>(pY + e, 0); store<f32>(pXY + e, 0); }
  const row = src + (<usize>(y * w) << 2), W = rowB, half = f32x4.splat(0.5);
  let x = 1;
  for (; x + 4 <= w - 1; x += 4) {
    const i = <usize>x << 2, c = row + i;
    const gx = f32x4.mul(f32x4.sub(v128.load(c + 4), v128.load(c - 4)), half);
    const gy = f32x4.mul(f32x4.sub(v128.load(c + W), v128.load(c - W)), half);
    v128.store(pX + i, f32x4.mul(gx, gx)); v128.store(pY + i, f32x4.mul(gy, gy)); v128.store(pXY + i, f32x4.mul(gx, gy));
  }
  for (; x < w - 1; x++) {
    const i = <usize>x << 2, c = row + i;
    const gx = <f32>((<f64>load<f32>(c + 4) - <f64>load<f32>(c - 4)) * 0.5);
    const gy = <f32>((<f64>load<f32>(c + W) - <f64>load<f32>(c - W)) * 0.5);
    store<f32>(pX + i, <f32>(<f64>gx * <f64>gx)); store<f32>(pY + i, <f32>(<f64>gy * <f64>gy)); store<f32>(pXY + i, <f32>(<f64>gx * <f64>gy));
  }
}

/** boxFilter's row pass (r = 2) of three rows at once into oa, ob, oc: each row's running sum in its own order. */
@inline function rowSums3(a: usize, b: usize, c: usize, w: i32, oa: usize, ob: usize, oc: usize): void {
  let sa: f64 = 0, sb: f64 = 0, sc: f64 = 0;
  for (let x = -2; x <= 2; x++) {
    const k = <usize>clampI(x, w) << 2;
    sa += <f64>load<f32>(a + k); sb += <f64>load<f32>(b + k); sc += <f64>load<f32>(c + k);
  }
  const lo = min(w, 2), hi = max(lo, w - 3);
  let x = 0;
  for (; x < lo; x++) {
    const k = <usize>x << 2, ad = <usize>min(w - 1, x + 3) << 2, sb0 = <usize>max(0, x - 2) << 2;
    store<f32>(oa + k, <f32>sa); store<f32>(ob + k, <f32>sb); store<f32>(oc + k, <f32>sc);
    sa += <f64>load<f32>(a + ad) - <f64>load<f32>(a + sb0);
    sb += <f64>load<f32>(b + ad) - <f64>load<f32>(b + sb0);
    sc += <f64>load<f32>(c + ad) - <f64>load<f32>(c + sb0);
  }
  for (; x < hi; x++) {
    const k = <usize>x << 2;
    store<f32>(oa + k, <f32>sa); store<f32>(ob + k, <f32>sb); store<f32>(oc + k, <f32>sc);
    sa += <f64>load<f32>(a + k, 12) - <f64>load<f32>(a + k - 8);
    sb += <f64>load<f32>(b + k, 12) - <f64>load<f32>(b + k - 8);
    sc += <f64>load<f32>(c + k, 12) - <f64>load<f32>(c + k - 8);
  }
  for (; x < w; x++) {
    const k = <usize>x << 2, ad = <usize>min(w - 1, x + 3) << 2, sb0 = <usize>max(0, x - 2) << 2;
    store<f32>(oa + k, <f32>sa); store<f32>(ob + k, <f32>sb); store<f32>(oc + k, <f32>sc);
    sa += <f64>load<f32>(a + ad) - <f64>load<f32>(a + sb0);
    sb += <f64>load<f32>(b + ad) - <f64>load<f32>(b + sb0);
    sc += <f64>load<f32>(c + ad) - <f64>load<f32>(c + sb0);
  }
}

/** Two f32 at `p` as f64x2. */
@inline function f2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * boxFilter's column pass (r = 2) of the three row-summed planes, row by row (each column's sum in its
 * order, two columns a f64x2), each box value rounded to f32 as the reference stores it, and the score
 * of those three values: (A + C) / 2 - sqrt(((A - C) / 2)^2 + B^2), stored as f32. Returns the largest score (0 at least).
 */
function columnsAndScore(tA: usize, tC: usize, tB: usize, w: i32, h: i32, sums: usize, score: usize): f64 {
  const sA = sums, sC = sA + (<usize>w << 3), sB = sC + (<usize>w << 3);
  memory.fill(sA, 0, <usize>(3 * w) << 3);
  for (let y = -2; y <= 2; y++) {
    const o = <usize>(clampI(y, h) * w) << 2;
    for (let x = 0; x < w; x++) {
      const k = <usize>x << 3, j = o + (<usize>x << 2);
      store<f64>(sA + k, load<f64>(sA + k) + <f64>load<f32>(tA + j));
      store<f64>(sC + k, load<f64>(sC + k) + <f64>load<f32>(tC + j));
      store<f64>(sB + k, load<f64>(sB + k) + <f64>load<f32>(tB + j));
    }
  }
  const nb = f64x2.splat(25), half = f64x2.splat(0.5);
  let mx = f64x2.splat(0), maxS: f64 = 0;
  for (let y = 0; y < h; y++) {
    const o = <usize>(y * w) << 2, add = <usize>(min(h - 1, y + 3) * w) << 2, sub = <usize>(max(0, y - 2) * w) << 2;
    let x = 0;
    for (; x + 2 <= w; x += 2) {
      const k = <usize>x << 3, j = <usize>x << 2;
      const vA = v128.load(sA + k), vC = v128.load(sC + k), vB = v128.load(sB + k);
      const A = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.div(vA, nb)));
      const C = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.div(vC, nb)));
      const B = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.div(vB, nb)));
      v128.store(sA + k, f64x2.add(vA, f64x2.sub(f2(tA + add + j), f2(tA + sub + j))));
      v128.store(sC + k, f64x2.add(vC, f64x2.sub(f2(tC + add + j), f2(tC + sub + j))));
      v128.store(sB + k, f64x2.add(vB, f64x2.sub(f2(tB + add + j), f2(tB + sub + j))));
      const t = f64x2.mul(f64x2.sub(A, C), half);
      const s = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.mul(f64x2.add(A, C), half), f64x2.sqrt(f64x2.add(f64x2.mul(t, t), f64x2.mul(B, B)))));
      v128.store_lane<i64>(score + o + j, s, 0);
      mx = f64x2.pmax(mx, f64x2.promote_low_f32x4(s));
    }
    for (; x < w; x++) {
      const k = <usize>x << 3, j = <usize>x << 2;
      const vA = load<f64>(sA + k), vC = load<f64>(sC + k), vB = load<f64>(sB + k);
      const A = <f64><f32>(vA / 25), C = <f64><f32>(vC / 25), B = <f64><f32>(vB / 25);
      store<f64>(sA + k, vA + (<f64>load<f32>(tA + add + j) - <f64>load<f32>(tA + sub + j)));
      store<f64>(sC + k, vC + (<f64>load<f32>(tC + add + j) - <f64>load<f32>(tC + sub + j)));
      store<f64>(sB + k, vB + (<f64>load<f32>(tB + add + j) - <f64>load<f32>(tB + sub + j)));
      const t = (A - C) / 2;
      const s = <f32>((A + C) / 2 - Math.sqrt(t * t + B * B));
      store<f32>(score + o + j, s);
      if (<f64>s > maxS) maxS = <f64>s;
    }
  }
  // The largest of all (a lane only ever takes a larger value, as the reference's running maximum).
  const l0 = f64x2.extract_lane(mx, 0), l1 = f64x2.extract_lane(mx, 1);
  if (l0 > maxS) maxS = l0;
  if (l1 > maxS) maxS = l1;
  return maxS;
}

@inline function clampI(v: i32, n: i32): i32 {
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}
