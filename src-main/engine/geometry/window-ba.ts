import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { expSO3Into, fromRt, solveSPD, hypot2 } from './linalg.ts';
import { baWasm, baWindow, type BaExports, type BaWindow } from './ba-wasm.ts';

// The window's reprojection errors, kept beside it in a file of their own.
export { windowErrors } from './window-errors.ts';

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
  // With the focal free, its unknown is the last one of the reduced system.
  const D = 6 * M + (fo ? 1 : 0);
  // Work buffers (the system, the reduced one, its damped copy, the Cholesky factor, the candidate
  // depths): module scratch reused from call to call, each cleared or written whole before it is read
  // (the tracker and the focal search run thousands of adjustments a clip; fresh arrays kept the
  // collector busy).
  const w0 = f64(12, nP);
  if (pb.w0) w0.set(pb.w0);
  else w0.fill(1);
  // The callers' problems, observations, poses and options come in several shapes (and a pose's array in
  // several element kinds; the focal search brings new ones once the tracker's code is optimised): only
  // this function reads them, and it is small, so a new shape recompiles only it. The iterations
  // (adjust) and the kernels read one object shape and typed arrays.
  // Lists pushed, not obs.map's: map's array was holey or packed depending on whether this function ran
  // optimised, and each change of kind threw the kernels' code away.
  const ids: Int32Array[] = [], uvs: Float32Array[] = [];
  for (let j = 0; j < M; j++) { ids.push(obs[j].ids); uvs.push(obs[j].uv); }
  const thr = o.thresholdPx ?? 1.5;
  // The kernels' buffers: in WebAssembly's memory (the window's data copied in once), or module scratch.
  const bufs = baWasm.on ? baWindow(M, nP, D, fo !== undefined, ids, uvs, pb.rays, K.fx, K.fy, K.cx, K.cy, thr, (3 * thr) ** 2) : scratch(M, nP, D, fo !== undefined, pb.q);
  const c = makeCtx(M, nP, D, fo !== undefined, ids, uvs, pb.rays, pb.q0, w0, K.fx, K.fy, K.cx, K.cy,
    thr, 1 / (o.priorSigma ?? 2) ** 2, fo ? 1 / fo.sigma ** 2 : 0, fo ? fo.s0 : 0, bufs);
  // Each view's pose as R (9, row-major) then t (3).
  const P = c.P;
  for (let j = 0; j < M; j++) {
    const T = obs[j].T;
    P[12 * j] = T[0]; P[12 * j + 1] = T[1]; P[12 * j + 2] = T[2]; P[12 * j + 3] = T[4]; P[12 * j + 4] = T[5]; P[12 * j + 5] = T[6];
    P[12 * j + 6] = T[8]; P[12 * j + 7] = T[9]; P[12 * j + 8] = T[10]; P[12 * j + 9] = T[3]; P[12 * j + 10] = T[7]; P[12 * j + 11] = T[11];
  }
  // The focal's scale, applied to the projection (sf) and, inverted, to the keyframe's rays.
  const iterations = o.iterations ?? 8;
  if (c.q !== pb.q) c.q.set(pb.q);
  adjust(c, P, c.q, fo ? Math.exp(fo.s) : 1, iterations, o.stop ?? 0);
  if (c.q !== pb.q) pb.q.set(c.q);
  for (let j = 0; j < M; j++) obs[j].T = fromRt(P.subarray(12 * j, 12 * j + 9), P.subarray(12 * j + 9, 12 * j + 12));
  if (fo) {
    // The first iteration always sets the focal's information (there is one unless iterations is 0).
    if (iterations > 0) fo.info = adjusted[1];
    fo.s = Math.log(adjusted[0]);
  }
}

/** adjust's results: the focal's final scale and its marginal information. */
const adjusted = new Float64Array(2);

/**
 * Levenberg-Marquardt on poses P (refined in place), inverse depths q (in place) and the focal scale sf
 * (out: adjusted[0], the information on it: adjusted[1]).
 */
