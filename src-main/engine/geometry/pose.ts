import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { baPoints, baWasm, ransacInto, type BaPoints } from './ba-wasm.ts';
import { expSO3Into, fromRt, identity3, mul3Into, rotOf, transOf, umeyamaInto, solveSPD, type Vec3, hypot2, hypot3 } from './linalg.ts';

export interface PoseEstimate {
  /** Transform from the previous camera's coordinates to the current camera's (rigid, previous depth units). */
  T: Mat4;
  inliers: number;
  ratio: number;
  /** RMS reprojection error of the inliers, pixels. */
  rms: number;
  ok: boolean;
}

/**
 * Deterministic PRNG (mulberry32): RANSAC must give the same poses on every run, so cached analyses
 * and test results are reproducible.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pose of the current frame relative to the previous one, from previous-frame 3D points (depth
 * back-projected, so the translation comes out in the depth's units) and their tracked pixels in the
 * current frame. RANSAC over minimal 3-point 3D-3D fits (using the current frame's own depth only to
 * seed hypotheses; its scale may differ, so it is a similarity), scored by reprojection error; the
 * winner is refined by robust Gauss-Newton on reprojection alone (PnP).
 *
 * P: previous-camera points xyz; uv: current pixels; Z: current depth at uv (0 = unknown).
 */
export function estimatePose(P: Float32Array, uv: Float32Array, Z: Float32Array, K: Intrinsics, o: { thresholdPx?: number; iterations?: number; seed?: number; init?: Mat4; confidence?: number } = {}): PoseEstimate {
  // The options come in a shape per caller (the focal search's arrive once the tracker's code is
  // optimised), the prior pose as arrays of several element kinds (an identity's small integers, doubles):
  // read here, in a function small enough to recompile cheaply, not in the RANSAC's, which sees the
  // prior's rotation and translation copied into Float64Arrays (the same values).
  const T = o.init;
  let hasInit = false;
  if (T) {
    const R = initR, t = initT;
    R[0] = T[0]; R[1] = T[1]; R[2] = T[2]; R[3] = T[4]; R[4] = T[5]; R[5] = T[6]; R[6] = T[8]; R[7] = T[9]; R[8] = T[10];
    t[0] = T[3]; t[1] = T[7]; t[2] = T[11];
    hasInit = true;
  }
  return ransacPose(P, uv, Z, K, o.thresholdPx ?? 1.5, o.iterations ?? 150, o.seed ?? 12345, hasInit, o.confidence);
}
/** estimatePose's prior (when `hasInit`): rotation (row-major) and translation. */
const initR = new Float64Array(9), initT = new Float64Array(3);

