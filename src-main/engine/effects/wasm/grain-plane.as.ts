/**
 * The source's grain (grain.as.ts grainAt, the definition's twin) for a whole frame at once, four pixels
 * per f32x4, into three f32 planes (r, g, b; each grainPlaneStride(W, H) floats) that relight and refocus
 * read instead of calling grainAt per pixel: per-pixel calls, clamped addressing and branches cost more
 * than the arithmetic.
 * Same steps as grainAt: the 3x3 grey deviation gives the flatness weight w, and where some w of the four
 * is above 0 the 5x5 sigma mean. Grey is kept as the integer 299 r + 587 g + 114 b (exact in f32), so
 * the sigma test |grey - grey0| > GRAIN_SIGMA is exact; where a neighbour lies exactly GRAIN_SIGMA away
 * (the definition's f64 rounding decides), that neighbour is tested in f64 as the definition does. Rows are unpacked
 * into a ring of five padded rows (edge pixels repeated, as the definition clamps), so the 5x5 loads
 * need no clamping. Where every grey of the 5x5 lies strictly within GRAIN_SIGMA of the centre's (most
 * flat areas), the sigma mean is the plain 5x5 mean: the same integer sums, taken from column sums of
 * the five rows (and their grey minimum and maximum, which make that test) shared by the row's pixels.
 */

const FLAT_LO: f32 = 2;
const FLAT_HI: f32 = 4;
const CLAMP: f32 = 6;
/** GRAIN_SIGMA in grey levels x 1000. */
const SIGMA_K: f32 = 8000;
/** GRAIN_SIGMA in grey levels. */
const GRAIN_SIGMA: f64 = 8;
/** Padding of a ring row: 2 pixels before, 6 after (the last group of four reads 4 past the edge plus 2). */
const PAD_L = 2;
const PAD = 8;

/** Floats per grain plane of a W x H frame (the last group of four may write past W * H). */
@inline export function grainPlaneStride(W: i32, H: i32): usize {
  return <usize>(W * H + 4);
}

/** Unpacks row y of packed RGB8 into the ring's four padded planes (grey x 1000, r, g, b as f32). */
function fillRow(rgb: usize, W: i32, y: i32, ring: usize): void {
  const Wp = W + PAD;
  const rowBytes = <usize>(4 * Wp) << 2;
  const base = ring + <usize>(y % 5) * rowBytes;
  const pl = <usize>Wp << 2;
  const src = rgb + <usize>(y * W) * 3;
  const kr = f32x4.splat(299), kg = f32x4.splat(587), kb = f32x4.splat(114);
  let x = 0;
  for (; x + 4 <= W; x += 4) {
    const px4 = v128.load(src + <usize>x * 3);
    const r = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1)));
    const g = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1)));
    const b = f32x4.convert_i32x4_u(i8x16.swizzle(px4, i8x16(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1)));
    const d = base + (<usize>(x + PAD_L) << 2);
    v128.store(d, f32x4.add(f32x4.add(f32x4.mul(r, kr), f32x4.mul(g, kg)), f32x4.mul(b, kb)));
    v128.store(d + pl, r);
    v128.store(d + 2 * pl, g);
    v128.store(d + 3 * pl, b);
  }
  for (; x < W; x++) pixel(src + <usize>x * 3, base + (<usize>(x + PAD_L) << 2), pl);
  for (let p = 0; p < PAD_L; p++) copy(base, PAD_L, p, pl);
  for (let p = W + PAD_L; p < Wp; p++) copy(base, W + PAD_L - 1, p, pl);
}

@inline function pixel(s: usize, d: usize, pl: usize): void {
  const r = <f32>load<u8>(s), g = <f32>load<u8>(s + 1), b = <f32>load<u8>(s + 2);
  store<f32>(d, 299 * r + 587 * g + 114 * b);
  store<f32>(d + pl, r);
  store<f32>(d + 2 * pl, g);
  store<f32>(d + 3 * pl, b);
}

@inline function copy(base: usize, from: i32, to: i32, pl: usize): void {
  const s = base + (<usize>from << 2), d = base + (<usize>to << 2);
  for (let c: usize = 0; c < 4; c++) store<f32>(d + c * pl, load<f32>(s + c * pl));
}

/**
 * The grain of packed RGB8 `rgb` (W x H) into `out` (planes r, g, b, grainPlaneStride(W, H) floats
 * apart), at every group of four pixels when `need` is 0, else where one of the group's bytes in `need`
 * (one per pixel, W x H + 4) is not 0; other groups are left as they were. `ring`: 5 rows x 4 planes
 * x (W + 8) f32, then 5 planes x (W + 12) f32 of column sums.
 */
