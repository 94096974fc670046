/**
 * The source's grain (grain.as.ts grainAt, the definition's twin) for a whole frame at once, eight pixels
 * per step, into three f32 planes (r, g, b; each grainPlaneStride(W, H) floats) that relight and refocus
 * read instead of calling grainAt per pixel: per-pixel calls, clamped addressing and branches cost more
 * than the arithmetic.
 * Same steps as grainAt: the 3x3 grey deviation gives the flatness weight w, and where some w of a group
 * of four is above 0 the 5x5 sigma mean. Grey is kept as the integer 299 r + 587 g + 114 b (exact in f32), so
 * the sigma test |grey - grey0| > GRAIN_SIGMA is exact; where a neighbour lies exactly GRAIN_SIGMA away
 * (the definition's f64 rounding decides), that neighbour is tested in f64 as the definition does. Rows are unpacked
 * into a ring of five padded rows (edge pixels repeated, as the definition clamps), so the 5x5 loads
 * need no clamping. The channels' 5x5 sums are integers of at most 25 x 255, so they are summed as u16,
 * eight pixels per i16x8, and only the sums become f32 (the same values, so the same means); grey and the
 * deviation stay f32x4, four pixels at a time. Where every grey of the 5x5 lies strictly within GRAIN_SIGMA
 * of the centre's (most flat areas), the sigma mean is the plain 5x5 mean: the same integer sums, taken
 * from column sums of the five rows (and their grey minimum and maximum, which make that test) shared by
 * the row's pixels.
 */

const FLAT_LO: f32 = 2;
const FLAT_HI: f32 = 4;
const CLAMP: f32 = 6;
/** GRAIN_SIGMA in grey levels x 1000. */
const SIGMA_K: f32 = 8000;
/** GRAIN_SIGMA in grey levels. */
const GRAIN_SIGMA: f64 = 8;
/** Pixels repeated before a ring row (the 5x5's reach). */
const PAD_L = 2;

/** Floats per grain plane of a W x H frame (the last group of four may write past W * H). */
@inline export function grainPlaneStride(W: i32, H: i32): usize {
  return <usize>(W * H + 4);
}

/**
 * Pixels per padded ring row: 2 before, and after the row enough for the last group of eight to read 4
 * past its end plus 2, rounded to whole groups of eight.
 */
@inline function paddedWidth(W: i32): usize {
  return <usize>((W + 16 + 7) & ~7);
}

// The `ring` grainPlane needs: 64 bytes per padded pixel (wasm-kernels.ts sizes its slot as 64 (W + 24)). A
// ring row of Wp pixels: grey (f32) at 0, then r, g, b (u16) at 4 Wp, 6 Wp, 8 Wp bytes: 10 Wp bytes. The
// column sums after the five rows: r, g, b (u16) at 0, 2 Wp, 4 Wp, grey minimum and maximum (f32) at 6 Wp, 10 Wp.

/** Unpacks row y of packed RGB8 into the ring (grey x 1000 as f32, r, g, b as u16). */
function fillRow(rgb: usize, W: i32, y: i32, ring: usize): void {
  const Wp = paddedWidth(W);
  const base = ring + <usize>(y % 5) * 10 * Wp;
  const src = rgb + <usize>(y * W) * 3;
  const kr = f32x4.splat(299), kg = f32x4.splat(587), kb = f32x4.splat(114);
  let x = 0;
  for (; x + 8 <= W; x += 8) {
    // The 24 bytes of eight pixels, none past them.
    const a = v128.load(src + <usize>x * 3), b = v128.load64_zero(src + <usize>x * 3 + 16);
    const r = i16x8.extend_low_i8x16_u(i8x16.shuffle(a, b, 0, 3, 6, 9, 12, 15, 18, 21, 0, 0, 0, 0, 0, 0, 0, 0));
    const g = i16x8.extend_low_i8x16_u(i8x16.shuffle(a, b, 1, 4, 7, 10, 13, 16, 19, 22, 0, 0, 0, 0, 0, 0, 0, 0));
    const bl = i16x8.extend_low_i8x16_u(i8x16.shuffle(a, b, 2, 5, 8, 11, 14, 17, 20, 23, 0, 0, 0, 0, 0, 0, 0, 0));
    const p = <usize>(x + PAD_L);
    const d = base + (p << 2);
    v128.store(d, grey4(i32x4.extend_low_i16x8_u(r), i32x4.extend_low_i16x8_u(g), i32x4.extend_low_i16x8_u(bl), kr, kg, kb));
    v128.store(d + 16, grey4(i32x4.extend_high_i16x8_u(r), i32x4.extend_high_i16x8_u(g), i32x4.extend_high_i16x8_u(bl), kr, kg, kb));
    v128.store(base + 4 * Wp + (p << 1), r);
    v128.store(base + 6 * Wp + (p << 1), g);
    v128.store(base + 8 * Wp + (p << 1), bl);
  }
  for (; x < W; x++) {
    const s = src + <usize>x * 3, p = <usize>(x + PAD_L);
    const r = load<u8>(s), g = load<u8>(s + 1), b = load<u8>(s + 2);
    store<f32>(base + (p << 2), 299 * <f32>r + 587 * <f32>g + 114 * <f32>b);
    store<u16>(base + 4 * Wp + (p << 1), r);
    store<u16>(base + 6 * Wp + (p << 1), g);
    store<u16>(base + 8 * Wp + (p << 1), b);
  }
  for (let p = 0; p < PAD_L; p++) copy(base, Wp, PAD_L, p);
  for (let p = W + PAD_L; p < <i32>Wp; p++) copy(base, Wp, W + PAD_L - 1, p);
}