function adjust(c: Ctx, P: Float64Array, q: Float64Array, sf: number, iterations: number, stop: number): void {
  const { M, D, hasF, lamF, s0, S, r, A, nq, d, nPose } = c;
  const F = 6 * M;
  let mu = 1e-3;
  let cost = robustCost(c, P, q, sf);
  let converged = false;
  for (let it = 0; it < iterations && !converged; it++) {
    linearize(c, P, q, sf);
    // Schur complement over the inverse depths.
    S.set(c.H); r.set(c.g);
    reduceDepths(c, S, r);
    if (hasF) {
      // The marginal information on s (the observations' own, before the prior): 1 / (S^-1)[F][F].
      const e = c.e; e.fill(0); e[F] = 1;
      A.set(S);
      for (let a = 0; a < D; a++) A[a * D + a] += 1e-9;
      const col = solve(c, A, e);
      adjusted[1] = col && col[F] > 0 ? 1 / col[F] : 0;
      const ls = Math.log(sf);
      S[F * D + F] += lamF;
      r[F] -= lamF * (ls - s0);
    }
    let improved = false;
    for (let tries = 0; tries < 5 && !improved; tries++) {
      A.set(S);
      for (let a = 0; a < D; a++) A[a * D + a] += 1e-9 + mu * Math.max(A[a * D + a], 1e-6);
      if (!solve(c, A, r)) { mu *= 10; continue; }
      stepDepths(c, d, q, nq);
      const nsf = hasF ? sf * Math.exp(Math.max(-0.2, Math.min(0.2, d[F]))) : 1;
      stepPoses(M, d, P, nPose);
      const nc = robustCost(c, nPose, nq, nsf);
      if (nc < cost) {
        improved = true;
        converged = cost - nc < stop * cost;
        cost = nc;
        sf = nsf;
        P.set(nPose);
        q.set(nq);
        mu = Math.max(1e-6, mu / 3);
      } else mu *= 10;
    }
    if (!improved) break;
  }
  adjusted[0] = sf;
}

/** What the adjustment's kernels read (one object shape for every caller). */
interface Ctx {
  M: number; nP: number; D: number; hasF: boolean;
  ids: Int32Array[]; uvs: Float32Array[]; rays: Float32Array; q0: Float64Array; w0: Float64Array;
  Kfx: number; Kfy: number; cx: number; cy: number; thr: number; lam: number; lamF: number; s0: number;
  H: Float64Array; g: Float64Array; Hqq: Float64Array; gq: Float64Array; qf: Float64Array;
  cpN: Int32Array; cpJ: Int32Array; cpV: Float64Array;
  /** adjust's: the reduced system S, r, its damped copy A, the factor L, the step d, a unit vector e, the candidate depths and poses, the poses P and depths q. */
  S: Float64Array; r: Float64Array; A: Float64Array; L: Float64Array; d: Float64Array; e: Float64Array; nq: Float64Array; nPose: Float64Array; P: Float64Array; q: Float64Array;
  /** The WebAssembly kernels and the window's header there (null, 0: the TypeScript's). */
  x: BaExports | null; h: number;
}

/** A Ctx from one object literal (one shape) over the buffers `b` (module scratch, or WebAssembly memory). */
function makeCtx(M: number, nP: number, D: number, hasF: boolean, ids: Int32Array[], uvs: Float32Array[], rays: Float32Array, q0: Float64Array, w0: Float64Array,
  Kfx: number, Kfy: number, cx: number, cy: number, thr: number, lam: number, lamF: number, s0: number, b: Omit<BaWindow, 'x' | 'h'> & { x: BaExports | null; h: number }): Ctx {
  return {
    M, nP, D, hasF, ids, uvs, rays, q0, w0, Kfx, Kfy, cx, cy, thr, lam, lamF, s0,
    H: b.H, g: b.g, Hqq: b.Hqq, gq: b.gq, qf: b.qf, cpN: b.cpN, cpJ: b.cpJ, cpV: b.cpV,
    S: b.S, r: b.r, A: b.A, L: b.L, d: b.d, e: b.e, nq: b.nq, nPose: b.nPose, P: b.P, q: b.q, x: b.x, h: b.h,
  };
}

