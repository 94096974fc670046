/**
 * Refocus's per-pixel work (../refocus.ts documents the layered gather; glsl/refocus.glsl is its twin).
 * refocusPrep packs what a gather sample reads into one 16-byte record per pixel (distance, coc, highlight
 * weight as f32, then r, g, b), so a sample touches one cache line instead of four arrays: the gather reads
 * up to 48 scattered samples per pixel and was bound by those loads.
 */
import { clampByte } from './grain.as';
import { grainPlaneStride } from './grain-plane.as';

/**
 * Per pixel of the W x H image: coc = min(maxBlur, aperture max(0, |s - focus| - range)) / 100 * H and the
 * highlight weight (refocus.ts). With `need` (else 0), also where refocusCompose's full-resolution level may
 * regrain, one byte per pixel and then 4 zero bytes: every pixel it does not copy as it is, i.e. whose search
 * radius (search, lowCol, lowRow: as refocusCompose's) or own coc reaches minCoc.
 */
export function refocusPrep(
  rgb: usize, dist: usize, W: i32, Hi: i32, focus: f64, aperture: f64, maxBlur: f64, H: f64, gain: f64, thr: f64, rec: usize, range: f64,
  search: usize, lowCol: usize, lowRow: usize, minCoc: f64, need: usize,
): void {
  const span = max(1e-3, 1 - thr);
  for (let y = 0; y < Hi; y++) {
    const lr = load<i32>(lowRow + (<usize>y << 2));
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const c = prepPixel(rgb, dist, i, focus, aperture, maxBlur, H, gain, thr, span, rec, range);
      if (need != 0) {
        const R = max(<f64>load<f32>(search + (<usize>(lr + load<i32>(lowCol + (<usize>x << 2))) << 2)), c);
        store<u8>(need + <usize>i, R >= minCoc ? 1 : 0);
      }
    }
  }
  if (need != 0) store<u32>(need + <usize>(W * Hi), 0);
}

/** refocusPrep's record of pixel i; returns its coc as stored (f32). */
@inline function prepPixel(
  rgb: usize, dist: usize, i: i32, focus: f64, aperture: f64, maxBlur: f64, H: f64, gain: f64, thr: f64, span: f64, rec: usize, range: f64,
): f64 {
  const s = <f64>load<f32>(dist + (<usize>i << 2));
  const o = rgb + <usize>i * 3;
  const r = load<u8>(o), g = load<u8>(o + 1), b = load<u8>(o + 2);
  const l = (0.299 * <f64>r + 0.587 * <f64>g + 0.114 * <f64>b) / 255.0;
  const d = rec + (<usize>i << 4);
  const c = <f32>((min(maxBlur, aperture * max(0, abs(s - focus) - range)) / 100) * H);
  store<f32>(d, <f32>s);
  store<f32>(d + 4, c);
  store<f32>(d + 8, <f32>(l > thr ? 1 + (gain * (l - thr)) / span : 1));
  store<u8>(d + 12, r);
  store<u8>(d + 13, g);
  store<u8>(d + 14, b);
  return <f64>c;
}

/** Samples of a pattern per coordinate: x at [0, PATTERN_STRIDE), y and r after it (../refocus.ts writes them). */
const PATTERN_STRIDE = 64;
/** Bytes of one pattern: the slot holds those of 12, 24 and 48 samples (common/effects/refocus.ts REFOCUS_SAMPLE_COUNTS) in turn. */
const PATTERN_BYTES: usize = PATTERN_STRIDE * 3 * 4;

/** Samples of a gather of radius R (px of its level): common/effects/refocus.ts refocusSamples. */
@inline function samplesFor(R: f64): i32 {
  const area = Math.PI * R * R;
  return area <= 6 ? 12 : area <= 24 ? 24 : 48;
}

/**
 * One pixel of the layered gather at (x, y) of a W x H record image, result rounded into out (3 bytes).
 * Four samples at a time in f32x4 (nSamples a multiple of 4): their records are loaded whole (16 bytes each)
 * and transposed, so the tests and weights of four samples are a few SIMD operations, without branches; sums
 * in f32 as the shader's.
 * Returns the share of the pixel's own value in the result (its grain survives in that share).
 */