export function grainPlane(rgb: usize, W: i32, H: i32, need: usize, ring: usize, out: usize): void {
  const Wp = W + PAD;
  const rowBytes = <usize>(4 * Wp) << 2;
  const pl = <usize>Wp << 2;
  const stride = grainPlaneStride(W, H) << 2;
  const zero = f32x4.splat(0), one = f32x4.splat(1), sigma = f32x4.splat(SIGMA_K);
  const ninth = f32x4.splat(<f32>(1.0 / 9.0)), milli2 = f32x4.splat(1e-6);
  // FLAT_HI - FLAT_LO is 2: halving is exact.
  const hi = f32x4.splat(FLAT_HI), halfSpan = f32x4.splat(1 / (FLAT_HI - FLAT_LO));
  // The column sums of the five rows (r, g, b, grey minimum, grey maximum), per padded column.
  const cols = ring + 5 * rowBytes, cpl = <usize>(W + 12) << 2;
  const inf = f32x4.splat(Infinity), ninf = f32x4.splat(-Infinity), inv25 = f32x4.splat(<f32>(1.0 / 25.0));
  for (let y = 0; y < min(2, H); y++) fillRow(rgb, W, y, ring);
  for (let y = 0; y < H; y++) {
    if (y + 2 < H) fillRow(rgb, W, y + 2, ring);
    // The ring rows of y - 2 .. y + 2, clamped to the frame.
    const a0 = ring + <usize>(max(0, y - 2) % 5) * rowBytes, a1 = ring + <usize>(max(0, y - 1) % 5) * rowBytes;
    const a2 = ring + <usize>(y % 5) * rowBytes;
    const a3 = ring + <usize>(min(H - 1, y + 1) % 5) * rowBytes, a4 = ring + <usize>(min(H - 1, y + 2) % 5) * rowBytes;
    for (let p: usize = 0; p < <usize>Wp << 2; p += 16) {
      let cr = zero, cg = zero, cb = zero, lo = inf, up = ninf;
      for (let r = 0; r < 5; r++) {
        const q = (r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : r == 3 ? a3 : a4) + p;
        const l = v128.load(q);
        lo = f32x4.min(lo, l);
        up = f32x4.max(up, l);
        cr = f32x4.add(cr, v128.load(q + pl));
        cg = f32x4.add(cg, v128.load(q + 2 * pl));
        cb = f32x4.add(cb, v128.load(q + 3 * pl));
      }
      v128.store(cols + p, cr);
      v128.store(cols + cpl + p, cg);
      v128.store(cols + 2 * cpl + p, cb);
      v128.store(cols + 3 * cpl + p, lo);
      v128.store(cols + 4 * cpl + p, up);
    }
    for (let X = 0; X < W; X += 4) {
      if (need != 0 && load<u32>(need + <usize>(y * W + X)) == 0) continue;
      const c = <usize>(X + PAD_L) << 2;
      const l0 = v128.load(a2 + c);
      // The 3x3 grey deviation about the centre (exact integers, so the sums do not cancel).
      let s1 = zero, s2 = zero;
      for (let r = 0; r < 3; r++) {
        const row = (r == 0 ? a1 : r == 1 ? a2 : a3) + c;
        for (let dx = -1; dx <= 1; dx++) {
          const d = f32x4.sub(v128.load(row + (<usize>(dx * 4))), l0);
          s1 = f32x4.add(s1, d);
          s2 = f32x4.add(s2, f32x4.mul(d, d));
        }
      }
      const m = f32x4.mul(s1, ninth);
      const sd = f32x4.sqrt(f32x4.max(zero, f32x4.mul(f32x4.sub(f32x4.mul(s2, ninth), f32x4.mul(m, m)), milli2)));
      const w = f32x4.min(one, f32x4.max(zero, f32x4.mul(f32x4.sub(hi, sd), halfSpan)));
      const o = out + (<usize>(y * W + X) << 2);
      if (!v128.any_true(f32x4.gt(w, zero))) {
        v128.store(o, zero);
        v128.store(o + stride, zero);
        v128.store(o + 2 * stride, zero);
        continue;
      }
      let sr = zero, sg = zero, sb = zero, lo = inf, up = ninf;
      for (let dx = -2; dx <= 2; dx++) {
        const q = cols + c + (<usize>(dx * 4));
        sr = f32x4.add(sr, v128.load(q));
        sg = f32x4.add(sg, v128.load(q + cpl));
        sb = f32x4.add(sb, v128.load(q + 2 * cpl));
        lo = f32x4.min(lo, v128.load(q + 3 * cpl));
        up = f32x4.max(up, v128.load(q + 4 * cpl));
      }
      if (i32x4.all_true(v128.and(f32x4.lt(f32x4.sub(up, l0), sigma), f32x4.lt(f32x4.sub(l0, lo), sigma)))) {
        // No neighbour is excluded: the plain mean (the same exact integer sums the loop below would take).
        store3(o, stride, w, a2 + c, pl, f32x4.mul(sr, inv25), f32x4.mul(sg, inv25), f32x4.mul(sb, inv25));
        continue;
      }
      let n = zero;
      sr = zero; sg = zero; sb = zero;
      for (let r = 0; r < 5; r++) {
        const row = (r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : r == 3 ? a3 : a4) + c;
        for (let dx = -2; dx <= 2; dx++) {
          const q = row + (<usize>(dx * 4));
          const ad = f32x4.abs(f32x4.sub(v128.load(q), l0));
          let inc = f32x4.le(ad, sigma);
          const tie = f32x4.eq(ad, sigma);
          if (v128.any_true(tie)) inc = onTheBound(inc, tie, q, a2 + c, pl);
          n = f32x4.add(n, v128.and(inc, one));
          sr = f32x4.add(sr, v128.and(inc, v128.load(q + pl)));
          sg = f32x4.add(sg, v128.and(inc, v128.load(q + 2 * pl)));
          sb = f32x4.add(sb, v128.and(inc, v128.load(q + 3 * pl)));
        }
      }
      const inv = f32x4.div(one, n);
      store3(o, stride, w, a2 + c, pl, f32x4.mul(sr, inv), f32x4.mul(sg, inv), f32x4.mul(sb, inv));
    }
  }
}

