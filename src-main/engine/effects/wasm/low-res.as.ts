/**
 * The analysis-resolution work of export, once per frame (AssemblyScript; built with kernels.as.ts): the
 * guided filter's coefficients (../guided-filter.ts cellLuma + guidedCoefficients) and relight's surface
 * maps (../surface.ts surfaceMaps). Why here: in TypeScript they allocated a dozen Float64Arrays a frame and
 * cost more than the full-resolution passes they feed. The math is the TypeScript's, step for step and in
 * the same order (f64, f32 where the TypeScript stores f32), so export and the preview (which runs the
 * TypeScript) agree; test/effects/wasm-low-res.test.ts compares them.
 */

@inline function f64At(p: usize, k: i32): f64 {
  return load<f64>(p + (<usize>k << 3));
}
@inline function f32At(p: usize, k: i32): f64 {
  return <f64>load<f32>(p + (<usize>k << 2));
}

/**
 * guided-filter.ts boxMean: radius r, windows clamped at the borders; src f32 (srcF32) or f64, dst f64.
 * Small radii (the guided filter's) sum each window as the TypeScript does; larger ones (relight's surface
 * smoothing, about 11 samples) keep running sums, one add and one subtract a sample instead of 2r + 1, which
 * differ from the TypeScript's sums by f64 rounding only. line: w f64 of scratch (the running column sums).
 */
function boxMean(src: usize, srcF32: bool, w: i32, h: i32, r: i32, tmp: usize, dst: usize, line: usize): void {
  if (r <= RUNNING_SUM_FROM) {
    boxMeanDirect(src, srcF32, w, h, r, tmp, dst);
    return;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s: f64 = 0;
    for (let k = 0; k <= min(r, w - 1); k++) s += srcF32 ? f32At(src, row + k) : f64At(src, row + k);
    for (let x = 0; x < w; x++) {
      const x0 = max(0, x - r), x1 = min(w - 1, x + r);
      store<f64>(tmp + (<usize>(row + x) << 3), s / <f64>(x1 - x0 + 1));
      if (x + r + 1 < w) s += srcF32 ? f32At(src, row + x + r + 1) : f64At(src, row + x + r + 1);
      if (x - r >= 0) s -= srcF32 ? f32At(src, row + x - r) : f64At(src, row + x - r);
    }
  }
  memory.fill(line, 0, <usize>w << 3);
  for (let k = 0; k <= min(r, h - 1); k++) addRow(line, tmp + (<usize>(k * w) << 3), w, 1);
  for (let y = 0; y < h; y++) {
    const y0 = max(0, y - r), y1 = min(h - 1, y + r);
    const inv = f64x2.splat(1 / <f64>(y1 - y0 + 1));
    const d = dst + (<usize>(y * w) << 3);
    let x = 0;
    for (; x + 1 < w; x += 2) v128.store(d + (<usize>x << 3), f64x2.mul(v128.load(line + (<usize>x << 3)), inv));
    if (x < w) store<f64>(d + (<usize>x << 3), f64At(line, x) * f64x2.extract_lane(inv, 0));
    if (y + r + 1 < h) addRow(line, tmp + (<usize>((y + r + 1) * w) << 3), w, 1);
    if (y - r >= 0) addRow(line, tmp + (<usize>((y - r) * w) << 3), w, -1);
  }
}

/** Radii up to this are summed window by window (boxMeanDirect). */
const RUNNING_SUM_FROM = 3;

/** line += sign * row (w f64). */
@inline function addRow(line: usize, row: usize, w: i32, sign: f64): void {
  const sv = f64x2.splat(sign);
  let x = 0;
  for (; x + 1 < w; x += 2) {
    const o = <usize>x << 3;
    v128.store(line + o, f64x2.add(v128.load(line + o), f64x2.mul(sv, v128.load(row + o))));
  }
  if (x < w) store<f64>(line + (<usize>x << 3), f64At(line, x) + sign * f64At(row, x));
}