@inline function gatherAt(
  rec: usize, W: i32, H: i32, x: i32, y: i32, R: f64, pattern: usize, nSamples: i32, thr: f64, fgEps: f64, o: usize,
): f64 {
  const p = rec + (<usize>(y * W + x) << 4);
  const c = <f64>load<f32>(p + 4);
  const sp = <f64>load<f32>(p);
  const w0 = <f64>load<f32>(p + 8);
  const zero = f32x4.splat(0), one = f32x4.splat(1), byte = i32x4.splat(255);
  const Rv = f32x4.splat(<f32>R), fxv = f32x4.splat(<f32>x + 0.5), fyv = f32x4.splat(<f32>y + 0.5);
  const W1 = i32x4.splat(W - 1), H1 = i32x4.splat(H - 1), Wv = i32x4.splat(W), izero = i32x4.splat(0);
  const cbv = f32x4.splat(<f32>(c + thr)), fgLimit = f32x4.splat(<f32>(sp - fgEps));
  const area = f32x4.splat(<f32>((R * R) / <f64>nSamples)), quarter = f32x4.splat(0.25), halfv = f32x4.splat(0.5);
  let br = zero, bg = zero, bb = zero, bw = zero, fr = zero, fg = zero, fb = zero, fw = zero, alpha = zero;
  for (let k = 0; k < nSamples; k += 4) {
    const pk = pattern + (<usize>k << 2);
    // Truncation is floor here: a negative coordinate is clamped to 0 either way.
    const qx = i32x4.min_s(W1, i32x4.max_s(izero, i32x4.trunc_sat_f32x4_s(f32x4.add(fxv, f32x4.mul(Rv, v128.load(pk))))));
    const qy = i32x4.min_s(H1, i32x4.max_s(izero, i32x4.trunc_sat_f32x4_s(f32x4.add(fyv, f32x4.mul(Rv, v128.load(pk + PATTERN_STRIDE * 4))))));
    const qi = i32x4.add(i32x4.mul(qy, Wv), qx);
    const r0 = v128.load(rec + (<usize>i32x4.extract_lane(qi, 0) << 4)), r1 = v128.load(rec + (<usize>i32x4.extract_lane(qi, 1) << 4));
    const r2 = v128.load(rec + (<usize>i32x4.extract_lane(qi, 2) << 4)), r3 = v128.load(rec + (<usize>i32x4.extract_lane(qi, 3) << 4));
    // Transpose: distance, coc, highlight weight and packed colour of the four samples.
    const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
    const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
    const sq = v128.shuffle<i64>(t0, t1, 0, 2), cq = v128.shuffle<i64>(t0, t1, 1, 3);
    const hw = v128.shuffle<i64>(t2, t3, 0, 2), col = v128.shuffle<i64>(t2, t3, 1, 3);
    const cr = f32x4.convert_i32x4_u(v128.and(col, byte));
    const cg = f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(col, 8), byte));
    const cb = f32x4.convert_i32x4_u(v128.and(i32x4.shr_u(col, 16), byte));
    const rv = f32x4.mul(Rv, v128.load(pk + PATTERN_STRIDE * 8));
    const front = f32x4.lt(sq, fgLimit);
    // In front: it covers this pixel by its own coc; weighted by its coverage of its own disc.
    const covF = f32x4.min(one, f32x4.sub(cq, rv));
    const a = v128.and(f32x4.div(f32x4.mul(covF, area), f32x4.max(f32x4.mul(cq, cq), quarter)), v128.and(front, f32x4.gt(covF, zero)));
    alpha = f32x4.add(alpha, a);
    const wf = f32x4.mul(a, hw);
    fr = f32x4.add(fr, f32x4.mul(wf, cr)); fg = f32x4.add(fg, f32x4.mul(wf, cg)); fb = f32x4.add(fb, f32x4.mul(wf, cb)); fw = f32x4.add(fw, wf);
    // Behind (or level): it spreads over this pixel up to this pixel's own coc plus the bleed threshold.
    const covB = f32x4.min(one, f32x4.add(f32x4.sub(f32x4.min(cq, cbv), rv), halfv));
    const wb = v128.and(f32x4.mul(covB, hw), v128.andnot(f32x4.gt(covB, zero), front));
    br = f32x4.add(br, f32x4.mul(wb, cr)); bg = f32x4.add(bg, f32x4.mul(wb, cg)); bb = f32x4.add(bb, f32x4.mul(wb, cb)); bw = f32x4.add(bw, wb);
  }
  const bwS = w0 + sum4(bw), fwS = sum4(fw);
  const al = fwS > 0 ? min(1, sum4(alpha)) : 0;
  const vr = ((w0 * <f64>load<u8>(p + 12) + sum4(br)) / bwS) * (1 - al) + (fwS > 0 ? (sum4(fr) / fwS) * al : 0);
  const vg = ((w0 * <f64>load<u8>(p + 13) + sum4(bg)) / bwS) * (1 - al) + (fwS > 0 ? (sum4(fg) / fwS) * al : 0);
  const vb = ((w0 * <f64>load<u8>(p + 14) + sum4(bb)) / bwS) * (1 - al) + (fwS > 0 ? (sum4(fb) / fwS) * al : 0);
  store<u8>(o, <u8><i32>(vr + 0.5));
  store<u8>(o + 1, <u8><i32>(vg + 0.5));
  store<u8>(o + 2, <u8><i32>(vb + 0.5));
  return (w0 / bwS) * (1 - al);
}