/** The TypeScript kernels' buffers: module scratch (q: the problem's own depths, refined in place). */
function scratch(M: number, nP: number, D: number, hasF: boolean, q: Float64Array) {
  return {
    x: null, h: 0, H: f64(1, D * D), g: f64(2, D), Hqq: f64(3, nP), gq: f64(4, nP), qf: f64(0, hasF ? nP : 0),
    // Per point, its observations' pose-point coupling blocks (frame, 6 values), in frame order: a
    // point is seen at most once a frame, so M slots each.
    cpN: i32(0, nP), cpJ: i32(1, nP * M), cpV: f64(10, nP * M * 6),
    S: f64(5, D * D), r: f64(6, D), A: f64(7, D * D), L: f64(8, D * D), d: f64(13, D), e: f64(11, D), nq: f64(9, nP),
    // The candidate step's poses beside P.
    nPose: f64(15, 12 * M), P: f64(14, 12 * M), q,
  };
}

/** solveSPD of A x = b into c.d, in the kernels' language: c.d, or null where A is not positive definite. */
function solve(c: Ctx, A: Float64Array, b: Float64Array): Float64Array | null {
  const x = c.x;
  if (!x) return solveSPD(A, b, c.D, c.L, c.d);
  return x.solveSPD(A.byteOffset, b.byteOffset, c.D, c.L.byteOffset, c.d.byteOffset) ? c.d : null;
}

/** The robust cost (Huber reprojection error, depth prior, focal prior) of poses P, inverse depths ql and focal scale sc. */
function robustCost(c: Ctx, P: Float64Array, ql: Float64Array, sc: number): number {
  const x = c.x;
  let cost = x ? x.reprojCost(c.h, P.byteOffset, ql.byteOffset, sc) : reprojCost(c, P, ql, sc);
  // The prior's terms (their logarithms V8's) summed on, in the same order.
  const { nP, q0, w0, lam } = c;
  for (let i = 0; i < nP; i++) cost += lam * w0[i] * Math.log(ql[i] / q0[i]) ** 2;
  if (c.hasF) cost += c.lamF * (Math.log(sc) - c.s0) ** 2;
  return cost;
}

/** robustCost's reprojection terms (wasm/ba.as.ts: reprojCost). */
function reprojCost(c: Ctx, P: Float64Array, ql: Float64Array, sc: number): number {
  const { M, rays, cx, cy, thr } = c;
  let cost = 0;
  const fx = c.Kfx * sc, fy = c.Kfy * sc;
  // A point behind the camera costs the cap, computed on every call and added where every point's term
  // is: arithmetic only the first point behind had reached found no type feedback and threw the code away.
  const behind = (3 * thr) ** 2;
  for (let j = 0; j < M; j++) {
    const ids = c.ids[j], uv = c.uvs[j], p = 12 * j;
    const R0 = P[p], R1 = P[p + 1], R2 = P[p + 2], R3 = P[p + 3], R4 = P[p + 4], R5 = P[p + 5], R6 = P[p + 6], R7 = P[p + 7], R8 = P[p + 8];
    const t0 = P[p + 9], t1 = P[p + 10], t2 = P[p + 11];
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k], z = 1 / ql[i], x = (rays[2 * i] * z) / sc, y = (rays[2 * i + 1] * z) / sc;
      const Zc = R6 * x + R7 * y + R8 * z + t2;
      let term = behind;
      if (!(Zc <= 1e-6)) {
        const eu = (fx * (R0 * x + R1 * y + R2 * z + t0)) / Zc + cx - uv[2 * k];
        const ev = (fy * (R3 * x + R4 * y + R5 * z + t1)) / Zc + cy - uv[2 * k + 1];
        const e = Math.min(3 * thr, hypot2(eu, ev));
        term = e <= thr ? e * e : thr * (2 * e - thr);
      }
      cost += term;
    }
  }
  return cost;
}

/** The normal equations at poses P, depths q and focal scale sf: the pose block H, g; the depths' diagonal Hqq, gq; the couplings. */
function linearize(c: Ctx, P: Float64Array, q: Float64Array, sf: number): void {
  const x = c.x;
  if (x) x.linearize(c.h, P.byteOffset, q.byteOffset, sf);
  else linearizeViews(c, P, q, sf);
  // The prior's terms (their logarithms V8's), onto the views' sums.
  const { nP, q0, w0, lam, Hqq, gq } = c;
  for (let i = 0; i < nP; i++) {
    const lr = Math.log(q[i] / q0[i]);
    const li = lam * w0[i];
    Hqq[i] += li / (q[i] * q[i]);
    gq[i] -= (li * lr) / q[i];
  }
}