function ransacPose(P: Float32Array, uv: Float32Array, Z: Float32Array, K: Intrinsics, thr: number, iters: number, seed: number, hasInit: boolean, confidence: number | undefined): PoseEstimate {
  const n = uv.length / 2;
  const fail: PoseEstimate = { T: fromRt(identity3(), [0, 0, 0]), inliers: 0, ratio: 0, rms: Infinity, ok: false };
  if (n < 8) return fail;
  // The points in WebAssembly's memory for the counts and refinements below (null: the TypeScript's).
  const wp = baWasm.on ? baPoints(P, uv, n, true) : null;
  const Q = new Float32Array(n * 3); // current-camera points from the current depth
  const withZ: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Z[i];
    if (z > 0) {
      Q[i * 3] = ((uv[2 * i] - K.cx) / K.fx) * z; Q[i * 3 + 1] = ((uv[2 * i + 1] - K.cy) / K.fy) * z; Q[i * 3 + 2] = z;
      withZ.push(i);
    }
  }
  // Identity is a hypothesis too: static shots and tiny motions must not be talked into a random pose.
  // The best hypothesis so far, copied in (the fits below write into scratch).
  const bestR = Float64Array.from(identity3()), bestT = new Float64Array(3);
  let best = count(wp, P, uv, n, bestR, bestT, K, thr * thr);
  // A motion prior (the last pose against the same keyframe) is usually closest of all.
  if (hasInit) {
    const R0 = initR, t0 = initT, sc0 = count(wp, P, uv, n, R0, t0, K, thr * thr);
    if (sc0 > best) { best = sc0; bestR.set(R0); bestT.set(t0); }
  }
  // The hypotheses: in WebAssembly where the points are (the same draws, fits and counts; ransacInto
  // updates bestR and bestT), else the TypeScript's loop, which stays their definition.
  if (wp && withZ.length >= 3) ransacInto(wp, Q, withZ, withZ.length, K.fx, K.fy, K.cx, K.cy, thr * thr, iters, seed, confidence, best, bestR, bestT);
  else if (withZ.length >= 3) {
    const rand = rng(seed);
    const src = new Float64Array(9), dst = new Float64Array(9);
    const fR = new Float64Array(9), ft = new Float64Array(3), tH = new Float64Array(3);
    for (let it = 0; it < Math.min(iters, Math.max(MIN_ITERATIONS, enough(best, n, iters, confidence))); it++) {
      const a = withZ[(rand() * withZ.length) | 0], b = withZ[(rand() * withZ.length) | 0], c = withZ[(rand() * withZ.length) | 0];
      if (a === b || b === c || a === c) continue;
      for (let d = 0; d < 3; d++) {
        src[d] = P[a * 3 + d]; dst[d] = Q[a * 3 + d];
        src[3 + d] = P[b * 3 + d]; dst[3 + d] = Q[b * 3 + d];
        src[6 + d] = P[c * 3 + d]; dst[6 + d] = Q[c * 3 + d];
      }
      const fs = umeyamaInto(src, dst, 3, true, fR, ft);
      if (!(fs > 0.2 && fs < 5)) continue;
      tH[0] = ft[0] / fs; tH[1] = ft[1] / fs; tH[2] = ft[2] / fs;
      const sc = count(wp, P, uv, n, fR, tH, K, thr * thr);
      if (sc > best) { best = sc; bestR.set(fR); bestT.set(tH); }
    }
  }
  const R = bestR, t = bestT;
  // Refine with a shrinking robust threshold; the first passes may pull in near-inliers of the seed.
  let inl = 0;
  for (const th of [thr * 3, thr * 2, thr, thr]) refine(P, uv, R, t, K, th, false, wp);
  let se = 0;
  for (let i = 0; i < n; i++) {
    const e2 = reprojErr2(P, uv, i, R, t, K);
    if (e2 < thr * thr) { inl++; se += e2; }
  }
  const rms = inl ? Math.sqrt(se / inl) : Infinity;
  const ratio = inl / n;
  return { T: fromRt(R, t), inliers: inl, ratio, rms, ok: inl >= 12 && ratio >= 0.25 };
}

/**
 * With `confidence`, the sampling stops once a three-point sample of inliers would have been drawn that
 * surely (the usual adaptive count from the best inlier ratio so far). A module function, as trimmedRms.
 */
function enough(count: number, n: number, iters: number, confidence: number | undefined): number {
  if (confidence === undefined) return iters;
  const w3 = Math.min(1, count / n) ** 3;
  return w3 >= 1 ? 0 : w3 <= 0 ? iters : Math.ceil(Math.log(1 - confidence) / Math.log(1 - w3));
}

/** Fewest samples an adaptive RANSAC draws. */
const MIN_ITERATIONS = 10;

/** countWithin, in WebAssembly where the points are placed there (wp). */
function count(wp: BaPoints | null, P: Float32Array, uv: Float32Array, n: number, R: Float64Array, t: Float64Array, K: Intrinsics, thr2: number): number {
  if (!wp) return countWithin(P, uv, n, R, t, K, thr2);
  wp.Rt.set(R); wp.Rt.set(t, 9);
  return wp.x.countWithin(wp.P, wp.uv, n, wp.Rt.byteOffset, K.fx, K.fy, K.cx, K.cy, thr2);
}

/**
 * How many points reproject within thr2 (squared pixels). reprojErr2's arithmetic written out: V8 does not
 * inline that call here, and each double it returns was a new heap number (16 bytes a point a hypothesis).
 */