/** The sum of the four lanes, in f64. */
@inline function sum4(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

@inline function copyPixel(p: usize, o: usize): void {
  store<u8>(o, load<u8>(p + 12));
  store<u8>(o + 1, load<u8>(p + 13));
  store<u8>(o + 2, load<u8>(p + 14));
}

/**
 * The half-resolution records (Wh x Hh, Wh = ceil(W / 2)): each 2x2 block of `rec` averaged (colour,
 * highlight weight, distance) with its coc halved (px of the half image), when its cocs differ by less than
 * `pure` px; a block that straddles a depth edge is its farthest pixel instead, and is marked (byte 15 = 1)
 * so that its own pixels are gathered at full resolution.
 */
export function refocusHalve(rec: usize, W: i32, H: i32, pure: f64, half: usize): void {
  const Wh = (W + 1) >> 1, Hh = (H + 1) >> 1;
  for (let Y = 0; Y < Hh; Y++)
    for (let X = 0; X < Wh; X++) {
      if (2 * X + 1 < W && 2 * Y + 1 < H) {
        halveBlock(rec + (<usize>(2 * Y * W + 2 * X) << 4), <usize>W << 4, pure, half + (<usize>(Y * Wh + X) << 4));
        continue;
      }
      let n: f64 = 0, s: f64 = 0, c: f64 = 0, hw: f64 = 0, r: f64 = 0, g: f64 = 0, b: f64 = 0;
      let cmin: f64 = Infinity, cmax: f64 = -Infinity, far: usize = 0, sfar: f64 = -Infinity;
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const x = min(W - 1, 2 * X + dx), y = min(H - 1, 2 * Y + dy);
          const p = rec + (<usize>(y * W + x) << 4);
          const sp = <f64>load<f32>(p), cp = <f64>load<f32>(p + 4);
          n += 1; s += sp; c += cp; hw += <f64>load<f32>(p + 8);
          r += <f64>load<u8>(p + 12); g += <f64>load<u8>(p + 13); b += <f64>load<u8>(p + 14);
          cmin = min(cmin, cp); cmax = max(cmax, cp);
          if (sp > sfar) { sfar = sp; far = p; }
        }
      const d = half + (<usize>(Y * Wh + X) << 4);
      if (cmax - cmin < pure) {
        store<f32>(d, <f32>(s / n));
        store<f32>(d + 4, <f32>(c / n / 2));
        store<f32>(d + 8, <f32>(hw / n));
        store<u8>(d + 12, <u8><i32>(r / n + 0.5));
        store<u8>(d + 13, <u8><i32>(g / n + 0.5));
        store<u8>(d + 14, <u8><i32>(b / n + 0.5));
        store<u8>(d + 15, 0);
      } else {
        store<f32>(d, load<f32>(far));
        store<f32>(d + 4, load<f32>(far + 4) / 2);
        store<f32>(d + 8, load<f32>(far + 8));
        store<u8>(d + 12, load<u8>(far + 12));
        store<u8>(d + 13, load<u8>(far + 13));
        store<u8>(d + 14, load<u8>(far + 14));
        store<u8>(d + 15, 1);
      }
    }
}