/** linearize's observation terms (wasm/ba.as.ts: linearize), H mirrored into its lower triangle. */
function linearizeViews(c: Ctx, P: Float64Array, q: Float64Array, sf: number): void {
  const { M, D, hasF, rays, cx, cy, thr, H, g, Hqq, gq, qf, cpN, cpJ, cpV } = c;
  const F = D - 1;
  H.fill(0); g.fill(0); Hqq.fill(0); gq.fill(0); qf.fill(0); cpN.fill(0);
  const fx = c.Kfx * sf, fy = c.Kfy * sf;
  for (let j = 0; j < M; j++) {
    const ids = c.ids[j], uv = c.uvs[j], base = 6 * j, p = 12 * j;
    const R0 = P[p], R1 = P[p + 1], R2 = P[p + 2], R3 = P[p + 3], R4 = P[p + 4], R5 = P[p + 5], R6 = P[p + 6], R7 = P[p + 7], R8 = P[p + 8];
    const t0 = P[p + 9], t1 = P[p + 10], t2 = P[p + 11];
    // This frame's pose block (its upper triangle) and gradient summed in locals, then stored: only this
    // frame's observations touch them, so the sums (from 0, in the same order) are the same bits as
    // summing into H and g directly, without a load and store of H per term.
    let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0, h22 = 0, h23 = 0, h24 = 0, h25 = 0, h33 = 0, h34 = 0, h35 = 0, h44 = 0, h45 = 0, h55 = 0;
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0;
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k], z = 1 / q[i], rx = rays[2 * i] / sf, ry = rays[2 * i + 1] / sf;
      const x = rx * z, y = ry * z;
      const X = R0 * x + R1 * y + R2 * z + t0;
      const Y = R3 * x + R4 * y + R5 * z + t1;
      const Zc = R6 * x + R7 * y + R8 * z + t2;
      if (Zc <= 1e-6) continue;
      const iz = 1 / Zc;
      const eu = fx * X * iz + cx - uv[2 * k], ev = fy * Y * iz + cy - uv[2 * k + 1];
      const e = hypot2(eu, ev);
      if (e > thr * 3) continue;
      const w = e <= thr ? 1 : thr / e;
      const du0 = fx * iz, du2 = -fx * X * iz * iz, dv1 = fy * iz, dv2 = -fy * Y * iz * iz;
      // The rows of the pose Jacobian (u: J, v: K). d(X,Y,Z)/d omega = -[Xc]x ; d/dv = I
      const J0 = du2 * Y, J1 = du0 * Zc - du2 * X, J2 = -du0 * Y, J3 = du0, J4 = 0, J5 = du2;
      const K0 = -dv1 * Zc + dv2 * Y, K1 = -dv2 * X, K2 = dv1 * X, K3 = 0, K4 = dv1, K5 = dv2;
      const s2 = -z * z;
      const dqx = s2 * (R0 * rx + R1 * ry + R2), dqy = s2 * (R3 * rx + R4 * ry + R5), dqz = s2 * (R6 * rx + R7 * ry + R8);
      const Jqu = du0 * dqx + du2 * dqz, Jqv = dv1 * dqy + dv2 * dqz;
      const slot = i * M + cpN[i]++, v = 6 * slot;
      cpJ[slot] = j;
      g0 -= w * (J0 * eu + K0 * ev); g1 -= w * (J1 * eu + K1 * ev); g2 -= w * (J2 * eu + K2 * ev);
      g3 -= w * (J3 * eu + K3 * ev); g4 -= w * (J4 * eu + K4 * ev); g5 -= w * (J5 * eu + K5 * ev);
      cpV[v] = w * (J0 * Jqu + K0 * Jqv); cpV[v + 1] = w * (J1 * Jqu + K1 * Jqv); cpV[v + 2] = w * (J2 * Jqu + K2 * Jqv);
      cpV[v + 3] = w * (J3 * Jqu + K3 * Jqv); cpV[v + 4] = w * (J4 * Jqu + K4 * Jqv); cpV[v + 5] = w * (J5 * Jqu + K5 * Jqv);
      h00 += w * (J0 * J0 + K0 * K0); h01 += w * (J0 * J1 + K0 * K1); h02 += w * (J0 * J2 + K0 * K2); h03 += w * (J0 * J3 + K0 * K3);
      h04 += w * (J0 * J4 + K0 * K4); h05 += w * (J0 * J5 + K0 * K5); h11 += w * (J1 * J1 + K1 * K1); h12 += w * (J1 * J2 + K1 * K2);
      h13 += w * (J1 * J3 + K1 * K3); h14 += w * (J1 * J4 + K1 * K4); h15 += w * (J1 * J5 + K1 * K5); h22 += w * (J2 * J2 + K2 * K2);
      h23 += w * (J2 * J3 + K2 * K3); h24 += w * (J2 * J4 + K2 * K4); h25 += w * (J2 * J5 + K2 * K5); h33 += w * (J3 * J3 + K3 * K3);
      h34 += w * (J3 * J4 + K3 * K4); h35 += w * (J3 * J5 + K3 * K5); h44 += w * (J4 * J4 + K4 * K4); h45 += w * (J4 * J5 + K4 * K5);
      h55 += w * (J5 * J5 + K5 * K5);
      Hqq[i] += w * (Jqu * Jqu + Jqv * Jqv);
      gq[i] -= w * (Jqu * eu + Jqv * ev);
      if (hasF) {
        // d/ds: the projection's scale, and the point's x, y shrinking with it (dP = (-x, -y, 0) rotated).
        const dX = -(R0 * x + R1 * y), dY = -(R3 * x + R4 * y), dZ = -(R6 * x + R7 * y);
        const Jfu = fx * X * iz + du0 * dX + du2 * dZ, Jfv = fy * Y * iz + dv1 * dY + dv2 * dZ;
        H[F * D + F] += w * (Jfu * Jfu + Jfv * Jfv);
        g[F] -= w * (Jfu * eu + Jfv * ev);
        const cF = base * D + F;
        H[cF] += w * (J0 * Jfu + K0 * Jfv); H[cF + D] += w * (J1 * Jfu + K1 * Jfv); H[cF + 2 * D] += w * (J2 * Jfu + K2 * Jfv);
        H[cF + 3 * D] += w * (J3 * Jfu + K3 * Jfv); H[cF + 4 * D] += w * (J4 * Jfu + K4 * Jfv); H[cF + 5 * D] += w * (J5 * Jfu + K5 * Jfv);
        qf[i] += w * (Jfu * Jqu + Jfv * Jqv);
      }
    }
    const r0 = base * D + base, r1 = r0 + D, r2 = r1 + D, r3 = r2 + D, r4 = r3 + D, r5 = r4 + D;
    H[r0] = h00; H[r0 + 1] = h01; H[r0 + 2] = h02; H[r0 + 3] = h03; H[r0 + 4] = h04; H[r0 + 5] = h05;
    H[r1 + 1] = h11; H[r1 + 2] = h12; H[r1 + 3] = h13; H[r1 + 4] = h14; H[r1 + 5] = h15;
    H[r2 + 2] = h22; H[r2 + 3] = h23; H[r2 + 4] = h24; H[r2 + 5] = h25;
    H[r3 + 3] = h33; H[r3 + 4] = h34; H[r3 + 5] = h35; H[r4 + 4] = h44; H[r4 + 5] = h45; H[r5 + 5] = h55;
    g[base] = g0; g[base + 1] = g1; g[base + 2] = g2; g[base + 3] = g3; g[base + 4] = g4; g[base + 5] = g5;
  }
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) H[a * D + b] = H[b * D + a];
}