@inline function grey4(r: v128, g: v128, b: v128, kr: v128, kg: v128, kb: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(r), kr), f32x4.mul(f32x4.convert_i32x4_u(g), kg)), f32x4.mul(f32x4.convert_i32x4_u(b), kb));
}

@inline function copy(base: usize, Wp: usize, from: i32, to: i32): void {
  store<f32>(base + (<usize>to << 2), load<f32>(base + (<usize>from << 2)));
  for (let c: usize = 4; c <= 8; c += 2) store<u16>(base + c * Wp + (<usize>to << 1), load<u16>(base + c * Wp + (<usize>from << 1)));
}

/**
 * The grain of packed RGB8 `rgb` (W x H) into `out` (planes r, g, b, grainPlaneStride(W, H) floats
 * apart), at every group of four pixels when `need` is 0, else where one of the group's bytes in `need`
 * (one per pixel, W x H + 4) is not 0; other groups are left as they were. `ring`: 64 paddedWidth(W) bytes.
 */
export function grainPlane(rgb: usize, W: i32, H: i32, need: usize, ring: usize, out: usize): void {
  const Wp = paddedWidth(W);
  const rowBytes = 10 * Wp;
  const stride = grainPlaneStride(W, H) << 2;
  const zero = f32x4.splat(0), sigma = f32x4.splat(SIGMA_K);
  const inf = f32x4.splat(Infinity), ninf = f32x4.splat(-Infinity), inv25 = f32x4.splat(<f32>(1.0 / 25.0));
  const cols = ring + 5 * rowBytes;
  for (let y = 0; y < min(2, H); y++) fillRow(rgb, W, y, ring);
  for (let y = 0; y < H; y++) {
    if (y + 2 < H) fillRow(rgb, W, y + 2, ring);
    // The ring rows of y - 2 .. y + 2, clamped to the frame.
    const a0 = ring + <usize>(max(0, y - 2) % 5) * rowBytes, a1 = ring + <usize>(max(0, y - 1) % 5) * rowBytes;
    const a2 = ring + <usize>(y % 5) * rowBytes;
    const a3 = ring + <usize>(min(H - 1, y + 1) % 5) * rowBytes, a4 = ring + <usize>(min(H - 1, y + 2) % 5) * rowBytes;
    // Column sums of the channels, eight columns per i16x8 (u16 sums of five bytes).
    for (let p: usize = 4 * Wp; p < 10 * Wp; p += 16) {
      const s = i16x8.add(i16x8.add(i16x8.add(v128.load(a0 + p), v128.load(a1 + p)), i16x8.add(v128.load(a2 + p), v128.load(a3 + p))), v128.load(a4 + p));
      v128.store(cols + p - 4 * Wp, s);
    }
    // The grey's minimum and maximum down the columns.
    for (let p: usize = 0; p < 4 * Wp; p += 16) {
      const l0 = v128.load(a0 + p), l1 = v128.load(a1 + p), l2 = v128.load(a2 + p), l3 = v128.load(a3 + p), l4 = v128.load(a4 + p);
      v128.store(cols + 6 * Wp + p, f32x4.min(f32x4.min(f32x4.min(l0, l1), f32x4.min(l2, l3)), l4));
      v128.store(cols + 10 * Wp + p, f32x4.max(f32x4.max(f32x4.max(l0, l1), f32x4.max(l2, l3)), l4));
    }
    const row = <usize>(y * W);
    for (let X = 0; X < W; X += 8) {
      // Which of the two groups of four are wanted (the second only where it starts inside the row).
      const want0 = need == 0 || load<u32>(need + row + <usize>X) != 0;
      const want1 = X + 4 < W && (need == 0 || load<u32>(need + row + <usize>X + 4) != 0);
      if (!want0 && !want1) continue;
      const p = <usize>(X + PAD_L);
      const c = p << 2;
      const w0 = flatness(a1 + c, a2 + c, a3 + c), w1 = flatness(a1 + c + 16, a2 + c + 16, a3 + c + 16);
      const o = out + ((row + <usize>X) << 2);
      const on0 = want0 && v128.any_true(f32x4.gt(w0, zero)), on1 = want1 && v128.any_true(f32x4.gt(w1, zero));
      if (want0 && !on0) store0(o, stride);
      if (want1 && !on1) store0(o + 16, stride);
      if (!on0 && !on1) continue;
      const g0 = v128.load(a2 + c), g1 = v128.load(a2 + c + 16);
      let lo0 = inf, up0 = ninf, lo1 = inf, up1 = ninf;
      let sr = i16x8.splat(0), sg = sr, sb = sr;
      for (let dx = -2; dx <= 2; dx++) {
        const q = cols + ((p + dx) << 1);
        sr = i16x8.add(sr, v128.load(q));
        sg = i16x8.add(sg, v128.load(q + 2 * Wp));
        sb = i16x8.add(sb, v128.load(q + 4 * Wp));
        const l = cols + 6 * Wp + ((p + dx) << 2), u = cols + 10 * Wp + ((p + dx) << 2);
        lo0 = f32x4.min(lo0, v128.load(l));
        lo1 = f32x4.min(lo1, v128.load(l + 16));
        up0 = f32x4.max(up0, v128.load(u));
        up1 = f32x4.max(up1, v128.load(u + 16));
      }
      const plain = v128.and(
        v128.and(f32x4.lt(f32x4.sub(up0, g0), sigma), f32x4.lt(f32x4.sub(g0, lo0), sigma)),
        v128.and(f32x4.lt(f32x4.sub(up1, g1), sigma), f32x4.lt(f32x4.sub(g1, lo1), sigma)),
      );
      let n = i16x8.splat(25);
      if (!i32x4.all_true(plain)) {
        // Some neighbour is excluded: the sigma sums, each neighbour's inclusion narrowed to an i16x8 mask.
        n = i16x8.splat(0);
        sr = n; sg = n; sb = n;
        for (let r = 0; r < 5; r++) {
          const a = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : r == 3 ? a3 : a4;
          for (let dx = -2; dx <= 2; dx++) {
            const q = a + ((p + dx) << 2);
            const ad0 = f32x4.abs(f32x4.sub(v128.load(q), g0)), ad1 = f32x4.abs(f32x4.sub(v128.load(q + 16), g1));
            let in0 = f32x4.le(ad0, sigma), in1 = f32x4.le(ad1, sigma);
            const t0 = f32x4.eq(ad0, sigma), t1 = f32x4.eq(ad1, sigma);
            if (v128.any_true(v128.or(t0, t1))) {
              in0 = onTheBound(in0, t0, a, p + dx, a2, p, Wp);
              in1 = onTheBound(in1, t1, a, p + dx + 4, a2, p + 4, Wp);
            }
            const m = i16x8.narrow_i32x4_s(in0, in1);
            const k = a + 4 * Wp + ((p + dx) << 1);
            n = i16x8.sub(n, m);
            sr = i16x8.add(sr, v128.and(m, v128.load(k)));
            sg = i16x8.add(sg, v128.and(m, v128.load(k + 2 * Wp)));
            sb = i16x8.add(sb, v128.and(m, v128.load(k + 4 * Wp)));
          }
        }
      }
      const cr = v128.load(a2 + 4 * Wp + (p << 1)), cg = v128.load(a2 + 6 * Wp + (p << 1)), cb = v128.load(a2 + 8 * Wp + (p << 1));
      if (on0) {
        const inv = n25(n, false, inv25);
        store3(o, stride, w0, lowF(cr), lowF(cg), lowF(cb), f32x4.mul(lowF(sr), inv), f32x4.mul(lowF(sg), inv), f32x4.mul(lowF(sb), inv));
      }
      if (on1) {
        const inv = n25(n, true, inv25);
        store3(o + 16, stride, w1, highF(cr), highF(cg), highF(cb), f32x4.mul(highF(sr), inv), f32x4.mul(highF(sg), inv), f32x4.mul(highF(sb), inv));
      }
    }
  }
}