/**
 * refocusHalve's block of four records inside the image (p: its upper left, row: bytes per record row) into
 * d: the same sums in the same order, in f64x2 lanes (distance and coc together, the highlight weight
 * beside) and the colours as exact integer sums, so the record is bit for bit refocusHalve's.
 */
@inline function halveBlock(p: usize, row: usize, pure: f64, d: usize): void {
  const a = v128.load(p), b = v128.load(p + 16), c = v128.load(p + row), e = v128.load(p + row + 16);
  const sc = f64x2.add(f64x2.add(f64x2.add(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c)), f64x2.promote_low_f32x4(e));
  const hw = <f64>f32x4.extract_lane(a, 2) + <f64>f32x4.extract_lane(b, 2) + <f64>f32x4.extract_lane(c, 2) + <f64>f32x4.extract_lane(e, 2);
  const c0 = f32x4.extract_lane(a, 1), c1 = f32x4.extract_lane(b, 1), c2 = f32x4.extract_lane(c, 1), c3 = f32x4.extract_lane(e, 1);
  const cmin = <f64>min(min(c0, c1), min(c2, c3)), cmax = <f64>max(max(c0, c1), max(c2, c3));
  if (cmax - cmin < pure) {
    // Bytes 12..14 of the four records: r, g, b (u16 lanes 4..6 after widening).
    const col = i16x8.add(i16x8.add(i16x8.extend_high_i8x16_u(a), i16x8.extend_high_i8x16_u(b)), i16x8.add(i16x8.extend_high_i8x16_u(c), i16x8.extend_high_i8x16_u(e)));
    store<f32>(d, <f32>(f64x2.extract_lane(sc, 0) / 4));
    store<f32>(d + 4, <f32>(f64x2.extract_lane(sc, 1) / 4 / 2));
    store<f32>(d + 8, <f32>(hw / 4));
    store<u8>(d + 12, <u8><i32>(<f64>i16x8.extract_lane_u(col, 4) / 4 + 0.5));
    store<u8>(d + 13, <u8><i32>(<f64>i16x8.extract_lane_u(col, 5) / 4 + 0.5));
    store<u8>(d + 14, <u8><i32>(<f64>i16x8.extract_lane_u(col, 6) / 4 + 0.5));
    store<u8>(d + 15, 0);
    return;
  }
  // The farthest pixel (the first of equals, in refocusHalve's order).
  const s0 = f32x4.extract_lane(a, 0), s1 = f32x4.extract_lane(b, 0), s2 = f32x4.extract_lane(c, 0), s3 = f32x4.extract_lane(e, 0);
  let far = a, sf = s0;
  if (s1 > sf) { far = b; sf = s1; }
  if (s2 > sf) { far = c; sf = s2; }
  if (s3 > sf) { far = e; sf = s3; }
  v128.store(d, far);
  store<f32>(d + 4, f32x4.extract_lane(far, 1) / 2);
  store<u8>(d + 15, 1);
}

/**
 * One level of the refocus pyramid (W x H records `rec`; search: per low-res sample, px of this level;
 * lowCol/lowRow: each column's low-res column, each row's low-res row offset; pattern: the patterns of 12, 24
 * and 48 samples, each x, y and r of its samples PATTERN_STRIDE apart).
 * A pixel blurred by at least `minHalf` px whose own 2x2 block is pure takes the bilinear mix of the pure
 * neighbouring blocks of the next level (`half`, gathered into `halfOut`, Wh x Hh RGB8) whose coc is within
 * `tol` px of its own: its blur is wider than that level's grid, so nothing is lost. Every other pixel (in
 * focus, or at a depth edge) is gathered at this level. Without a next level (half = 0) every pixel is
 * gathered. Pixels whose coc is below `skipBelow`, or marked (byte 15, refocusHalve) when `skipMarked`,
 * are left as they are: the level above reads none of them. `grain` (full resolution only, else 0) is
 * the regrain amount: refocusRegrain adds back the source's grain the gather removed, read from `planes`
 * (grain-plane.as.ts grainPlane, computed where refocusPrep marked).
 */