function boxMeanDirect(src: usize, srcF32: bool, w: i32, h: i32, r: i32, tmp: usize, dst: usize): void {
  // Two neighbouring outputs at once in f64x2 lanes, each lane summing its own window in the same order as
  // the one-at-a-time loop (so the results are bit for bit the same); windows clamped at a border one at a time.
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let x = 0;
    for (; x < w; x++) {
      if (x >= r && x + 1 + r <= w - 1) break;
      boxAt(src, srcF32, row, w, x, r, tmp);
    }
    for (; x + 1 + r <= w - 1; x += 2) {
      let acc = f64x2.splat(0);
      for (let k = 0; k < n; k++) {
        const at = row + x - r + k;
        acc = f64x2.add(acc, srcF32 ? f64x2.promote_low_f32x4(v128.load64_zero(src + (<usize>at << 2))) : v128.load(src + (<usize>at << 3)));
      }
      v128.store(tmp + (<usize>(row + x) << 3), f64x2.div(acc, f64x2.splat(<f64>n)));
    }
    for (; x < w; x++) boxAt(src, srcF32, row, w, x, r, tmp);
  }
  for (let y = 0; y < h; y++) {
    const y0 = max(0, y - r), y1 = min(h - 1, y + r);
    const cnt = f64x2.splat(<f64>(y1 - y0 + 1));
    let x = 0;
    for (; x + 1 < w; x += 2) {
      let acc = f64x2.splat(0);
      for (let k = y0; k <= y1; k++) acc = f64x2.add(acc, v128.load(tmp + (<usize>(k * w + x) << 3)));
      v128.store(dst + (<usize>(y * w + x) << 3), f64x2.div(acc, cnt));
    }
    for (; x < w; x++) {
      let s: f64 = 0;
      for (let k = y0; k <= y1; k++) s += f64At(tmp, k * w + x);
      store<f64>(dst + (<usize>(y * w + x) << 3), s / <f64>(y1 - y0 + 1));
    }
  }
}

/** One output of boxMeanDirect's row pass, its window clamped to the row. */
@inline function boxAt(src: usize, srcF32: bool, row: i32, w: i32, x: i32, r: i32, tmp: usize): void {
  let s: f64 = 0;
  const x0 = max(0, x - r), x1 = min(w - 1, x + r);
  for (let k = x0; k <= x1; k++) s += srcF32 ? f32At(src, row + k) : f64At(src, row + k);
  store<f64>(tmp + (<usize>(row + x) << 3), s / <f64>(x1 - x0 + 1));
}

/**
 * cellLuma + guidedCoefficients. colCell: each output column's low-res column (-1: none); rowSpan: each
 * low-res row's [y0, y1). I: lw*lh f32 (the cell luma, written); scratch: 12 f64 planes of lw*lh plus 2*lw;
 * out: A, B interleaved (f32).
 */
