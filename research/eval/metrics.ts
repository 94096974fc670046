import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';
import { invRigid, mul3, mul4, rotOf, rotationAngle, transOf, transpose3, umeyama } from '../../src-main/engine/geometry/linalg.ts';
import { resizePlane } from '../../src-main/engine/preprocess/resize.ts';

/**
 * Depth metrics exactly as shared/datasets/DATASETS.md defines them (the Video-Depth-Anything protocol):
 * one least-squares scale+shift per sequence in disparity space, then AbsRel/delta1 per frame (averaged)
 * and TAE over consecutive frames with ground-truth poses.
 */
export interface DepthScores {
  absRel: number; delta1: number; tae: number;
  /** Per frame, for finding where a method fails. */
  frameAbsRel: number[];
  /**
   * The sequence's disparity fit. A slope near 0 means a few outlier disparities (a model's failed
   * near-zero depths) took over the least squares and the row was scored as one constant depth.
   */
  fit: { s: number; t: number };
}

/**
 * Metric predictions are clipped to at least this depth before inversion, and pixels predicted nearer
 * than twice it are left out of the sequence's fit (still scored): two deviations from DATASETS.md,
 * which clips only the inverse depth from below. FastDepth outputs exactly 0 m in failed patches
 * (tartanair-hospital frames 66-70, 186); as disparity those few pixels (up to 1000 and more) took
 * over the least-squares fit (slope 0.0002) and every method was scored as one constant depth; even
 * clipped, they bent the model's own fit (shift 0.58), which flattened its depth and flattered its TAE.
 * Applied to every row alike; a real prediction that near is still scored, it only does not steer the fit.
 */
export const MIN_PRED_DEPTH_M = 0.05;

/** pred: per-frame predicted inverse depth (any grid; resampled to the GT grid bilinearly). */
export function scoreDepth(
  predInv: { data: Float32Array; width: number; height: number }[],
  gt: Float32Array[],
  K: Intrinsics,
  gtPoses: Mat4[],
  cap: number,
  /** Predicted inverse depths above this (failed pixels) are left out of the fit; they are still scored. */
  fitMaxInv = Infinity,
): DepthScores {
  const W = K.width, H = K.height;
  const up = (i: number) => {
    const p = predInv[i];
    const r = resizePlane(p.data, p.width, p.height, W, H);
    for (let k = 0; k < r.length; k++) r[k] = Math.max(1e-3, r[k]);
    return r;
  };
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < gt.length; i++) {
    const x = up(i), g = gt[i];
    for (let p = 0; p < g.length; p++) {
      if (!(g[p] > 1e-3 && g[p] < cap) || x[p] > fitMaxInv) continue;
      const y = 1 / g[p];
      sw++; sx += x[p]; sy += y; sxx += x[p] * x[p]; sxy += x[p] * y;
    }
  }
  const s = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
  const t = (sy - s * sx) / sw;
  const aligned = (i: number) => {
    const x = up(i);
    for (let p = 0; p < x.length; p++) x[p] = Math.min(cap, Math.max(1e-3, 1 / Math.max(1e-3, s * x[p] + t)));
    return x;
  };
  let absRel = 0, delta1 = 0, tae = 0;
  let prev: Float32Array | null = null;
  const frameAbsRel: number[] = [];
  for (let i = 0; i < gt.length; i++) {
    const d = aligned(i);
    const e = frameErrors(d, gt[i], cap);
    absRel += e.absRel; delta1 += e.delta1;
    frameAbsRel.push(e.absRel);
    if (prev) tae += transferError(prev, d, K, gtPoses[i - 1], gtPoses[i]) + transferError(d, prev, K, gtPoses[i], gtPoses[i - 1]);
    prev = d;
  }
  const N = gt.length;
  return { absRel: absRel / N, delta1: delta1 / N, tae: N > 1 ? (100 * tae) / (2 * (N - 1)) : 0, frameAbsRel, fit: { s, t } };
}

/** AbsRel and delta1 of one frame's depth over the valid ground truth (and predicted depth > 0); 0 when none. */
export function frameErrors(d: Float32Array, g: Float32Array, cap: number): { absRel: number; delta1: number } {
  let a = 0, b = 0, n = 0;
  for (let p = 0; p < g.length; p++) {
    if (!(g[p] > 1e-3 && g[p] < cap && d[p] > 0)) continue;
    a += Math.abs(d[p] - g[p]) / g[p];
    b += Math.max(d[p] / g[p], g[p] / d[p]) < 1.25 ? 1 : 0;
    n++;
  }
  return { absRel: n ? a / n : 0, delta1: n ? b / n : 0 };
}

