/**
 * The pose RANSAC's hypothesis loop (../pose.ts: ransacPose's draws with rng, the fits by umeyamaInto,
 * the counts by countWithin, the best kept; enough's adaptive bound) in AssemblyScript, part of the BA
 * module (ba.as.ts exports it; ../ba-wasm.ts places the points). Why: the tracker estimates a pose for
 * every frame and the field-of-view search one for each span view and lens, and V8 compiled the loop
 * and its fits anew on each thread. Operation for operation the TypeScript's, in f64 (the points f32,
 * as their Float32Arrays), in the same order, no fused multiply-add; the logarithm and the power of
 * the bound are V8's own (imported: its Math.log and `**`, which wasm has no instruction for and a
 * port might round otherwise): the same bits (test/geometry/pose-ransac-wasm.test.ts).
 */

import { ld, st, f32At, mul3, transpose3, svd3 } from './linalg3.as';

@external('env', 'log') declare function jsLog(x: f64): f64;
@external('env', 'pow') declare function jsPow(x: f64, y: f64): f64;

/** countWithin: how many of the n points reproject within thr2 (squared pixels). */
export function countWithin(P: usize, uv: usize, n: i32, Rt: usize, fx: f64, fy: f64, cx: f64, cy: f64, thr2: f64): i32 {
  const R0 = ld(Rt, 0), R1 = ld(Rt, 1), R2 = ld(Rt, 2), R3 = ld(Rt, 3), R4 = ld(Rt, 4), R5 = ld(Rt, 5), R6 = ld(Rt, 6), R7 = ld(Rt, 7), R8 = ld(Rt, 8);
  const t0 = ld(Rt, 9), t1 = ld(Rt, 10), t2 = ld(Rt, 11);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = f32At(P, i * 3), y = f32At(P, i * 3 + 1), z = f32At(P, i * 3 + 2);
    const X = R0 * x + R1 * y + R2 * z + t0;
    const Y = R3 * x + R4 * y + R5 * z + t1;
    const Zc = R6 * x + R7 * y + R8 * z + t2;
    if (Zc <= 1e-6) continue;
    const du = fx * X / Zc + cx - f32At(uv, 2 * i), dv = fy * Y / Zc + cy - f32At(uv, 2 * i + 1);
    if (du * du + dv * dv < thr2) c++;
  }
  return c;
}

// The loop's scratch (byte offsets from its pointer w, 80 bytes a matrix): the sample, umeyama's means,
// covariance, SVD and products, the hypothesis (R then t, as countWithin reads it), the best one, svd3's.
const SRC = 0, DST = 80, MS = 160, MD = 192, C_ = 224, U_ = 304, S_ = 384, V_ = 416, VT = 496, UD = 576, FLIP = 656, FT = 736;
const HYP = 768, BEST = 864, SVD = 960;
/** The bytes of scratch poseRansac needs (SVD + linalg3.as.ts' SVD3_SCRATCH). */
export const POSE_RANSAC_SCRATCH: usize = 1296;

/** ../linalg.ts: det3. */
@inline function det3(a: usize): f64 {
  return ld(a, 0) * (ld(a, 4) * ld(a, 8) - ld(a, 5) * ld(a, 7)) - ld(a, 1) * (ld(a, 3) * ld(a, 8) - ld(a, 5) * ld(a, 6)) + ld(a, 2) * (ld(a, 3) * ld(a, 7) - ld(a, 4) * ld(a, 6));
}

