/**
 * Refocus's per-pixel work (../refocus.ts documents the layered gather; glsl/refocus.glsl is its twin).
 * refocusPrep packs what a gather sample reads into one 16-byte record per pixel (distance, coc, highlight
 * weight as f32, then r, g, b), so a sample touches one cache line instead of four arrays: the gather reads
 * 48 scattered samples per pixel and was bound by those loads.
 */
import { clampByte, grainAt, grainB, grainG, grainR } from './grain.as';

/** Per pixel: coc = min(maxBlur, aperture max(0, |s - focus| - range)) / 100 * H and the highlight weight (refocus.ts). */
export function refocusPrep(
  rgb: usize, dist: usize, n: i32, focus: f64, aperture: f64, maxBlur: f64, H: f64, gain: f64, thr: f64, rec: usize, range: f64,
): void {
  const span = max(1e-3, 1 - thr);
  for (let i = 0; i < n; i++) {
    const s = <f64>load<f32>(dist + (<usize>i << 2));
    const o = rgb + <usize>i * 3;
    const r = load<u8>(o), g = load<u8>(o + 1), b = load<u8>(o + 2);
    const l = (0.299 * <f64>r + 0.587 * <f64>g + 0.114 * <f64>b) / 255.0;
    const d = rec + (<usize>i << 4);
    store<f32>(d, <f32>s);
    store<f32>(d + 4, <f32>((min(maxBlur, aperture * max(0, abs(s - focus) - range)) / 100) * H));
    store<f32>(d + 8, <f32>(l > thr ? 1 + (gain * (l - thr)) / span : 1));
    store<u8>(d + 12, r);
    store<u8>(d + 13, g);
    store<u8>(d + 14, b);
  }
}

/**
 * One pixel of the layered gather at (x, y) of a W x H record image, result rounded into out (3 bytes).
 * Returns the share of the pixel's own value in the result (its grain survives in that share).
 */
@inline function gatherAt(
  rec: usize, W: i32, H: i32, x: i32, y: i32, R: f64, pattern: usize, nSamples: i32, thr: f64, fgEps: f64, o: usize,
): f64 {
  const W1 = W - 1, H1 = H - 1;
  const p = rec + (<usize>(y * W + x) << 4);
  const c = <f64>load<f32>(p + 4);
  const sp = <f64>load<f32>(p);
  const cb = c + thr;
  const w0 = <f64>load<f32>(p + 8);
  let br = w0 * <f64>load<u8>(p + 12), bg = w0 * <f64>load<u8>(p + 13), bb = w0 * <f64>load<u8>(p + 14), bw = w0;
  let fr: f64 = 0, fg: f64 = 0, fb: f64 = 0, fw: f64 = 0, alpha: f64 = 0;
  const area = (R * R) / <f64>nSamples;
  const fx = <f64>x + 0.5, fy = <f64>y + 0.5;
  const fgLimit = sp - fgEps;
  for (let k = 0; k < nSamples; k++) {
    const pk = pattern + <usize>(k * 12);
    // Truncation is floor here: a negative coordinate is clamped to 0 either way.
    let qx = <i32>(fx + R * <f64>load<f32>(pk));
    let qy = <i32>(fy + R * <f64>load<f32>(pk + 4));
    qx = qx < 0 ? 0 : qx > W1 ? W1 : qx;
    qy = qy < 0 ? 0 : qy > H1 ? H1 : qy;
    const q = rec + (<usize>(qy * W + qx) << 4);
    const cq = <f64>load<f32>(q + 4);
    const r = R * <f64>load<f32>(pk + 8);
    if (<f64>load<f32>(q) < fgLimit) {
      let cov = cq - r;
      if (cov <= 0) continue;
      if (cov > 1) cov = 1;
      const a = (cov * area) / max(cq * cq, 0.25);
      alpha += a;
      const w = a * <f64>load<f32>(q + 8);
      fr += w * <f64>load<u8>(q + 12);
      fg += w * <f64>load<u8>(q + 13);
      fb += w * <f64>load<u8>(q + 14);
      fw += w;
    } else {
      let cov = (cq < cb ? cq : cb) - r + 0.5;
      if (cov <= 0) continue;
      if (cov > 1) cov = 1;
      const w = cov * <f64>load<f32>(q + 8);
      br += w * <f64>load<u8>(q + 12);
      bg += w * <f64>load<u8>(q + 13);
      bb += w * <f64>load<u8>(q + 14);
      bw += w;
    }
  }
  const al = fw > 0 ? (alpha < 1 ? alpha : 1) : 0;
  const vr = (br / bw) * (1 - al) + (fw > 0 ? (fr / fw) * al : 0);
  const vg = (bg / bw) * (1 - al) + (fw > 0 ? (fg / fw) * al : 0);
  const vb = (bb / bw) * (1 - al) + (fw > 0 ? (fb / fw) * al : 0);
  store<u8>(o, <u8><i32>(vr + 0.5));
  store<u8>(o + 1, <u8><i32>(vg + 0.5));
  store<u8>(o + 2, <u8><i32>(vb + 0.5));
  return (w0 / bw) * (1 - al);
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
 * One level of the refocus pyramid (W x H records `rec`; search: per low-res sample, px of this level;
 * lowCol/lowRow: each column's low-res column, each row's low-res row offset; pattern: x, y, r per sample).
 * A pixel blurred by at least `minHalf` px whose own 2x2 block is pure takes the bilinear mix of the pure
 * neighbouring blocks of the next level (`half`, gathered into `halfOut`, Wh x Hh RGB8) whose coc is within
 * `tol` px of its own: its blur is wider than that level's grid, so nothing is lost. Every other pixel (in
 * focus, or at a depth edge) is gathered at this level. Without a next level (half = 0) every pixel is
 * gathered. Pixels whose coc is below `skipBelow`, or marked (byte 15, refocusHalve) when `skipMarked`,
 * are left as they are: the level above reads none of them. `grain` (full resolution only, else 0) is
 * the regrain amount: refocusRegrain adds back the source's grain the gather removed.
 */