/**
 * The inclusion mask of one neighbour (grey planes at q, the centre's at ctr; r, g, b pl, 2 pl, 3 pl
 * after) where some lane lies exactly GRAIN_SIGMA away in integer grey: there the definition's f64 grey
 * (grain.ts greyOf) decides, as it compares |grey - grey0| > GRAIN_SIGMA.
 */
function onTheBound(inc: v128, tie: v128, q: usize, ctr: usize, pl: usize): v128 {
  const m0 = i32x4.extract_lane(tie, 0) != 0 ? sigmaIn(q, ctr, pl) : i32x4.extract_lane(inc, 0);
  const m1 = i32x4.extract_lane(tie, 1) != 0 ? sigmaIn(q + 4, ctr + 4, pl) : i32x4.extract_lane(inc, 1);
  const m2 = i32x4.extract_lane(tie, 2) != 0 ? sigmaIn(q + 8, ctr + 8, pl) : i32x4.extract_lane(inc, 2);
  const m3 = i32x4.extract_lane(tie, 3) != 0 ? sigmaIn(q + 12, ctr + 12, pl) : i32x4.extract_lane(inc, 3);
  return i32x4(m0, m1, m2, m3);
}

/** -1 when the pixel at q is within GRAIN_SIGMA of the one at ctr in f64 grey (grain.ts), else 0. */
@inline function sigmaIn(q: usize, ctr: usize, pl: usize): i32 {
  return abs(greyF64(q, pl) - greyF64(ctr, pl)) > GRAIN_SIGMA ? 0 : -1;
}

@inline function greyF64(p: usize, pl: usize): f64 {
  return 0.299 * <f64>load<f32>(p + pl) + 0.587 * <f64>load<f32>(p + 2 * pl) + 0.114 * <f64>load<f32>(p + 3 * pl);
}

/** The grain w * clamp(centre - mean) of three channels (centre planes pl apart at src) into the planes at o. */
@inline function store3(o: usize, stride: usize, w: v128, src: usize, pl: usize, mr: v128, mg: v128, mb: v128): void {
  const cl = f32x4.splat(CLAMP), ncl = f32x4.splat(-CLAMP);
  v128.store(o, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(v128.load(src + pl), mr)))));
  v128.store(o + stride, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(v128.load(src + 2 * pl), mg)))));
  v128.store(o + 2 * stride, f32x4.mul(w, f32x4.min(cl, f32x4.max(ncl, f32x4.sub(v128.load(src + 3 * pl), mb)))));
}