/**
 * The inverse depths eliminated from S, r (a copy of H, g) by the Schur complement. solveSPD reads the
 * lower triangle only: only that is reduced (the pose-focal column is kept on both sides, as the
 * focal's information reads it).
 */
function reduceDepths(c: Ctx, S: Float64Array, r: Float64Array): void {
  if (c.x) { c.x.reduceDepths(c.h, S.byteOffset, r.byteOffset); return; }
  const { M, nP, D, hasF, Hqq, gq, qf, cpN, cpJ, cpV } = c;
  const F = D - 1;
  for (let i = 0; i < nP; i++) {
    const nc = cpN[i];
    if (!nc) continue;
    const inv = 1 / Hqq[i], gi = gq[i];
    for (let ca = 0; ca < nc; ca++) {
      const ja = cpJ[i * M + ca], va = 6 * (i * M + ca), ra = 6 * ja;
      const v0 = cpV[va], v1 = cpV[va + 1], v2 = cpV[va + 2], v3 = cpV[va + 3], v4 = cpV[va + 4], v5 = cpV[va + 5];
      const a0 = v0 * inv, a1 = v1 * inv, a2 = v2 * inv, a3 = v3 * inv, a4 = v4 * inv, a5 = v5 * inv;
      r[ra] -= a0 * gi; r[ra + 1] -= a1 * gi; r[ra + 2] -= a2 * gi; r[ra + 3] -= a3 * gi; r[ra + 4] -= a4 * gi; r[ra + 5] -= a5 * gi;
      // The blocks of earlier frames whole (the hottest loop of the adjustment), then this frame's lower
      // triangle. A point adds to each entry once, so the order within a point is free; across points
      // it is kept (point by point), and each term is the product it always was: the same bits.
      const d0 = ra * D + ra, d1 = d0 + D, d2 = d1 + D, d3 = d2 + D, d4 = d3 + D, d5 = d4 + D;
      for (let cb = 0; cb < ca; cb++) {
        const vb = 6 * (i * M + cb), jb = 6 * cpJ[i * M + cb];
        const b0 = cpV[vb], b1 = cpV[vb + 1], b2 = cpV[vb + 2], b3 = cpV[vb + 3], b4 = cpV[vb + 4], b5 = cpV[vb + 5];
        const c0 = ra * D + jb, c1 = c0 + D, c2 = c1 + D, c3 = c2 + D, c4 = c3 + D, c5 = c4 + D;
        S[c0] -= a0 * b0; S[c0 + 1] -= a0 * b1; S[c0 + 2] -= a0 * b2; S[c0 + 3] -= a0 * b3; S[c0 + 4] -= a0 * b4; S[c0 + 5] -= a0 * b5;
        S[c1] -= a1 * b0; S[c1 + 1] -= a1 * b1; S[c1 + 2] -= a1 * b2; S[c1 + 3] -= a1 * b3; S[c1 + 4] -= a1 * b4; S[c1 + 5] -= a1 * b5;
        S[c2] -= a2 * b0; S[c2 + 1] -= a2 * b1; S[c2 + 2] -= a2 * b2; S[c2 + 3] -= a2 * b3; S[c2 + 4] -= a2 * b4; S[c2 + 5] -= a2 * b5;
        S[c3] -= a3 * b0; S[c3 + 1] -= a3 * b1; S[c3 + 2] -= a3 * b2; S[c3 + 3] -= a3 * b3; S[c3 + 4] -= a3 * b4; S[c3 + 5] -= a3 * b5;
        S[c4] -= a4 * b0; S[c4 + 1] -= a4 * b1; S[c4 + 2] -= a4 * b2; S[c4 + 3] -= a4 * b3; S[c4 + 4] -= a4 * b4; S[c4 + 5] -= a4 * b5;
        S[c5] -= a5 * b0; S[c5 + 1] -= a5 * b1; S[c5 + 2] -= a5 * b2; S[c5 + 3] -= a5 * b3; S[c5 + 4] -= a5 * b4; S[c5 + 5] -= a5 * b5;
      }
      S[d0] -= a0 * v0;
      S[d1] -= a1 * v0; S[d1 + 1] -= a1 * v1;
      S[d2] -= a2 * v0; S[d2 + 1] -= a2 * v1; S[d2 + 2] -= a2 * v2;
      S[d3] -= a3 * v0; S[d3 + 1] -= a3 * v1; S[d3 + 2] -= a3 * v2; S[d3 + 3] -= a3 * v3;
      S[d4] -= a4 * v0; S[d4 + 1] -= a4 * v1; S[d4 + 2] -= a4 * v2; S[d4 + 3] -= a4 * v3; S[d4 + 4] -= a4 * v4;
      S[d5] -= a5 * v0; S[d5 + 1] -= a5 * v1; S[d5 + 2] -= a5 * v2; S[d5 + 3] -= a5 * v3; S[d5 + 4] -= a5 * v4; S[d5 + 5] -= a5 * v5;
    }
    if (hasF) {
      r[F] -= qf[i] * inv * gq[i];
      S[F * D + F] -= qf[i] * inv * qf[i];
      for (let ca = 0; ca < nc; ca++) {
        const ja = cpJ[i * M + ca], va = 6 * (i * M + ca);
        for (let a = 0; a < 6; a++) { const v = cpV[va + a] * inv * qf[i]; S[(6 * ja + a) * D + F] -= v; S[F * D + 6 * ja + a] -= v; }
      }
    }
  }
}

