import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { expSO3, fromRt, mul3, mulVec3, rotOf, solveSPD, transOf, type Mat3, type Vec3, hypot2 } from './linalg.ts';

/** One frame's view of the keyframe's corners. */
export interface WindowObservation {
  /** Keyframe camera -> this frame's camera (refined in place). */
  T: Mat4;
  /** Corner index per observation and its tracked pixel (tracking resolution). */
  ids: Int32Array;
  uv: Float32Array;
}

export interface WindowProblem {
  /** Normalised keyframe ray (x/z, y/z) per corner. */
  rays: Float32Array;
  /** Inverse depth per corner in the keyframe (refined in place) and the model's value (the prior). */
  q: Float64Array;
  q0: Float64Array;
  /** Per-corner weight of the prior (default 1): corners whose q0 was triangulated hold it more firmly. */
  w0?: Float64Array;
}

/**
 * The focal length as one parameter shared by the window: fx and fy scaled by exp(s), the keyframe's
 * rays (normalised with K) by exp(-s); a Gaussian prior on s (log focal) holds it where the window
 * cannot tell. `info` comes back as what the window's own observations say about s (the marginal
 * information after the poses and depths, prior excluded): 0 where they say nothing.
 */
export interface WindowFocal {
  /** Log of the focal length over K's (refined in place). */
  s: number;
  /** Prior centre and spread (log focal). */
  s0: number;
  sigma: number;
  /** Out: marginal information on s from the observations (1 / variance, log focal). */
  info?: number;
}

/**
 * Keyframe-anchored sliding-window bundle adjustment: the poses of the last few frames AND the
 * inverse depth of every keyframe corner are refined together on reprojection error (Huber), with a
 * weak log-prior tying each inverse depth to the model's depth. Several views of the same corners
 * pin the shape by triangulation, which a small model's depth cannot; the prior only supplies the
 * scale (and keeps rotation-only stretches well posed). The keyframe itself is the gauge (identity).
 * Point unknowns are eliminated by the Schur complement, leaving a 6M x 6M system; Levenberg-
 * Marquardt with a cost check keeps it from diverging on bad starts. `stop`: the iterations end once
 * a step lowers the cost by less than this fraction of it (converged: the rest would only confirm it).
 */