function countWithin(P: ArrayLike<number>, uv: ArrayLike<number>, n: number, R: ArrayLike<number>, t: ArrayLike<number>, K: Intrinsics, thr2: number): number {
  const R0 = R[0], R1 = R[1], R2 = R[2], R3 = R[3], R4 = R[4], R5 = R[5], R6 = R[6], R7 = R[7], R8 = R[8];
  const t0 = t[0], t1 = t[1], t2 = t[2], fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = P[i * 3], y = P[i * 3 + 1], z = P[i * 3 + 2];
    const X = R0 * x + R1 * y + R2 * z + t0;
    const Y = R3 * x + R4 * y + R5 * z + t1;
    const Zc = R6 * x + R7 * y + R8 * z + t2;
    if (Zc <= 1e-6) continue;
    const du = fx * X / Zc + cx - uv[2 * i], dv = fy * Y / Zc + cy - uv[2 * i + 1];
    if (du * du + dv * dv < thr2) c++;
  }
  return c;
}

function reprojErr2(P: ArrayLike<number>, uv: ArrayLike<number>, i: number, R: ArrayLike<number>, t: ArrayLike<number>, K: Intrinsics): number {
  const x = P[i * 3], y = P[i * 3 + 1], z = P[i * 3 + 2];
  const X = R[0] * x + R[1] * y + R[2] * z + t[0];
  const Y = R[3] * x + R[4] * y + R[5] * z + t[1];
  const Zc = R[6] * x + R[7] * y + R[8] * z + t[2];
  if (Zc <= 1e-6) return Infinity;
  const du = K.fx * X / Zc + K.cx - uv[2 * i], dv = K.fy * Y / Zc + K.cy - uv[2 * i + 1];
  return du * du + dv * dv;
}

// refine's scratch (it returns nothing that points into it).
const rH = new Float64Array(36), rg = new Float64Array(6), rL = new Float64Array(36), rd = new Float64Array(6);
const rdR = new Float64Array(9), rR = new Float64Array(9);

/**
 * Gauss-Newton on SE(3) (left perturbation) with Huber weights; points beyond 3x the threshold are ignored.
 * R (9) and t (3) are refined in place.
 */
function refine(P: Float32Array, uv: Float32Array, R: Float64Array, t: Float64Array, K: Intrinsics, thr: number, fixT: boolean, wp: BaPoints | null): void {
  const H = rH, g = rg;
  // The intrinsics' callers pass objects of several shapes: read once, the loop reads no object.
  const fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
  // The translation's rows pinned from fixFrom on (6: none). A comparison made on every call: with
  // `fixT && a >= 3`, the first call with fixT found no type feedback there and threw the code away.
  const fixFrom = fixT ? 3 : 6;
  for (let it = 0; it < 8; it++) {
    let used: number;
    if (wp) {
      wp.Rt.set(R); wp.Rt.set(t, 9);
      used = wp.x.normalEquations(wp.P, wp.uv, wp.n, wp.Rt.byteOffset, fx, fy, cx, cy, thr, wp.H.byteOffset, wp.g.byteOffset);
      H.set(wp.H); g.set(wp.g);
    } else used = normalEquations(P, uv, R, t, fx, fy, cx, cy, thr, H, g);
    if (used < 6) break;
    for (let a = 0; a < 6; a++) H[a * 7] += 1e-6 + H[a * 7] * 1e-4 + (a >= fixFrom ? 1e12 : 0);
    const d = solveSPD(H, g, 6, rL, rd);
    if (!d) break;
    const dR = expSO3Into(d[0], d[1], d[2], rdR);
    R.set(mul3Into(dR, R, rR));
    const tt0 = dR[0] * t[0] + dR[1] * t[1] + dR[2] * t[2];
    const tt1 = dR[3] * t[0] + dR[4] * t[1] + dR[5] * t[2];
    const tt2 = dR[6] * t[0] + dR[7] * t[1] + dR[8] * t[2];
    t[0] = tt0 + d[3]; t[1] = tt1 + d[4]; t[2] = tt2 + d[5];
    if (hypot3(d[0], d[1], d[2]) < 1e-7 && hypot3(d[3], d[4], d[5]) < 1e-7) break;
  }
}

/**
 * refine's Gauss-Newton system at (R, t), added into H (6x6) and g; the number of points used. A function
 * of its own: V8 compiles this loop while its first call runs, and with the step's code after it in the
 * same function, that code was compiled before it had ever run, thrown away and compiled again.
 */