/** The candidate inverse depths of the pose (and focal) step d, by back-substitution, each within a factor 2 of its value. */
function stepDepths(c: Ctx, d: Float64Array, q: Float64Array, nq: Float64Array): void {
  if (c.x) { c.x.stepDepths(c.h, d.byteOffset, q.byteOffset, nq.byteOffset); return; }
  const { M, nP, D, hasF, Hqq, gq, qf, cpN, cpJ, cpV } = c;
  for (let i = 0; i < nP; i++) {
    let s = gq[i];
    for (let k = 0; k < cpN[i]; k++) for (let a = 0; a < 6; a++) s -= cpV[6 * (i * M + k) + a] * d[6 * cpJ[i * M + k] + a];
    if (hasF) s -= qf[i] * d[D - 1];
    nq[i] = Math.min(q[i] * 2, Math.max(q[i] / 2, q[i] + s / Hqq[i]));
  }
}

/** The candidate poses: each view's rotation and translation moved by its six values of d (exp of the rotation, left-applied). */
function stepPoses(M: number, d: Float64Array, P: Float64Array, out: Float64Array): void {
  const dR = dRot;
  for (let j = 0; j < M; j++) {
    expSO3Into(d[6 * j], d[6 * j + 1], d[6 * j + 2], dR);
    const p = 12 * j;
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) out[p + a * 3 + b] = dR[a * 3] * P[p + b] + dR[a * 3 + 1] * P[p + 3 + b] + dR[a * 3 + 2] * P[p + 6 + b];
    const t0 = P[p + 9], t1 = P[p + 10], t2 = P[p + 11];
    out[p + 9] = dR[0] * t0 + dR[1] * t1 + dR[2] * t2 + d[6 * j + 3];
    out[p + 10] = dR[3] * t0 + dR[4] * t1 + dR[5] * t2 + d[6 * j + 4];
    out[p + 11] = dR[6] * t0 + dR[7] * t1 + dR[8] * t2 + d[6 * j + 5];
  }
}
const dRot = new Float64Array(9);