export function refocusCompose(
  rec: usize, half: usize, halfOut: usize, search: usize, lowCol: usize, lowRow: usize, pattern: usize,
  nSamples: i32, W: i32, H: i32, thr: f64, minCoc: f64, fgEps: f64, minHalf: f64, tol: f64,
  skipBelow: f64, skipMarked: bool, out: usize, grain: f64,
): void {
  const Wh = (W + 1) >> 1, Hh = (H + 1) >> 1;
  for (let y = 0; y < H; y++) {
    const lr = load<i32>(lowRow + (<usize>y << 2));
    const v = (<f64>y + 0.5) / 2 - 0.5;
    const Y0 = <i32>Math.floor(v), ty = v - <f64>Y0;
    for (let x = 0; x < W; x++) {
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
        const u = (<f64>x + 0.5) / 2 - 0.5;
        const X0 = <i32>Math.floor(u), tx = u - <f64>X0;
        let wr: f64 = 0, wg: f64 = 0, wb: f64 = 0, ws: f64 = 0;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const X = min(Wh - 1, max(0, X0 + dx)), Y = min(Hh - 1, max(0, Y0 + dy));
            const hb = half + (<usize>(Y * Wh + X) << 4);
            if (load<u8>(hb + 15) != 0 || abs(2 * <f64>load<f32>(hb + 4) - c) >= tol) continue;
            const w = (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty);
            const ho = halfOut + <usize>(Y * Wh + X) * 3;
            wr += w * <f64>load<u8>(ho); wg += w * <f64>load<u8>(ho + 1); wb += w * <f64>load<u8>(ho + 2); ws += w;
          }
        if (ws > 0) {
          store<u8>(o, <u8><i32>(wr / ws + 0.5));
          store<u8>(o + 1, <u8><i32>(wg / ws + 0.5));
          store<u8>(o + 2, <u8><i32>(wb / ws + 0.5));
          if (grain > 0) refocusRegrain(rec, W, H, x, y, grain, o);
          continue;
        }
      }
      const kept = gatherAt(rec, W, H, x, y, R, pattern, nSamples, thr, fgEps, o);
      if (grain > 0 && kept < 1) refocusRegrain(rec, W, H, x, y, grain * (1 - kept), o);
    }
  }
}

/** Adds `amount` times the source's grain at (x, y) (records: colour at byte 12) to the result at o. */
@inline function refocusRegrain(rec: usize, W: i32, H: i32, x: i32, y: i32, amount: f64, o: usize): void {
  grainAt(rec + 12, 16, W, H, x, y);
  store<u8>(o, clampByte(<f64>load<u8>(o) + amount * grainR));
  store<u8>(o + 1, clampByte(<f64>load<u8>(o + 1) + amount * grainG));
  store<u8>(o + 2, clampByte(<f64>load<u8>(o + 2) + amount * grainB));
}