/** ../linalg.ts: umeyamaInto of the n points at w + SRC and w + DST, with scale, into R and t; returns s. */
function umeyama(n: i32, R: usize, t: usize, w: usize): f64 {
  const src = w + SRC, dst = w + DST, ms = w + MS, md = w + MD, C = w + C_, nf = <f64>n;
  for (let k = 0; k < 3; k++) { st(ms, k, 0); st(md, k, 0); }
  for (let k = 0; k < 9; k++) st(C, k, 0);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) { st(ms, k, ld(ms, k) + ld(src, i * 3 + k) / nf); st(md, k, ld(md, k) + ld(dst, i * 3 + k) / nf); }
  let varS: f64 = 0;
  for (let i = 0; i < n; i++) {
    const a0 = ld(src, i * 3) - ld(ms, 0), a1 = ld(src, i * 3 + 1) - ld(ms, 1), a2 = ld(src, i * 3 + 2) - ld(ms, 2);
    const b0 = ld(dst, i * 3) - ld(md, 0), b1 = ld(dst, i * 3 + 1) - ld(md, 1), b2 = ld(dst, i * 3 + 2) - ld(md, 2);
    varS += (a0 * a0 + a1 * a1 + a2 * a2) / nf;
    st(C, 0, ld(C, 0) + (b0 * a0) / nf); st(C, 1, ld(C, 1) + (b0 * a1) / nf); st(C, 2, ld(C, 2) + (b0 * a2) / nf);
    st(C, 3, ld(C, 3) + (b1 * a0) / nf); st(C, 4, ld(C, 4) + (b1 * a1) / nf); st(C, 5, ld(C, 5) + (b1 * a2) / nf);
    st(C, 6, ld(C, 6) + (b2 * a0) / nf); st(C, 7, ld(C, 7) + (b2 * a1) / nf); st(C, 8, ld(C, 8) + (b2 * a2) / nf);
  }
  const U = w + U_, S = w + S_, V = w + V_;
  svd3(C, U, S, V, w + SVD);
  const Vt = transpose3(V, w + VT);
  mul3(U, Vt, R);
  let d2: f64 = 1;
  if (det3(R) < 0) {
    d2 = -1;
    // FLIP_Z as a matrix, multiplied in full (its zeros' products kept).
    const F = w + FLIP;
    for (let k = 0; k < 9; k++) st(F, k, 0);
    st(F, 0, 1); st(F, 4, 1); st(F, 8, -1);
    mul3(mul3(U, F, w + UD), Vt, R);
  }
  const s = varS > 1e-20 ? (ld(S, 0) * 1 + ld(S, 1) * 1 + ld(S, 2) * d2) / varS : 1;
  const m0 = ld(R, 0) * ld(ms, 0) + ld(R, 1) * ld(ms, 1) + ld(R, 2) * ld(ms, 2);
  const m1 = ld(R, 3) * ld(ms, 0) + ld(R, 4) * ld(ms, 1) + ld(R, 5) * ld(ms, 2);
  const m2 = ld(R, 6) * ld(ms, 0) + ld(R, 7) * ld(ms, 1) + ld(R, 8) * ld(ms, 2);
  st(t, 0, ld(md, 0) - s * m0); st(t, 1, ld(md, 1) - s * m1); st(t, 2, ld(md, 2) - s * m2);
  return s;
}

/** ../pose.ts: rng (mulberry32), its state. u32 arithmetic wraps as Math.imul and `>>> 0` do. */
let rs: u32 = 0;
@inline function rand(): f64 {
  rs += 0x6d2b79f5;
  let t = rs;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296;
}

/** ../pose.ts: the loop's bound, Math.min(iters, Math.max(MIN_ITERATIONS, enough(...))). */
@inline function bound(best: i32, n: i32, iters: f64, hasConf: bool, conf: f64): f64 {
  let e = iters;
  if (hasConf) {
    const w3 = jsPow(min<f64>(1, <f64>best / <f64>n), 3);
    e = w3 >= 1 ? 0 : w3 <= 0 ? iters : ceil<f64>(jsLog(1 - conf) / jsLog(1 - w3));
  }
  return min<f64>(iters, max<f64>(10, e));
}

/**
 * ransacPose's hypothesis loop over the n points (P, uv: f32) and the m of them with depth (Q: current-
 * camera points, f32 for all n; withZ: their indices, i32): draws from seed (already `>>> 0`), fits,
 * counts within thr2 and keeps the best (R then t, 12 f64 at w + 864 in and out, its count `best` in);
 * returns the best count. w: POSE_RANSAC_SCRATCH bytes.
 */
export function poseRansac(P: usize, uv: usize, n: i32, Q: usize, withZ: usize, m: i32, fx: f64, fy: f64, cx: f64, cy: f64, thr2: f64,
  iters: f64, seed: u32, hasConf: bool, conf: f64, best: i32, w: usize): i32 {
  rs = seed;
  const src = w + SRC, dst = w + DST, R = w + HYP, ft = w + FT, mf = <f64>m;
  for (let it = 0; <f64>it < bound(best, n, iters, hasConf, conf); it++) {
    // (rand() * m) | 0: the product is in [0, m), so truncation is the same integer.
    const a = load<i32>(withZ + (<usize>(<i32>(rand() * mf)) << 2));
    const b = load<i32>(withZ + (<usize>(<i32>(rand() * mf)) << 2));
    const c = load<i32>(withZ + (<usize>(<i32>(rand() * mf)) << 2));
    if (a == b || b == c || a == c) continue;
    for (let d = 0; d < 3; d++) {
      st(src, d, f32At(P, a * 3 + d)); st(dst, d, f32At(Q, a * 3 + d));
      st(src, 3 + d, f32At(P, b * 3 + d)); st(dst, 3 + d, f32At(Q, b * 3 + d));
      st(src, 6 + d, f32At(P, c * 3 + d)); st(dst, 6 + d, f32At(Q, c * 3 + d));
    }
    const fs = umeyama(3, R, ft, w);
    if (!(fs > 0.2 && fs < 5)) continue;
    st(R, 9, ld(ft, 0) / fs); st(R, 10, ld(ft, 1) / fs); st(R, 11, ld(ft, 2) / fs);
    const sc = countWithin(P, uv, n, R, fx, fy, cx, cy, thr2);
    if (sc > best) { best = sc; memory.copy(w + BEST, R, 96); }
  }
  return best;
}