// Filled with empty arrays (never undefined): one shape for the optimiser to see.
const f64Pool = Array.from({ length: 16 }, () => new Float64Array(0)), i32Pool = [new Int32Array(0), new Int32Array(0)];
/** Scratch slot `k` of exactly n values (contents left from the last use). */
function f64(k: number, n: number): Float64Array {
  if (f64Pool[k].length < n) f64Pool[k] = new Float64Array(Math.max(n, 2 * f64Pool[k].length));
  return f64Pool[k].subarray(0, n);
}
function i32(k: number, n: number): Int32Array {
  if (i32Pool[k].length < n) i32Pool[k] = new Int32Array(Math.max(n, 2 * i32Pool[k].length));
  return i32Pool[k].subarray(0, n);
}

// One Ctx made at load with fractions in its number fields: a field first given a small integer (an
// intrinsic's cx = 320, lamF = 0 without the focal) and later a fraction changes the shape of every Ctx
// after it, and the kernels' code, compiled for the first, was thrown away and compiled again. Made
// first with fractions, the fields hold either.
makeCtx(1, 0, 1, false, [new Int32Array(0)], [new Float32Array(0)], new Float32Array(0), new Float64Array(0), new Float64Array(0), 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
  scratch(1, 0, 1, false, new Float64Array(0)));