export function guidedLow(
  rgb: usize, W: i32, depth: usize, lw: i32, lh: i32, colCell: usize, rowSpan: usize,
  I: usize, scratch: usize, r: i32, eps: f64, out: usize,
): void {
  const n = lw * lh;
  const N = <usize>n << 3;
  const sum = scratch, cnt = scratch + (<usize>lw << 3);
  const base = cnt + (<usize>lw << 3);
  const p = base, Ip = base + N, II = base + 2 * N, mI = base + 3 * N, mp = base + 4 * N, mIp = base + 5 * N, mII = base + 6 * N;
  const a = base + 7 * N, b = base + 8 * N, tmp = base + 9 * N, A = base + 10 * N, B = mI;
  for (let j = 0; j < lh; j++) {
    memory.fill(sum, 0, <usize>lw << 4);
    const y0 = load<i32>(rowSpan + (<usize>(2 * j) << 2)), y1 = load<i32>(rowSpan + (<usize>(2 * j + 1) << 2));
    for (let y = y0; y < y1; y++) {
      // A cell's pixels of a row are consecutive: their sum is kept in a register while the cell lasts (the
      // same additions in the same order as the TypeScript's, without a store and load per pixel).
      let o = rgb + <usize>(y * W) * 3;
      let c = -1, s: f64 = 0, m = 0;
      for (let x = 0; x < W; x++, o += 3) {
        const cx = load<i32>(colCell + (<usize>x << 2));
        if (cx != c) {
          if (c >= 0) flushCell(sum, cnt, c, s, m);
          c = cx;
          s = c >= 0 ? f64At(sum, c) : 0;
          m = 0;
        }
        if (c < 0) continue;
        s += (0.299 * <f64>load<u8>(o) + 0.587 * <f64>load<u8>(o + 1) + 0.114 * <f64>load<u8>(o + 2)) / 255.0;
        m++;
      }
      if (c >= 0) flushCell(sum, cnt, c, s, m);
    }
    for (let i = 0; i < lw; i++) {
      if (f64At(cnt, i) == 0) {
        // A frame narrower than the depth: pixels are shared by several cells, so this cell averages its own
        // span (cellSpan in ../guided-filter.ts), as the TypeScript does.
        const x0 = min(W - 1, <i32>Math.floor(<f64>(i * W) / <f64>lw));
        const x1 = max(x0 + 1, min(W, <i32>Math.floor(<f64>((i + 1) * W) / <f64>lw)));
        const sc = sum + (<usize>i << 3), nc = cnt + (<usize>i << 3);
        for (let y = y0; y < y1; y++)
          for (let x = x0; x < x1; x++) {
            const o = rgb + <usize>(y * W + x) * 3;
            store<f64>(sc, load<f64>(sc) + (0.299 * <f64>load<u8>(o) + 0.587 * <f64>load<u8>(o + 1) + 0.114 * <f64>load<u8>(o + 2)) / 255.0);
            store<f64>(nc, load<f64>(nc) + 1.0);
          }
      }
      store<f32>(I + (<usize>(j * lw + i) << 2), <f32>(f64At(sum, i) / f64At(cnt, i)));
    }
  }
  let mean: f64 = 0, valid: f64 = 0;
  for (let k = 0; k < n; k++) {
    const d = f32At(depth, k);
    if (d == d) {
      mean += d;
      valid += 1;
    }
  }
  mean = valid > 0 ? mean / valid : 0;
  for (let k = 0; k < n; k++) {
    const d = f32At(depth, k);
    const pk = d == d ? d : mean;
    const ik = f32At(I, k);
    store<f64>(p + (<usize>k << 3), pk);
    store<f64>(Ip + (<usize>k << 3), ik * pk);
    store<f64>(II + (<usize>k << 3), ik * ik);
  }
  boxMean(I, true, lw, lh, r, tmp, mI, base + 11 * N);
  boxMean(p, false, lw, lh, r, tmp, mp, base + 11 * N);
  boxMean(Ip, false, lw, lh, r, tmp, mIp, base + 11 * N);
  boxMean(II, false, lw, lh, r, tmp, mII, base + 11 * N);
  for (let k = 0; k < n; k++) {
    const mi = f64At(mI, k);
    const varI = f64At(mII, k) - mi * mi;
    const ak = (f64At(mIp, k) - mi * f64At(mp, k)) / (max(0, varI) + eps);
    store<f64>(a + (<usize>k << 3), ak);
    store<f64>(b + (<usize>k << 3), f64At(mp, k) - ak * mi);
  }
  boxMean(a, false, lw, lh, r, tmp, A, base + 11 * N);
  boxMean(b, false, lw, lh, r, tmp, B, base + 11 * N);
  for (let k = 0; k < n; k++) {
    store<f32>(out + (<usize>(2 * k) << 2), <f32>f64At(A, k));
    store<f32>(out + (<usize>(2 * k + 1) << 2), <f32>f64At(B, k));
  }
}

/** A run of m pixels of cell c summed to s: back into the row's sums and counts. */
@inline function flushCell(sum: usize, cnt: usize, c: i32, s: f64, m: i32): void {
  store<f64>(sum + (<usize>c << 3), s);
  store<f64>(cnt + (<usize>c << 3), f64At(cnt, c) + <f64>m);
}