export function refocusCompose(
  rec: usize, half: usize, halfOut: usize, search: usize, lowCol: usize, lowRow: usize, pattern: usize,
  W: i32, H: i32, thr: f64, minCoc: f64, fgEps: f64, minHalf: f64, tol: f64,
  skipBelow: f64, skipMarked: bool, out: usize, grain: f64, planes: usize,
): void {
  const gStride = grainPlaneStride(W, H) << 2;
  const Wh = (W + 1) >> 1, Hh = (H + 1) >> 1;
  // halfGroup's pixels are neither skipped nor copied: c >= minHalf implies both tests.
  const groups = half != 0 && minHalf >= skipBelow && minHalf >= minCoc;
  for (let y = 0; y < H; y++) {
    const lr = load<i32>(lowRow + (<usize>y << 2));
    // The next level's sample grid: pixel y lies at (y + 0.5) / 2 - 0.5 of it, a quarter of a block past
    // block (y - 1) >> 1 (even y: weight 0.75 on the upper block) or (y >> 1) (odd y: 0.25 on the lower).
    const Y0 = (y - 1) >> 1, ty: f64 = y & 1 ? 0.25 : 0.75;
    const ya = <usize>(max(0, Y0) * Wh), yb = <usize>(min(Hh - 1, Y0 + 1) * Wh);
    for (let x = 0; x < W; x++) {
      // Four pixels at once where all four take four pure blocks of the next level (away from the borders).
      if ((x & 3) == 0 && groups && x >= 4 && x + 4 <= W && (x >> 1) + 3 <= Wh) {
        if (halfGroup(rec, half, halfOut, x, y, W, ya, yb, ty, minHalf, tol, skipMarked, out, grain, planes, gStride)) {
          x += 3;
          continue;
        }
      }
      const i = y * W + x;
      const p = rec + (<usize>i << 4);
      const o = out + <usize>i * 3;
      const c = <f64>load<f32>(p + 4);
      if (c < skipBelow || (skipMarked && load<u8>(p + 15) != 0)) continue;
      const R = max(<f64>load<f32>(search + (<usize>(lr + load<i32>(lowCol + (<usize>x << 2))) << 2)), c);
      if (R < minCoc) {
        copyPixel(p, o);
        continue;
      }
      if (half != 0 && c >= minHalf && load<u8>(half + (<usize>((y >> 1) * Wh + (x >> 1)) << 4) + 15) == 0) {
        const X0 = (x - 1) >> 1, tx: f64 = x & 1 ? 0.25 : 0.75;
        const xa = <usize>max(0, X0), xb = <usize>min(Wh - 1, X0 + 1);
        let wr: f64 = 0, wg: f64 = 0, wb: f64 = 0, ws: f64 = 0;
        // The four blocks in the order (upper left, upper right, lower left, lower right).
        for (let q = 0; q < 4; q++) {
          const b = (q >> 1 ? yb : ya) + (q & 1 ? xb : xa);
          const hb = half + (b << 4);
          if (load<u8>(hb + 15) != 0 || abs(2 * <f64>load<f32>(hb + 4) - c) >= tol) continue;
          const w = (q & 1 ? tx : 1 - tx) * (q >> 1 ? ty : 1 - ty);
          const ho = halfOut + b * 3;
          wr += w * <f64>load<u8>(ho); wg += w * <f64>load<u8>(ho + 1); wb += w * <f64>load<u8>(ho + 2); ws += w;
        }
        if (ws > 0) {
          // All four blocks taken: the weights sum to exactly 1 (quarters of dyadic fractions).
          if (ws != 1) { wr /= ws; wg /= ws; wb /= ws; }
          store<u8>(o, <u8><i32>(wr + 0.5));
          store<u8>(o + 1, <u8><i32>(wg + 0.5));
          store<u8>(o + 2, <u8><i32>(wb + 0.5));
          if (grain > 0) refocusRegrain(planes + (<usize>i << 2), gStride, grain, o);
          continue;
        }
      }
      const n = samplesFor(R);
      const kept = gatherAt(rec, W, H, x, y, R, pattern + (n == 12 ? 0 : n == 24 ? PATTERN_BYTES : 2 * PATTERN_BYTES), n, thr, fgEps, o);
      if (grain > 0 && kept < 1) refocusRegrain(planes + (<usize>i << 2), gStride, grain * (1 - kept), o);
    }
  }
}