/**
 * The flatness weight of four pixels (grey at ctr, the rows above and below at up and down): 1 where the
 * 3x3 grey deviation is at most FLAT_LO, 0 from FLAT_HI. In exact integer differences, so the sums do not cancel.
 */
@inline function flatness(up: usize, ctr: usize, down: usize): v128 {
  const zero = f32x4.splat(0);
  const l0 = v128.load(ctr);
  let s1 = zero, s2 = zero;
  for (let r = 0; r < 3; r++) {
    const row = r == 0 ? up : r == 1 ? ctr : down;
    for (let dx = -1; dx <= 1; dx++) {
      const d = f32x4.sub(v128.load(row + (<usize>(dx * 4))), l0);
      s1 = f32x4.add(s1, d);
      s2 = f32x4.add(s2, f32x4.mul(d, d));
    }
  }
  const ninth = f32x4.splat(<f32>(1.0 / 9.0));
  const m = f32x4.mul(s1, ninth);
  const sd = f32x4.sqrt(f32x4.max(zero, f32x4.mul(f32x4.sub(f32x4.mul(s2, ninth), f32x4.mul(m, m)), f32x4.splat(1e-6))));
  // FLAT_HI - FLAT_LO is 2: halving is exact.
  return f32x4.min(f32x4.splat(1), f32x4.max(zero, f32x4.mul(f32x4.sub(f32x4.splat(FLAT_HI), sd), f32x4.splat(1 / (FLAT_HI - FLAT_LO)))));
}