// surfaceMaps' parameters (f64 slots of `prm`).
const FX = 0, FY = 1, CX = 2, CY = 3, NR = 4, LX = 5, LY = 6, LZ = 7, UX = 8, UY = 9, UZ = 10;
const POINT_ON = 11, DIR_ON = 12, SHADOWS = 13, SOFTNESS = 14, LENGTH = 15, STEPS = 16, THICKNESS = 17, BIAS = 18, SKY_FROM = 19;

/** surface.ts skyWeight: how far into the sky (infinitely far) distance s is, 0..1. */
export function skyWeight(s: f64, from: f64): f64 {
  if (from >= 1) return 0;
  const t = min(1, max(0, (s - from) / (1 - from)));
  return t * t * (3 - 2 * t);
}

/**
 * Two shadow rays through the smoothed depth zs (surface.ts march), one in each f64x2 lane: their
 * visibilities 0..1. Each lane makes march's f64 operations in its order, so its visibility is the scalar
 * march's bit for bit; a lane stops where that march stops (fully occluded, behind the camera, off the map)
 * and is no longer updated, while the other goes on.
 */
function march2(zs: usize, lw: i32, lh: i32, prm: usize, fs: usize, Px: v128, Py: v128, Pz: v128, dx: v128, dy: v128, dz: v128, len: v128): v128 {
  const fx = f64x2.splat(f64At(prm, FX)), fy = f64x2.splat(f64At(prm, FY)), cx = f64x2.splat(f64At(prm, CX)), cy = f64x2.splat(f64At(prm, CY));
  const steps = <i32>f64At(prm, STEPS);
  const thick = f64x2.splat(f64At(prm, THICKNESS)), bias = f64x2.splat(f64At(prm, BIAS)), soft = f64x2.splat(f64At(prm, SOFTNESS));
  const zero = f64x2.splat(0), one = f64x2.splat(1), half = f64x2.splat(0.5), near = f64x2.splat(1e-3), eps = f64x2.splat(1e-4);
  const xMax = f64x2.splat(<f64>(lw - 1)), yMax = f64x2.splat(<f64>(lh - 1));
  const cellX = i32x4.splat(lw - 2), cellY = i32x4.splat(lh - 2), none = i32x4.splat(0);
  let occ = zero;
  let live = f64x2.eq(zero, zero);
  for (let s = 1; s <= steps; s++) {
    live = v128.and(live, f64x2.lt(occ, one));
    const f = f64x2.splat(f64At(fs, s));
    const t = f64x2.mul(f64x2.mul(len, f), f);
    const qz = f64x2.add(Pz, f64x2.mul(t, dz));
    const x = f64x2.sub(f64x2.add(f64x2.div(f64x2.mul(fx, f64x2.add(Px, f64x2.mul(t, dx))), qz), cx), half);
    const y = f64x2.sub(f64x2.add(f64x2.div(f64x2.mul(fy, f64x2.add(Py, f64x2.mul(t, dy))), qz), cy), half);
    // march's breaks: qz <= 1e-3, or not inside the map (NaN included).
    const inside = v128.and(v128.and(f64x2.ge(x, zero), f64x2.ge(y, zero)), v128.and(f64x2.le(x, xMax), f64x2.le(y, yMax)));
    live = v128.and(v128.andnot(live, f64x2.le(qz, near)), inside);
    if (!v128.any_true(live)) break;
    // Each lane's cell, min(lw - 2, floor(x)) as march takes it; a stopped lane's is kept inside the map, its result not kept.
    const xi = i32x4.max_s(none, i32x4.min_s(cellX, i32x4.trunc_sat_f64x2_s_zero(f64x2.floor(x))));
    const yi = i32x4.max_s(none, i32x4.min_s(cellY, i32x4.trunc_sat_f64x2_s_zero(f64x2.floor(y))));
    const tx = f64x2.sub(x, f64x2.convert_low_i32x4_s(xi)), ty = f64x2.sub(y, f64x2.convert_low_i32x4_s(yi));
    const oa = zs + (<usize>(i32x4.extract_lane(yi, 0) * lw + i32x4.extract_lane(xi, 0)) << 3);
    const ob = zs + (<usize>(i32x4.extract_lane(yi, 1) * lw + i32x4.extract_lane(xi, 1)) << 3), row = <usize>lw << 3;
    const z00 = v128.load64_lane(ob, v128.load64_zero(oa), 1), z01 = v128.load64_lane(ob + 8, v128.load64_zero(oa + 8), 1);
    const z10 = v128.load64_lane(ob + row, v128.load64_zero(oa + row), 1), z11 = v128.load64_lane(ob + row + 8, v128.load64_zero(oa + row + 8), 1);
    const ux = f64x2.sub(one, tx);
    const zsurf = f64x2.add(
      f64x2.mul(f64x2.add(f64x2.mul(z00, ux), f64x2.mul(z01, tx)), f64x2.sub(one, ty)),
      f64x2.mul(f64x2.add(f64x2.mul(z10, ux), f64x2.mul(z11, tx)), ty),
    );
    const gap = f64x2.sub(qz, zsurf);
    const bq = f64x2.mul(bias, qz);
    const hit = v128.and(live, v128.and(f64x2.gt(gap, bq), f64x2.lt(gap, f64x2.mul(thick, qz))));
    const shade = f64x2.max(occ, f64x2.min(one, f64x2.div(f64x2.sub(gap, bq), f64x2.add(f64x2.mul(soft, t), eps))));
    occ = v128.bitselect(shade, occ, hit);
  }
  return f64x2.sub(one, occ);
}