/** The cocs of the four records from h. */
@inline function cocs4(h: usize): v128 {
  return f32x4(load<f32>(h + 4), load<f32>(h + 20), load<f32>(h + 36), load<f32>(h + 52));
}

/**
 * refocusCompose's bilinear mix of the next level for pixels x..x+3 of row y (x a multiple of 4, blocks
 * x / 2 - 1 .. x / 2 + 2 inside the next level), when all four pixels take it with all four of their
 * blocks (then the weights are 1/16ths and the sums exact in f32, so the result is the same as one pixel
 * at a time), plus the regrain; returns false, having written nothing, otherwise.
 */
@inline function halfGroup(
  rec: usize, half: usize, halfOut: usize, x: i32, y: i32, W: i32, ya: usize, yb: usize, ty: f64,
  minHalf: f64, tol: f64, skipMarked: bool, out: usize, grain: f64, planes: usize, gStride: usize,
): bool {
  const i = y * W + x;
  const p = rec + (<usize>i << 4);
  if (skipMarked && (load<u8>(p + 15) | load<u8>(p + 31) | load<u8>(p + 47) | load<u8>(p + 63)) != 0) return false;
  const bx = <usize>((x >> 1) - 1);
  const ha = half + ((ya + bx) << 4), hb = half + ((yb + bx) << 4);
  if ((load<u8>(ha + 15) | load<u8>(ha + 31) | load<u8>(ha + 47) | load<u8>(ha + 63) | load<u8>(hb + 15) | load<u8>(hb + 31) | load<u8>(hb + 47) | load<u8>(hb + 63)) != 0) return false;
  // The four pixels' cocs at least minHalf, and each within tol of both its blocks' in both rows (near, four
  // at a time in f32: |2 coc_b - c| differs from near's f64 only within a rounding of tol). Pixel 0 takes
  // blocks 0 and 1 of the four, pixels 1 and 2 blocks 1 and 2, pixel 3 blocks 2 and 3.
  const c = f32x4(load<f32>(p + 4), load<f32>(p + 20), load<f32>(p + 36), load<f32>(p + 52));
  const A = f32x4.add(cocs4(ha), cocs4(ha)), B = f32x4.add(cocs4(hb), cocs4(hb)), tv = f32x4.splat(<f32>tol);
  const inA = v128.and(f32x4.lt(f32x4.abs(f32x4.sub(v128.shuffle<i32>(A, A, 0, 1, 1, 2), c)), tv), f32x4.lt(f32x4.abs(f32x4.sub(v128.shuffle<i32>(A, A, 1, 2, 2, 3), c)), tv));
  const inB = v128.and(f32x4.lt(f32x4.abs(f32x4.sub(v128.shuffle<i32>(B, B, 0, 1, 1, 2), c)), tv), f32x4.lt(f32x4.abs(f32x4.sub(v128.shuffle<i32>(B, B, 1, 2, 2, 3), c)), tv));
  if (!i32x4.all_true(v128.and(v128.and(inA, inB), f32x4.ge(c, f32x4.splat(<f32>minHalf))))) return false;
  // Weights in refocusCompose's order (upper left, upper right, lower left, lower right); even x: 0.75 on the right block.
  const wyA = f32x4.splat(<f32>(1 - ty)), wyB = f32x4.splat(<f32>ty);
  const wxA = f32x4(0.25, 0.75, 0.25, 0.75), wxB = f32x4(0.75, 0.25, 0.75, 0.25);
  const w0 = f32x4.mul(wxA, wyA), w1 = f32x4.mul(wxB, wyA), w2 = f32x4.mul(wxA, wyB), w3 = f32x4.mul(wxB, wyB);
  // 16 bytes hold the 12 of the four blocks' colours.
  const ca = v128.load(halfOut + (ya + bx) * 3), cb = v128.load(halfOut + (yb + bx) * 3);
  const r = mix(ca, cb, 0, w0, w1, w2, w3), g = mix(ca, cb, 1, w0, w1, w2, w3), b = mix(ca, cb, 2, w0, w1, w2, w3);
  let ri = i32x4.trunc_sat_f32x4_s(f32x4.add(r, f32x4.splat(0.5)));
  let gi = i32x4.trunc_sat_f32x4_s(f32x4.add(g, f32x4.splat(0.5)));
  let bi = i32x4.trunc_sat_f32x4_s(f32x4.add(b, f32x4.splat(0.5)));
  if (grain > 0) {
    const gp = planes + (<usize>i << 2);
    ri = regrain4(ri, v128.load(gp), <f32>grain);
    gi = regrain4(gi, v128.load(gp + gStride), <f32>grain);
    bi = regrain4(bi, v128.load(gp + 2 * gStride), <f32>grain);
  }
  const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(ri, gi), i16x8.narrow_i32x4_s(bi, bi));
  const rgb = i8x16.shuffle(bytes, bytes, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13, 14, 15);
  const o = out + <usize>i * 3;
  v128.store64_lane(o, rgb, 0);
  v128.store32_lane(o + 8, rgb, 2);
  return true;
}