export function bundleAdjustWindow(pb: WindowProblem, obs: WindowObservation[], K: Intrinsics, o: { thresholdPx?: number; priorSigma?: number; iterations?: number; focal?: WindowFocal; stop?: number } = {}): void {
  const M = obs.length, nP = pb.q.length;
  if (!M) return;
  const fo = o.focal;
  // The focal's scale, applied to the projection (sf) and, inverted, to the keyframe's rays.
  let sf = fo ? Math.exp(fo.s) : 1;
  const lamF = fo ? 1 / fo.sigma ** 2 : 0;
  const thr = o.thresholdPx ?? 1.5;
  const lam = 1 / (o.priorSigma ?? 2) ** 2;
  const Rs: Mat3[] = obs.map((ob) => rotOf(ob.T)), ts: Vec3[] = obs.map((ob) => transOf(ob.T));
  const q = pb.q;
  const robustCost = (Rl: Mat3[], tl: Vec3[], ql: Float64Array, sc = sf) => {
    let c = 0;
    const fx = K.fx * sc, fy = K.fy * sc;
    for (let j = 0; j < M; j++) {
      const ob = obs[j], R = Rl[j], t = tl[j];
      for (let k = 0; k < ob.ids.length; k++) {
        const i = ob.ids[k], z = 1 / ql[i], x = (pb.rays[2 * i] * z) / sc, y = (pb.rays[2 * i + 1] * z) / sc;
        const Zc = R[6] * x + R[7] * y + R[8] * z + t[2];
        if (Zc <= 1e-6) { c += (3 * thr) ** 2; continue; }
        const eu = (fx * (R[0] * x + R[1] * y + R[2] * z + t[0])) / Zc + K.cx - ob.uv[2 * k];
        const ev = (fy * (R[3] * x + R[4] * y + R[5] * z + t[1])) / Zc + K.cy - ob.uv[2 * k + 1];
        const e = Math.min(3 * thr, hypot2(eu, ev));
        c += e <= thr ? e * e : thr * (2 * e - thr);
      }
    }
    for (let i = 0; i < nP; i++) c += lam * (pb.w0?.[i] ?? 1) * Math.log(ql[i] / pb.q0[i]) ** 2;
    if (fo) c += lamF * (Math.log(sc) - fo.s0) ** 2;
    return c;
  };
  // With the focal free, its unknown is the last one of the reduced system.
  const DP = 6 * M, D = DP + (fo ? 1 : 0);
  const F = DP;
  // Work buffers (the system, the reduced one, its damped copy, the Cholesky factor, the candidate
  // depths): module scratch reused from call to call, each cleared or written whole before it is read
  // (the tracker and the focal search run thousands of adjustments a clip; fresh arrays kept the
  // collector busy).
  const qf = f64(0, fo ? nP : 0);
  const H = f64(1, D * D), g = f64(2, D);
  const Hqq = f64(3, nP), gq = f64(4, nP);
  const S = f64(5, D * D), r = f64(6, D), A = f64(7, D * D), L = f64(8, D * D), nq = f64(9, nP);
  // Per point, its observations' pose-point coupling blocks (frame, 6 values), in frame order: a
  // point is seen at most once a frame, so M slots each.
  const cpN = i32(0, nP), cpJ = i32(1, nP * M), cpV = f64(10, nP * M * 6);
  const Jp = f64(11, 12);
  let mu = 1e-3;
  let cost = robustCost(Rs, ts, q);
  let converged = false;
  for (let it = 0; it < (o.iterations ?? 8) && !converged; it++) {
    H.fill(0); g.fill(0); Hqq.fill(0); gq.fill(0); qf.fill(0); cpN.fill(0);
    const fx = K.fx * sf, fy = K.fy * sf;
    for (let j = 0; j < M; j++) {
      const ob = obs[j], R = Rs[j], t = ts[j], base = 6 * j;
      for (let k = 0; k < ob.ids.length; k++) {
        const i = ob.ids[k], z = 1 / q[i], rx = pb.rays[2 * i] / sf, ry = pb.rays[2 * i + 1] / sf;
        const x = rx * z, y = ry * z;
        const X = R[0] * x + R[1] * y + R[2] * z + t[0];
        const Y = R[3] * x + R[4] * y + R[5] * z + t[1];
        const Zc = R[6] * x + R[7] * y + R[8] * z + t[2];
        if (Zc <= 1e-6) continue;
        const iz = 1 / Zc;
        const eu = fx * X * iz + K.cx - ob.uv[2 * k], ev = fy * Y * iz + K.cy - ob.uv[2 * k + 1];
        const e = hypot2(eu, ev);
        if (e > thr * 3) continue;
        const w = e <= thr ? 1 : thr / e;
        const du0 = fx * iz, du2 = -fx * X * iz * iz, dv1 = fy * iz, dv2 = -fy * Y * iz * iz;
        // d(X,Y,Z)/d omega = -[Xc]x ; d/dv = I
        Jp[0] = du2 * Y; Jp[1] = du0 * Zc - du2 * X; Jp[2] = -du0 * Y;
        Jp[6] = -dv1 * Zc + dv2 * Y; Jp[7] = -dv2 * X; Jp[8] = dv1 * X;
        Jp[3] = du0; Jp[4] = 0; Jp[5] = du2;
        Jp[9] = 0; Jp[10] = dv1; Jp[11] = dv2;
        const s2 = -z * z;
        const dqx = s2 * (R[0] * rx + R[1] * ry + R[2]), dqy = s2 * (R[3] * rx + R[4] * ry + R[5]), dqz = s2 * (R[6] * rx + R[7] * ry + R[8]);
        const Jqu = du0 * dqx + du2 * dqz, Jqv = dv1 * dqy + dv2 * dqz;
        const slot = i * M + cpN[i]++, v = 6 * slot;
        cpJ[slot] = j;
        for (let a = 0; a < 6; a++) {
          g[base + a] -= w * (Jp[a] * eu + Jp[6 + a] * ev);
          cpV[v + a] = w * (Jp[a] * Jqu + Jp[6 + a] * Jqv);
          for (let b = a; b < 6; b++) H[(base + a) * D + base + b] += w * (Jp[a] * Jp[b] + Jp[6 + a] * Jp[6 + b]);
        }
        Hqq[i] += w * (Jqu * Jqu + Jqv * Jqv);
        gq[i] -= w * (Jqu * eu + Jqv * ev);
        if (fo) {
          // d/ds: the projection's scale, and the point's x, y shrinking with it (dP = (-x, -y, 0) rotated).
          const dX = -(R[0] * x + R[1] * y), dY = -(R[3] * x + R[4] * y), dZ = -(R[6] * x + R[7] * y);
          const Jfu = fx * X * iz + du0 * dX + du2 * dZ, Jfv = fy * Y * iz + dv1 * dY + dv2 * dZ;
          H[F * D + F] += w * (Jfu * Jfu + Jfv * Jfv);
          g[F] -= w * (Jfu * eu + Jfv * ev);
          for (let a = 0; a < 6; a++) H[(base + a) * D + F] += w * (Jp[a] * Jfu + Jp[6 + a] * Jfv);
          qf[i] += w * (Jfu * Jqu + Jfv * Jqv);
        }
      }
    }
    for (let i = 0; i < nP; i++) {
      const lr = Math.log(q[i] / pb.q0[i]);
      const li = lam * (pb.w0?.[i] ?? 1);
      Hqq[i] += li / (q[i] * q[i]);
      gq[i] -= (li * lr) / q[i];
    }
    for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) H[a * D + b] = H[b * D + a];
    // Schur complement over the inverse depths. solveSPD reads the lower triangle only: only that is
    // reduced (the pose-focal column is kept on both sides, as the focal's information reads it).
    S.set(H); r.set(g);
    for (let i = 0; i < nP; i++) {
      const nc = cpN[i];
      if (!nc) continue;
      const inv = 1 / Hqq[i];
      for (let ca = 0; ca < nc; ca++) {
        const ja = cpJ[i * M + ca], va = 6 * (i * M + ca);
        for (let a = 0; a < 6; a++) {
          const av = cpV[va + a] * inv, row = (6 * ja + a) * D;
          r[6 * ja + a] -= av * gq[i];
          // The blocks of earlier frames whole (six entries written out: the hottest loop of the
          // adjustment), then this frame's lower triangle; each entry's terms in the same order.
          for (let cb = 0; cb < ca; cb++) {
            const vb = 6 * (i * M + cb), col = row + 6 * cpJ[i * M + cb];
            S[col] -= av * cpV[vb]; S[col + 1] -= av * cpV[vb + 1]; S[col + 2] -= av * cpV[vb + 2];
            S[col + 3] -= av * cpV[vb + 3]; S[col + 4] -= av * cpV[vb + 4]; S[col + 5] -= av * cpV[vb + 5];
          }
          const col = row + 6 * ja;
          for (let b = 0; b <= a; b++) S[col + b] -= av * cpV[va + b];
        }
      }
      if (fo) {
        r[F] -= qf[i] * inv * gq[i];
        S[F * D + F] -= qf[i] * inv * qf[i];
        for (let ca = 0; ca < nc; ca++) {
          const ja = cpJ[i * M + ca], va = 6 * (i * M + ca);
          for (let a = 0; a < 6; a++) { const v = cpV[va + a] * inv * qf[i]; S[(6 * ja + a) * D + F] -= v; S[F * D + 6 * ja + a] -= v; }
        }
      }
    }
    if (fo) {
      // The marginal information on s (the observations' own, before the prior): 1 / (S^-1)[F][F].
      const e = new Float64Array(D); e[F] = 1;
      A.set(S);
      for (let a = 0; a < D; a++) A[a * D + a] += 1e-9;
      const col = solveSPD(A, e, D, L);
      fo.info = col && col[F] > 0 ? 1 / col[F] : 0;
      const ls = Math.log(sf);
      S[F * D + F] += lamF;
      r[F] -= lamF * (ls - fo.s0);
    }
    let improved = false;
    for (let tries = 0; tries < 5 && !improved; tries++) {
      A.set(S);
      for (let a = 0; a < D; a++) A[a * D + a] += 1e-9 + mu * Math.max(A[a * D + a], 1e-6);
      const d = solveSPD(A, r, D, L);
      if (!d) { mu *= 10; continue; }
      for (let i = 0; i < nP; i++) {
        let s = gq[i];
        for (let c = 0; c < cpN[i]; c++) for (let a = 0; a < 6; a++) s -= cpV[6 * (i * M + c) + a] * d[6 * cpJ[i * M + c] + a];
        if (fo) s -= qf[i] * d[F];
        nq[i] = Math.min(q[i] * 2, Math.max(q[i] / 2, q[i] + s / Hqq[i]));
      }
      const nsf = fo ? sf * Math.exp(Math.max(-0.2, Math.min(0.2, d[F]))) : 1;
      const nR: Mat3[] = [], nt: Vec3[] = [];
      for (let j = 0; j < M; j++) {
        const dR = expSO3([d[6 * j], d[6 * j + 1], d[6 * j + 2]]);
        nR.push(mul3(dR, Rs[j]));
        const tt = mulVec3(dR, ts[j]);
        nt.push([tt[0] + d[6 * j + 3], tt[1] + d[6 * j + 4], tt[2] + d[6 * j + 5]]);
      }
      const nc = robustCost(nR, nt, nq, nsf);
      if (nc < cost) {
        improved = true;
        converged = cost - nc < (o.stop ?? 0) * cost;
        cost = nc;
        sf = nsf;
        for (let j = 0; j < M; j++) { Rs[j] = nR[j]; ts[j] = nt[j]; }
        q.set(nq);
        mu = Math.max(1e-6, mu / 3);
      } else mu *= 10;
    }
    if (!improved) break;
  }
  for (let j = 0; j < M; j++) obs[j].T = fromRt(Rs[j], ts[j]);
  if (fo) fo.s = Math.log(sf);
}