/** 1 / n of four lanes of the i16x8 counts (the plain mean's 1/25 when all 25 neighbours count, as f32 1/n is). */
@inline function n25(n: v128, high: bool, inv25: v128): v128 {
  if (i16x8.all_true(i16x8.eq(n, i16x8.splat(25)))) return inv25;
  return f32x4.div(f32x4.splat(1), high ? highF(n) : lowF(n));
}

@inline function lowF(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(v));
}

@inline function highF(v: v128): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(v));
}

@inline function store0(o: usize, stride: usize): void {
  const zero = f32x4.splat(0);
  v128.store(o, zero);
  v128.store(o + stride, zero);
  v128.store(o + 2 * stride, zero);
}

/**
 * The inclusion mask of four neighbours (ring row a, padded column q) where some lane lies exactly
 * GRAIN_SIGMA away in integer grey from the centres (ring row ctr, column p): there the definition's f64
 * grey (grain.ts greyOf) decides, as it compares |grey - grey0| > GRAIN_SIGMA.
 */
function onTheBound(inc: v128, tie: v128, a: usize, q: usize, ctr: usize, p: usize, Wp: usize): v128 {
  const m0 = i32x4.extract_lane(tie, 0) != 0 ? sigmaIn(a, q, ctr, p, Wp) : i32x4.extract_lane(inc, 0);
  const m1 = i32x4.extract_lane(tie, 1) != 0 ? sigmaIn(a, q + 1, ctr, p + 1, Wp) : i32x4.extract_lane(inc, 1);
  const m2 = i32x4.extract_lane(tie, 2) != 0 ? sigmaIn(a, q + 2, ctr, p + 2, Wp) : i32x4.extract_lane(inc, 2);
  const m3 = i32x4.extract_lane(tie, 3) != 0 ? sigmaIn(a, q + 3, ctr, p + 3, Wp) : i32x4.extract_lane(inc, 3);
  return i32x4(m0, m1, m2, m3);
}

/** -1 when the pixel at column q of ring row a is within GRAIN_SIGMA of the one at column p of row ctr in f64 grey (grain.ts), else 0. */
@inline function sigmaIn(a: usize, q: usize, ctr: usize, p: usize, Wp: usize): i32 {
  return abs(greyF64(a, q, Wp) - greyF64(ctr, p, Wp)) > GRAIN_SIGMA ? 0 : -1;
}

@inline function greyF64(a: usize, p: usize, Wp: usize): f64 {
  const k = a + (p << 1);
  return 0.299 * <f64>load<u16>(k + 4 * Wp) + 0.587 * <f64>load<u16>(k + 6 * Wp) + 0.114 * <f64>load<u16>(k + 8 * Wp);
}

/** The grain w * clamp(centre - mean) of three channels into the planes at o. */
@inline function store3(o: usize, stride: usize, w: v128, r: v128, g: v128, b: v128, mr: v128, mg: v128, mb: v128): void {
  const cl = f32x4.splat(CLAMP), ncl = f32x4.splat(-CLAMP);
  v128.store(o, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(r, mr)))));
  v128.store(o + stride, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(g, mg)))));
  v128.store(o + 2 * stride, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(b, mb)))));
}