function normalEquations(P: Float32Array, uv: Float32Array, R: Float64Array, t: Float64Array, fx: number, fy: number, cx: number, cy: number, thr: number, H: Float64Array, g: Float64Array): number {
  const n = uv.length / 2;
  let used = 0;
  // The sums in locals (stored once at the end): from 0 and in the same order as summing into H and g,
  // so the same bits. The lower triangle takes the upper's values: each term is a product of the same
  // two numbers (J[a] J[b] = J[b] J[a] exactly), so it always held the same bits.
  let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0, h22 = 0, h23 = 0, h24 = 0, h25 = 0, h33 = 0, h34 = 0, h35 = 0, h44 = 0, h45 = 0, h55 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0;
  for (let i = 0; i < n; i++) {
    const x = P[i * 3], y = P[i * 3 + 1], z = P[i * 3 + 2];
    const X = R[0] * x + R[1] * y + R[2] * z + t[0];
    const Y = R[3] * x + R[4] * y + R[5] * z + t[1];
    const Zc = R[6] * x + R[7] * y + R[8] * z + t[2];
    if (Zc <= 1e-6) continue;
    const iz = 1 / Zc;
    const eu = fx * X * iz + cx - uv[2 * i], ev = fy * Y * iz + cy - uv[2 * i + 1];
    const e = hypot2(eu, ev);
    if (e > thr * 3) continue;
    const w = e <= thr ? 1 : thr / e;
    used++;
    // d(u,v)/d(X,Y,Z) times d(X,Y,Z)/d(omega, v) = [-[Xc]x | I]. Written out (no arrays a point: this
    // runs for every corner of every frame), the zero terms kept so the sums round as they always did.
    const du0 = fx * iz, du1 = 0, du2 = -fx * X * iz * iz, dv0 = 0, dv1 = fy * iz, dv2 = -fy * Y * iz * iz;
    // Rows of d(X, Y, Z)/d omega: (0, Zc, -Y), (-Zc, 0, X), (Y, -X, 0). J: the u row, K: the v row.
    const J0 = du0 * 0 + du1 * -Zc + du2 * Y, J1 = du0 * Zc + du1 * 0 + du2 * -X, J2 = du0 * -Y + du1 * X + du2 * 0;
    const K0 = dv0 * 0 + dv1 * -Zc + dv2 * Y, K1 = dv0 * Zc + dv1 * 0 + dv2 * -X, K2 = dv0 * -Y + dv1 * X + dv2 * 0;
    const J3 = du0, J4 = du1, J5 = du2, K3 = dv0, K4 = dv1, K5 = dv2;
    g0 -= w * (J0 * eu + K0 * ev); g1 -= w * (J1 * eu + K1 * ev); g2 -= w * (J2 * eu + K2 * ev);
    g3 -= w * (J3 * eu + K3 * ev); g4 -= w * (J4 * eu + K4 * ev); g5 -= w * (J5 * eu + K5 * ev);
    h00 += w * (J0 * J0 + K0 * K0); h01 += w * (J0 * J1 + K0 * K1); h02 += w * (J0 * J2 + K0 * K2); h03 += w * (J0 * J3 + K0 * K3); h04 += w * (J0 * J4 + K0 * K4); h05 += w * (J0 * J5 + K0 * K5);
    h11 += w * (J1 * J1 + K1 * K1); h12 += w * (J1 * J2 + K1 * K2); h13 += w * (J1 * J3 + K1 * K3); h14 += w * (J1 * J4 + K1 * K4); h15 += w * (J1 * J5 + K1 * K5);
    h22 += w * (J2 * J2 + K2 * K2); h23 += w * (J2 * J3 + K2 * K3); h24 += w * (J2 * J4 + K2 * K4); h25 += w * (J2 * J5 + K2 * K5);
    h33 += w * (J3 * J3 + K3 * K3); h34 += w * (J3 * J4 + K3 * K4); h35 += w * (J3 * J5 + K3 * K5);
    h44 += w * (J4 * J4 + K4 * K4); h45 += w * (J4 * J5 + K4 * K5);
    h55 += w * (J5 * J5 + K5 * K5);
  }
  H[0] = h00; H[1] = h01; H[2] = h02; H[3] = h03; H[4] = h04; H[5] = h05;
  H[6] = h01; H[7] = h11; H[8] = h12; H[9] = h13; H[10] = h14; H[11] = h15;
  H[12] = h02; H[13] = h12; H[14] = h22; H[15] = h23; H[16] = h24; H[17] = h25;
  H[18] = h03; H[19] = h13; H[20] = h23; H[21] = h33; H[22] = h34; H[23] = h35;
  H[24] = h04; H[25] = h14; H[26] = h24; H[27] = h34; H[28] = h44; H[29] = h45;
  H[30] = h05; H[31] = h15; H[32] = h25; H[33] = h35; H[34] = h45; H[35] = h55;
  g[0] = g0; g[1] = g1; g[2] = g2; g[3] = g3; g[4] = g4; g[5] = g5;
  return used;
}