// Filled with empty arrays (never undefined): one shape for the optimiser to see.
const f64Pool = Array.from({ length: 12 }, () => new Float64Array(0)), i32Pool = [new Int32Array(0), new Int32Array(0)];
/** Scratch slot `k` of exactly n values (contents left from the last use). */
function f64(k: number, n: number): Float64Array {
  if (f64Pool[k].length < n) f64Pool[k] = new Float64Array(Math.max(n, 2 * f64Pool[k].length));
  return f64Pool[k].subarray(0, n);
}
function i32(k: number, n: number): Int32Array {
  if (i32Pool[k].length < n) i32Pool[k] = new Int32Array(Math.max(n, 2 * i32Pool[k].length));
  return i32Pool[k].subarray(0, n);
}

/** Reprojection error (pixels) of each observation of one frame under the problem's current depths (and the window's focal scale, exp(s)). */
export function windowErrors(pb: WindowProblem, ob: WindowObservation, K: Intrinsics, focalScale = 1): Float32Array {
  const R = rotOf(ob.T), t = transOf(ob.T), e = new Float32Array(ob.ids.length);
  const fx = K.fx * focalScale, fy = K.fy * focalScale;
  for (let k = 0; k < ob.ids.length; k++) {
    const i = ob.ids[k], z = 1 / pb.q[i], x = (pb.rays[2 * i] * z) / focalScale, y = (pb.rays[2 * i + 1] * z) / focalScale;
    const Zc = R[6] * x + R[7] * y + R[8] * z + t[2];
    if (Zc <= 1e-6) { e[k] = Infinity; continue; }
    const eu = (fx * (R[0] * x + R[1] * y + R[2] * z + t[0])) / Zc + K.cx - ob.uv[2 * k];
    const ev = (fy * (R[3] * x + R[4] * y + R[5] * z + t[1])) / Zc + K.cy - ob.uv[2 * k + 1];
    e[k] = hypot2(eu, ev);
  }
  return e;
}