/** Channel ch of the four pixels: the bilinear mix of blocks (left, right) in rows a and b (12 packed bytes each). */
@inline function mix(ca: v128, cb: v128, ch: i32, w0: v128, w1: v128, w2: v128, w3: v128): v128 {
  // The four blocks' values of the channel, then each pixel's left and right block.
  const sel = ch == 0 ? i8x16(0, -1, -1, -1, 3, -1, -1, -1, 6, -1, -1, -1, 9, -1, -1, -1)
    : ch == 1 ? i8x16(1, -1, -1, -1, 4, -1, -1, -1, 7, -1, -1, -1, 10, -1, -1, -1)
    : i8x16(2, -1, -1, -1, 5, -1, -1, -1, 8, -1, -1, -1, 11, -1, -1, -1);
  const a = f32x4.convert_i32x4_u(i8x16.swizzle(ca, sel)), b = f32x4.convert_i32x4_u(i8x16.swizzle(cb, sel));
  const al = v128.shuffle<i32>(a, a, 0, 1, 1, 2), ar = v128.shuffle<i32>(a, a, 1, 2, 2, 3);
  const bl = v128.shuffle<i32>(b, b, 0, 1, 1, 2), br = v128.shuffle<i32>(b, b, 1, 2, 2, 3);
  return f32x4.add(f32x4.add(f32x4.add(f32x4.mul(w0, al), f32x4.mul(w1, ar)), f32x4.mul(w2, bl)), f32x4.mul(w3, br));
}

/**
 * clampByte(v + amount * g) per lane (v: i32x4 levels, g: f32x4 grain), in f32: four lanes instead of two
 * pairs of f64 lanes; it differs from refocusRegrain's f64 only where v + amount * g + 0.5 falls within an
 * f32 rounding of a whole level.
 */
@inline function regrain4(v: v128, g: v128, amount: f32): v128 {
  const r = f32x4.add(f32x4.add(f32x4.convert_i32x4_s(v), f32x4.mul(f32x4.splat(amount), g)), f32x4.splat(0.5));
  return i32x4.trunc_sat_f32x4_s(f32x4.min(f32x4.splat(255), f32x4.max(f32x4.splat(0), r)));
}

/** Adds `amount` times the source's grain (its r plane at g, the others gStride bytes apart) to the result at o. */
@inline function refocusRegrain(g: usize, gStride: usize, amount: f64, o: usize): void {
  store<u8>(o, clampByte(<f64>load<u8>(o) + amount * <f64>load<f32>(g)));
  store<u8>(o + 1, clampByte(<f64>load<u8>(o + 1) + amount * <f64>load<f32>(g + gStride)));
  store<u8>(o + 2, clampByte(<f64>load<u8>(o + 2) + amount * <f64>load<f32>(g + 2 * gStride)));
}