/** Mean pixel shift that the translation part alone causes for the given points (observability of depth). */
export function translationParallax(P: Float32Array, T: Mat4, K: Intrinsics): number {
  const R = rotOf(T), t = transOf(T);
  const n = P.length / 3;
  if (!n) return 0;
  const ds: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = P[i * 3], y = P[i * 3 + 1], z = P[i * 3 + 2];
    const X0 = R[0] * x + R[1] * y + R[2] * z, X1 = R[3] * x + R[4] * y + R[5] * z, X2 = R[6] * x + R[7] * y + R[8] * z;
    const Z1 = X2 + t[2];
    if (X2 <= 1e-6 || Z1 <= 1e-6) continue;
    const du = K.fx * ((X0 + t[0]) / Z1 - X0 / X2), dv = K.fy * ((X1 + t[1]) / Z1 - X1 / X2);
    ds.push(hypot2(du, dv));
  }
  ds.sort(ascending);
  return ds.length ? ds[ds.length >> 1] : 0;
}

/**
 * Model selection between a full pose and a pure rotation (t = 0): when the rotation alone explains
 * the tracks about as well, the translation is noise trading off against rotation (the two are
 * nearly ambiguous without parallax), so it is dropped. Keeps tripod pans and static shots clean.
 */
export function preferRotationOnly(P: Float32Array, uv: Float32Array, T: Mat4, K: Intrinsics, thr = 1.5): { T: Mat4; rotationOnly: boolean } {
  // Each pass starts from t = 0 (the rotation only is carried over).
  const R = Float64Array.from(rotOf(T)), t = new Float64Array(3);
  const t0: Vec3 = [0, 0, 0];
  const wp = baWasm.on ? baPoints(P, uv, uv.length / 2) : null;
  for (const th of [thr * 2, thr, thr]) { t.fill(0); refine(P, uv, R, t, K, th, true, wp); }
  const full = trimmedRms(P, uv, rotOf(T), transOf(T), K, thr), rot = trimmedRms(P, uv, R, t0, K, thr);
  return rot <= full * 1.15 + 0.08 ? { T: fromRt(R, t0), rotationOnly: true } : { T, rotationOnly: false };
}

/**
 * RMS of the best 80% of the reprojection errors (each capped at twice thr). Module functions, not closures
 * made per call: V8 holds a closure's optimised code weakly, so each collection threw it away and the next
 * call's closure was compiled again (a dozen times a clip).
 */
function trimmedRms(P: Float32Array, uv: Float32Array, R: ArrayLike<number>, t: ArrayLike<number>, K: Intrinsics, thr: number): number {
  const n = uv.length / 2;
  const e: number[] = [];
  for (let i = 0; i < n; i++) e.push(Math.min(thr * thr * 4, reprojErr2(P, uv, i, R, t, K)));
  e.sort(ascending);
  // The sum from 0 in index order, as reduce added them.
  const m = Math.min(e.length, Math.max(1, Math.floor(e.length * 0.8)));
  let s = 0;
  for (let i = 0; i < m; i++) s += e[i];
  return Math.sqrt(s / m);
}

function ascending(a: number, b: number): number {
  return a - b;
}