@inline function pair(a: f64, b: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

/**
 * surface.ts surfaceMaps: dist (low-res f32) -> normalVis (nx, ny, nz, point visibility; f32) and dirVis
 * (f32). z: lw*lh f32 scratch; scratch: 3 f64 planes, a row, the step table and the rays' slopes; r: the smoothing radius in samples.
 */
export function surfaceLow(dist: usize, lw: i32, lh: i32, r: i32, prm: usize, z: usize, scratch: usize, normalVis: usize, dirVis: usize): void {
  const n = lw * lh;
  const nr = f64At(prm, NR);
  for (let k = 0; k < n; k++) store<f32>(z + (<usize>k << 2), <f32>(nr + f32At(dist, k) * (1 - nr)));
  // zs: the smoothed depth, f64 in every case (without smoothing, z's f32 values widened), so that the
  // marches below read one type.
  const tmp = scratch, once = scratch + (<usize>n << 3), zs = scratch + (<usize>n << 4), line = scratch + 3 * (<usize>n << 3);
  if (r > 0) {
    boxMean(z, true, lw, lh, r, tmp, once, line);
    boxMean(once, false, lw, lh, r, tmp, zs, line);
  } else {
    for (let k = 0; k < n; k++) store<f64>(zs + (<usize>k << 3), f32At(z, k));
  }
  // Each step's fraction s / steps, the same f64 for every ray: one division fewer a step.
  const fs = line + (<usize>lw << 3), steps = <i32>f64At(prm, STEPS);
  for (let s = 1; s <= steps; s++) store<f64>(fs + (<usize>s << 3), <f64>s / <f64>steps);
  const fx = f64At(prm, FX), fy = f64At(prm, FY), cx = f64At(prm, CX), cy = f64At(prm, CY);
  const pointOn = f64At(prm, POINT_ON) != 0, dirOn = f64At(prm, DIR_ON) != 0, shadows = f64At(prm, SHADOWS) != 0;
  // Each column's and row's ray slope, (i + 0.5 - cx) / fx for i = -1 .. lw (and likewise for rows), after the
  // step table: the same f64 divisions as per sample, made once per frame instead of up to three times a sample.
  const rxs = fs + (<usize>(steps + 1) << 3) + 8, rys = rxs + (<usize>(lw + 2) << 3);
  for (let i = -1; i <= lw; i++) store<f64>(rxs + (<usize>i << 3), (<f64>i + 0.5 - cx) / fx);
  for (let j = -1; j <= lh; j++) store<f64>(rys + (<usize>j << 3), (<f64>j + 0.5 - cy) / fy);
  for (let j = 0; j < lh; j++) {
    const ryj = f64At(rys, j);
    for (let i = 0; i < lw; i++) {
      const k = j * lw + i;
      const zc = f64At(zs, k);
      const rxi = f64At(rxs, i);
      const px = zc * rxi, py = zc * ryj;
      let ax: f64, ay: f64, az: f64, bx: f64, by: f64, bz: f64;
      // One-sided differences on the side with the smaller depth step (surface.ts).
      const zr = i + 1 < lw ? f64At(zs, k + 1) : 0;
      const zl = i > 0 ? f64At(zs, k - 1) : 0;
      if (i + 1 < lw && (!(i > 0) || abs(zr - zc) <= abs(zc - zl))) {
        ax = zr * f64At(rxs, i + 1) - px; ay = zr * ryj - py; az = zr - zc;
      } else {
        ax = px - zl * f64At(rxs, i - 1); ay = py - zl * ryj; az = zc - zl;
      }
      const zd = j + 1 < lh ? f64At(zs, k + lw) : 0;
      const zu = j > 0 ? f64At(zs, k - lw) : 0;
      if (j + 1 < lh && (!(j > 0) || abs(zd - zc) <= abs(zc - zu))) {
        bx = zd * rxi - px; by = zd * f64At(rys, j + 1) - py; bz = zd - zc;
      } else {
        bx = px - zu * rxi; by = py - zu * f64At(rys, j - 1); bz = zc - zu;
      }
      let nx = by * az - bz * ay, ny = bz * ax - bx * az, nz = bx * ay - by * ax;
      const nl = Math.sqrt(nx * nx + ny * ny + nz * nz);
      if (nl > 1e-20) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      const o = normalVis + (<usize>k << 4);
      store<f32>(o, <f32>nx);
      store<f32>(o + 4, <f32>ny);
      store<f32>(o + 8, <f32>nz);
      store<f32>(o + 12, 1);
      store<f32>(dirVis + (<usize>k << 2), 1);
    }
  }
  if (shadows && (pointOn || dirOn)) shadowsLow(zs, dist, lw, lh, r >= SHADOW_COARSE_FROM ? 2 : 1, prm, fs, rxs, rys, normalVis, dirVis);
}

/** surface.ts SHADOW_COARSE_FROM. */
const SHADOW_COARSE_FROM = 2;

/**
 * The shadow visibilities of surfaceLow, as surface.ts makes them: marched at every `step`-th sample in
 * each direction and the last (fillBetween gives the others), then sky + (1 - sky) * visibility.
 */
function shadowsLow(zs: usize, dist: usize, lw: i32, lh: i32, step: i32, prm: usize, fs: usize, rxs: usize, rys: usize, normalVis: usize, dirVis: usize): void {
  const pointOn = f64At(prm, POINT_ON) != 0, dirOn = f64At(prm, DIR_ON) != 0, skyFrom = f64At(prm, SKY_FROM);
  for (let j = 0; j < lh; j++) {
    if (j % step != 0 && j != lh - 1) continue;
    // The row's marched samples two by two (the last alone, in both lanes, when their count is odd).
    let a = -1;
    for (let i = 0; i < lw; i++) {
      if (i % step != 0 && i != lw - 1) continue;
      if (a < 0) {
        a = i;
        continue;
      }
      shadowPair(zs, lw, lh, prm, fs, rxs, rys, j, a, i, normalVis, dirVis);
      a = -1;
    }
    if (a >= 0) shadowPair(zs, lw, lh, prm, fs, rxs, rys, j, a, a, normalVis, dirVis);
  }
  if (step == 2 && pointOn) fillBetween(normalVis + 12, 16, lw, lh);
  if (step == 2 && dirOn) fillBetween(dirVis, 4, lw, lh);
  // No shadow falls on the sky (surface.ts).
  for (let k = 0; k < lw * lh; k++) {
    const sky = skyWeight(f32At(dist, k), skyFrom);
    if (pointOn) {
      const o = normalVis + (<usize>k << 4) + 12;
      store<f32>(o, <f32>(sky + (1 - sky) * <f64>load<f32>(o)));
    }
    if (dirOn) {
      const o = dirVis + (<usize>k << 2);
      store<f32>(o, <f32>(sky + (1 - sky) * <f64>load<f32>(o)));
    }
  }
}

/** The shadow visibilities of the samples (ia, j) and (ib, j) (march2's two lanes; ib may be ia). */
function shadowPair(zs: usize, lw: i32, lh: i32, prm: usize, fs: usize, rxs: usize, rys: usize, j: i32, ia: i32, ib: i32, normalVis: usize, dirVis: usize): void {
  const pointOn = f64At(prm, POINT_ON) != 0, dirOn = f64At(prm, DIR_ON) != 0, len = f64At(prm, LENGTH);
  const ryj = f64At(rys, j);
  const ka = j * lw + ia, kb = j * lw + ib;
  const za = f64At(zs, ka), zb = f64At(zs, kb);
  const pxa = za * f64At(rxs, ia), pya = za * ryj;
  const pxb = zb * f64At(rxs, ib), pyb = zb * ryj;
  const Px = pair(pxa, pxb), Py = pair(pya, pyb), Pz = pair(za, zb);
  if (pointOn) {
    const vxa = f64At(prm, LX) - pxa, vya = f64At(prm, LY) - pya, vza = f64At(prm, LZ) - za;
    const vxb = f64At(prm, LX) - pxb, vyb = f64At(prm, LY) - pyb, vzb = f64At(prm, LZ) - zb;
    let da = Math.sqrt(vxa * vxa + vya * vya + vza * vza), db = Math.sqrt(vxb * vxb + vyb * vyb + vzb * vzb);
    if (da == 0) da = 1e-9;
    if (db == 0) db = 1e-9;
    const v = march2(zs, lw, lh, prm, fs, Px, Py, Pz, pair(vxa / da, vxb / db), pair(vya / da, vyb / db), pair(vza / da, vzb / db), pair(min(da, len), min(db, len)));
    store<f32>(normalVis + (<usize>ka << 4) + 12, <f32>f64x2.extract_lane(v, 0));
    store<f32>(normalVis + (<usize>kb << 4) + 12, <f32>f64x2.extract_lane(v, 1));
  }
  if (dirOn) {
    const ux = f64x2.splat(f64At(prm, UX)), uy = f64x2.splat(f64At(prm, UY)), uz = f64x2.splat(f64At(prm, UZ));
    const v = march2(zs, lw, lh, prm, fs, Px, Py, Pz, ux, uy, uz, f64x2.splat(len));
    store<f32>(dirVis + (<usize>ka << 2), <f32>f64x2.extract_lane(v, 0));
    store<f32>(dirVis + (<usize>kb << 2), <f32>f64x2.extract_lane(v, 1));
  }
}

/** surface.ts fillBetween: f32 values `stride` bytes apart, marched at the even columns and rows and the last. */
function fillBetween(v: usize, stride: i32, lw: i32, lh: i32): void {
  for (let j = 0; j < lh; j++) {
    if (j % 2 == 1 && j < lh - 1) continue;
    for (let i = 1; i < lw - 1; i += 2) {
      const o = v + <usize>((j * lw + i) * stride);
      store<f32>(o, <f32>(0.5 * (<f64>load<f32>(o - stride) + <f64>load<f32>(o + stride))));
    }
  }
  const row = lw * stride;
  for (let j = 1; j < lh - 1; j += 2)
    for (let i = 0; i < lw; i++) {
      const o = v + <usize>((j * lw + i) * stride);
      store<f32>(o, <f32>(0.5 * (<f64>load<f32>(o - row) + <f64>load<f32>(o + row))));
    }
}