/**
 * How well the output's depth and poses agree with EACH OTHER (what the 3D view and the exported cloud
 * show, no ground truth involved): each frame's depth moved `step` frames on along the output poses,
 * with every position scaled by `factor`, against that frame's depth; as TAE (percent, both
 * directions). When depth and poses are in one unit, factor 1 scores best; a path in other units than
 * the depth would score best at another factor.
 */
export function poseDepthAgreement(
  predInv: { data: Float32Array; width: number; height: number }[],
  poses: Mat4[],
  /** Intrinsics of the depth's grid. */
  K: Intrinsics,
  shots: number[],
  o: { step?: number; factor?: number } = {},
): number {
  const step = o.step ?? 5, f = o.factor ?? 1;
  const z = predInv.map((p) => p.data.map((v) => (v > 0 ? 1 / v : 0)));
  const P = poses.map((c2w) => c2w.map((v, i) => (i === 3 || i === 7 || i === 11 ? v * f : v)));
  let e = 0, n = 0;
  for (let i = 0; i + step < predInv.length; i++) {
    if (shots[i] !== shots[i + step]) continue;
    e += transferError(z[i], z[i + step], K, P[i], P[i + step]) + transferError(z[i + step], z[i], K, P[i + step], P[i]);
    n += 2;
  }
  return n ? (100 * e) / n : NaN;
}

/** mean |d_b - proj| / d_b of depth a moved into camera b (rounded pixels). */
function transferError(da: Float32Array, db: Float32Array, K: Intrinsics, c2wA: Mat4, c2wB: Mat4): number {
  const T = mul4(invRigid(c2wB), c2wA);
  const W = K.width, H = K.height;
  let e = 0, n = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const z = da[y * W + x];
      if (!(z > 0)) continue;
      const X = ((x - K.cx) / K.fx) * z, Y = ((y - K.cy) / K.fy) * z;
      const zb = T[8] * X + T[9] * Y + T[10] * z + T[11];
      if (zb <= 1e-6) continue;
      const u = Math.round((K.fx * (T[0] * X + T[1] * Y + T[2] * z + T[3])) / zb + K.cx);
      const v = Math.round((K.fy * (T[4] * X + T[5] * Y + T[6] * z + T[7])) / zb + K.cy);
      if (u < 0 || v < 0 || u >= W || v >= H) continue;
      const d = db[v * W + u];
      if (!(d > 0)) continue;
      e += Math.abs(d - zb) / d; n++;
    }
  return n ? e / n : 0;
}

export interface PoseScores { ate: number; rpeTrans: number; rpeRotDeg: number; pathLength: number; scale: number }

/** ATE: RMSE of positions after a similarity (Umeyama) alignment; RPE per frame step with that scale. */
export function scorePoses(est: Mat4[], gt: Mat4[]): PoseScores {
  const n = est.length;
  const a = new Float64Array(n * 3), b = new Float64Array(n * 3);
  let path = 0;
  for (let i = 0; i < n; i++) {
    const te = transOf(est[i]), tg = transOf(gt[i]);
    for (let k = 0; k < 3; k++) { a[i * 3 + k] = te[k]; b[i * 3 + k] = tg[k]; }
    if (i) path += Math.hypot(tg[0] - b[i * 3 - 3], tg[1] - b[i * 3 - 2], tg[2] - b[i * 3 - 1]);
  }
  const { s, R, t } = umeyama(a, b, n, true);
  let se = 0;
  for (let i = 0; i < n; i++) {
    const p = [a[i * 3], a[i * 3 + 1], a[i * 3 + 2]];
    for (let k = 0; k < 3; k++) {
      const q = s * (R[k * 3] * p[0] + R[k * 3 + 1] * p[1] + R[k * 3 + 2] * p[2]) + t[k];
      se += (q - b[i * 3 + k]) ** 2;
    }
  }
  let rt = 0, rr = 0;
  for (let i = 1; i < n; i++) {
    const re = mul4(invRigid(est[i - 1]), est[i]), rg = mul4(invRigid(gt[i - 1]), gt[i]);
    const te = transOf(re), tg = transOf(rg);
    rt += Math.hypot(s * te[0] - tg[0], s * te[1] - tg[1], s * te[2] - tg[2]);
    rr += (rotationAngle(mul3(transpose3(rotOf(rg)), rotOf(re))) * 180) / Math.PI;
  }
  return { ate: Math.sqrt(se / n), rpeTrans: n > 1 ? rt / (n - 1) : 0, rpeRotDeg: n > 1 ? rr / (n - 1) : 0, pathLength: path, scale: s };
}
