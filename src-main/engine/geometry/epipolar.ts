import { mul3, mul3Into, svd3Into, transpose3Into, type Mat3, type Out, hypot2 } from './linalg.ts';
import { rng } from './pose.ts';
import { bestHypothesisWasm, eightPointWasm, epipolarWasm, sampleHypothesesWasm } from './epipolar-wasm.ts';

/**
 * Fundamental matrix between two views of the same corners by RANSAC on the normalised eight-point
 * algorithm (Hartley), and which corners agree with it. It needs no focal length, so it can sort the
 * corners that move with the camera (the scene's dominant rigid motion) from those on something that
 * moves by itself or tracked wrongly, before the focal length is searched on them.
 */
export function fundamentalRansac(a: ArrayLike<number>, b: ArrayLike<number>, o: { thresholdPx?: number; iterations?: number; seed?: number; K?: Mat3; hypotheses?: Hypotheses } = {}): { F: Mat3; inliers: Uint8Array; count: number } | null {
  const n = a.length / 2;
  if (n < 8) return null;
  const thr2 = (o.thresholdPx ?? 1) ** 2;
  const h = o.hypotheses ?? ransacHypotheses(a, b, o.iterations ?? 300, o.seed ?? 1);
  const { na, nb, pa, pb } = h;
  let best: { F: Mat3; inliers: Uint8Array; count: number } | null = null;
  const K = o.K;
  if (epipolarWasm.on) {
    // The module picks the same hypothesis (the first with the most inliers); its F and inliers are made here.
    const k = bestHypothesisWasm(h.Fn, na, nb, a, b, n, thr2, K).index;
    if (k >= 0) best = scoreF(h.Fn[k]!, -1, K, na, nb, a, b, n, thr2);
  } else {
    for (const Fn of h.Fn) {
      if (!Fn) continue;
      const s = scoreF(Fn, best ? best.count : -1, K, na, nb, a, b, n, thr2);
      if (s) best = s;
    }
  }
  if (!best || best.count < 8) return null;
  // Refit on the consensus twice: the sample's F is noisy, the consensus' is not.
  for (let pass = 0; pass < 2; pass++) {
    const ids: number[] = [];
    for (let i = 0; i < best.inliers.length; i++) if (best.inliers[i]) ids.push(i);
    const Fn = epipolarWasm.on ? eightPointWasm(pa, pb, ids) : eightPoint(pa, pb, ids);
    if (!Fn) break;
    const s = scoreF(Fn, -1, K, na, nb, a, b, n, thr2)!;
    if (s.count < best.count) break;
    best = s;
  }
  return best;
}

/**
 * A hypothesis scored: its F in pixels, inliers and their count, or null when it has no more than `unless`
 * (its inliers are found only then: hundreds are scored a pair of views). F is made in scratch and copied
 * out only when kept. This and the helpers below are module functions, not closures made per call: V8
 * holds a closure's optimised code weakly, so each collection dropped it and the next call compiled it again.
 */
function scoreF(Fn: Mat3, unless: number, K: Mat3 | undefined, na: Norm, nb: Norm, a: ArrayLike<number>, b: ArrayLike<number>, n: number, thr2: number): { F: Mat3; inliers: Uint8Array; count: number } | null {
  const F = pixelFInto(Fn, K, na, nb);
  const c = countSampson(F, a, b, n, thr2);
  if (c <= unless) return null;
  const inl = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (sampson(F, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]) < thr2) inl[i] = 1;
  return { F: Array.from(F), inliers: inl, count: c };
}

/** The F in pixels a hypothesis (normalised coordinates) is scored by, made essential for K when given (in scratch). */
function pixelFInto(Fn: ArrayLike<number>, K: Mat3 | undefined, na: Norm, nb: Norm): Out {
  return K ? essentialOnlyInto(denormaliseInto(Fn, na, nb, fDen), K, fEss) : denormaliseInto(Fn, na, nb, fDen);
}

/** pixelFInto, copied out (for the tests, which hold the WebAssembly module's F to it). */
export const pixelF = (Fn: ArrayLike<number>, na: Norm, nb: Norm, K?: Mat3): Float64Array => Float64Array.from(pixelFInto(Fn, K, na, nb));

/**
 * RANSAC's minimal-sample hypotheses for two views of the same corners (normalised coordinates): they
 * depend on the corners and the seed only, so the consensus for several lenses (fundamentalRansac's K)
 * can share them.
 */
export interface Hypotheses { na: Norm; nb: Norm; pa: Float64Array; pb: Float64Array; Fn: (Mat3 | null)[] }

export function ransacHypotheses(a: ArrayLike<number>, b: ArrayLike<number>, iterations: number, seed: number): Hypotheses {
  const n = a.length / 2;
  const na = normaliser(a), nb = normaliser(b);
  const pa = apply(na, a), pb = apply(nb, b);
  const rand = rng(seed);
  const sample = new Int32Array(8);
  const ids = new Array<number>(8);
  const wasm = epipolarWasm.on;
  // In WebAssembly the samples are drawn first (the draws do not depend on the solves), then solved in one call.
  const samples = wasm ? new Int32Array(8 * iterations) : sample;
  const Fn: (Mat3 | null)[] = [];
  let drawnCount = 0;
  for (let it = 0; it < iterations && n >= 8; it++) {
    for (let k = 0; k < 8; k++) {
      let j: number;
      do j = Math.floor(rand() * n); while (drawn(sample, j, k));
      sample[k] = j;
      ids[k] = j;
    }
    if (wasm) samples.set(sample, 8 * drawnCount++);
    else Fn.push(eightPoint(pa, pb, ids));
  }
  return { na, nb, pa, pb, Fn: wasm ? sampleHypothesesWasm(pa, pb, samples, drawnCount) : Fn };
}

/** Whether corner j is among the sample's first k. */
function drawn(sample: Int32Array, j: number, k: number): boolean {
  for (let m = 0; m < k; m++) if (sample[m] === j) return true;
  return false;
}

/**
 * The nearest F that a camera with intrinsics K can make (K^T F K with two equal singular values):
 * five degrees of freedom instead of seven, so a consensus cannot bend to take in a second motion
 * where the first is close to degenerate (little parallax, a short baseline).
 */
function essentialOnlyInto(F: ArrayLike<number>, K: Mat3, out: Out): Out {
  svd3Into(mul3Into(mul3Into(transpose3Into(K, eT), F, eA), K, eB), eU, eS, eV);
  const U = eU, S = eS, V = eV;
  const s = (S[0] + S[1]) / 2;
  eD.fill(0); eD[0] = s; eD[4] = s;
  const E = mul3Into(mul3Into(U, eD, eA), transpose3Into(V, eT), eB);
  const f = K[0], cx = K[2], cy = K[5];
  const Ki = eKi;
  Ki[0] = 1 / f; Ki[1] = 0; Ki[2] = -cx / f; Ki[3] = 0; Ki[4] = 1 / f; Ki[5] = -cy / f; Ki[6] = 0; Ki[7] = 0; Ki[8] = 1;
  return mul3Into(mul3Into(transpose3Into(Ki, eT), E, eA), Ki, out);
}

// Scratch of the per-hypothesis kernels (none is returned to a caller: what is kept is copied out).
const fDen = new Float64Array(9), fEss = new Float64Array(9);
const eT = new Float64Array(9), eA = new Float64Array(9), eB = new Float64Array(9), eD = new Float64Array(9), eKi = new Float64Array(9);
const eU = new Float64Array(9), eS = new Float64Array(3), eV = new Float64Array(9);
const eM = new Float64Array(81), eRow = new Float64Array(9), eF = new Float64Array(9);

/**
 * How many correspondences are within thr2 of F (Sampson). sampson's arithmetic written out: V8 does not
 * inline that call here, and each double it returns was a new heap number (16 bytes a corner a hypothesis).
 */
function countSampson(F: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, n: number, thr2: number): number {
  const F0 = F[0], F1 = F[1], F2 = F[2], F3 = F[3], F4 = F[4], F5 = F[5], F6 = F[6], F7 = F[7], F8 = F[8];
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x1 = a[2 * i], y1 = a[2 * i + 1], x2 = b[2 * i], y2 = b[2 * i + 1];
    const f1 = F0 * x1 + F1 * y1 + F2, f2 = F3 * x1 + F4 * y1 + F5, f3 = F6 * x1 + F7 * y1 + F8;
    const g1 = F0 * x2 + F3 * y2 + F6, g2 = F1 * x2 + F4 * y2 + F7;
    const r = x2 * f1 + y2 * f2 + f3;
    const d = f1 * f1 + f2 * f2 + g1 * g1 + g2 * g2;
    if ((d > 0 ? (r * r) / d : Infinity) < thr2) c++;
  }
  return c;
}

/** Squared Sampson distance (pixels squared) of a correspondence to the epipolar geometry F (x2^T F x1 = 0). */
export function sampson(F: ArrayLike<number>, x1: number, y1: number, x2: number, y2: number): number {
  const f1 = F[0] * x1 + F[1] * y1 + F[2], f2 = F[3] * x1 + F[4] * y1 + F[5], f3 = F[6] * x1 + F[7] * y1 + F[8];
  const g1 = F[0] * x2 + F[3] * y2 + F[6], g2 = F[1] * x2 + F[4] * y2 + F[7];
  const r = x2 * f1 + y2 * f2 + f3;
  const d = f1 * f1 + f2 * f2 + g1 * g1 + g2 * g2;
  return d > 0 ? (r * r) / d : Infinity;
}

export interface Norm { s: number; mx: number; my: number }

function normaliser(p: ArrayLike<number>): Norm {
  const n = p.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += p[2 * i]; my += p[2 * i + 1]; }
  mx /= n; my /= n;
  let d = 0;
  for (let i = 0; i < n; i++) d += hypot2(p[2 * i] - mx, p[2 * i + 1] - my);
  return { s: d > 0 ? (Math.SQRT2 * n) / d : 1, mx, my };
}

function apply(t: Norm, p: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = t.s * (p[i] - (i % 2 ? t.my : t.mx));
  return out;
}

const setT = (T: Out, t: Norm): Out => {
  T[0] = t.s; T[1] = 0; T[2] = -t.s * t.mx; T[3] = 0; T[4] = t.s; T[5] = -t.s * t.my; T[6] = 0; T[7] = 0; T[8] = 1;
  return T;
};

/** F in pixels from F between normalised points: Tb^T Fn Ta, into out. */
function denormaliseInto(Fn: ArrayLike<number>, ta: Norm, tb: Norm, out: Out): Out {
  return mul3Into(mul3Into(transpose3Into(setT(eD, tb), eT), Fn, eA), setT(eD, ta), out);
}

/** Least-squares F of the chosen correspondences (normalised coordinates), rank 2 enforced. */
export function eightPoint(a: Float64Array, b: Float64Array, ids: number[]): Mat3 | null {
  const f = ids.length === 8 ? sampleNullVector(a, b, ids, eF) : leastSquaresVector(a, b, ids, eF);
  for (let k = 0; k < 9; k++) if (!Number.isFinite(f[k])) return null;
  const U = eU, S = eS, V = eV;
  svd3Into(f, U, S, V);
  if (!(S[0] > 0)) return null;
  eD.fill(0); eD[0] = S[0]; eD[4] = S[1];
  return mul3(mul3Into(U, eD, eA) as Mat3, transpose3Into(V, eT) as Mat3);
}

/** The unit vector that minimises the chosen correspondences' epipolar rows (the normal matrix's smallest eigenvector). */
function leastSquaresVector(a: Float64Array, b: Float64Array, ids: number[], out: Float64Array): Float64Array {
  const M = eM, row = eRow;
  M.fill(0);
  for (const i of ids) {
    const x1 = a[2 * i], y1 = a[2 * i + 1], x2 = b[2 * i], y2 = b[2 * i + 1];
    row[0] = x2 * x1; row[1] = x2 * y1; row[2] = x2; row[3] = y2 * x1; row[4] = y2 * y1; row[5] = y2; row[6] = x1; row[7] = y1; row[8] = 1;
    for (let r = 0; r < 9; r++) for (let c = r; c < 9; c++) M[r * 9 + c] += row[r] * row[c];
  }
  for (let r = 0; r < 9; r++) for (let c = 0; c < r; c++) M[r * 9 + c] = M[c * 9 + r];
  return smallestEigenvectorInto(M, 9, out);
}

/**
 * The null vector (unit length) of a minimal sample's eight epipolar rows, by Gaussian elimination with
 * full pivoting: exact for eight correspondences, where the least-squares route (the normal matrix's
 * smallest eigenvector by Jacobi sweeps) costs tens of times more and squares the rows' condition.
 * NaN where the sample is degenerate (fewer than eight independent rows), as a failed solve is.
 */
function sampleNullVector(a: Float64Array, b: Float64Array, ids: number[], out: Float64Array): Float64Array {
  const A = eNs, col = eCol;
  for (let k = 0; k < 8; k++) {
    const i = ids[k], x1 = a[2 * i], y1 = a[2 * i + 1], x2 = b[2 * i], y2 = b[2 * i + 1], o = 9 * k;
    A[o] = x2 * x1; A[o + 1] = x2 * y1; A[o + 2] = x2; A[o + 3] = y2 * x1; A[o + 4] = y2 * y1; A[o + 5] = y2; A[o + 6] = x1; A[o + 7] = y1; A[o + 8] = 1;
  }
  for (let c = 0; c < 9; c++) col[c] = c;
  let scale = 0;
  for (let k = 0; k < 72; k++) scale = Math.max(scale, Math.abs(A[k]));
  for (let k = 0; k < 8; k++) {
    let pr = k, pc = k, pv = 0;
    for (let r = k; r < 8; r++) for (let c = k; c < 9; c++) { const v = Math.abs(A[9 * r + c]); if (v > pv) { pv = v; pr = r; pc = c; } }
    if (!(pv > 1e-12 * scale)) { out.fill(NaN); return out; }
    if (pr !== k) for (let c = 0; c < 9; c++) { const t = A[9 * k + c]; A[9 * k + c] = A[9 * pr + c]; A[9 * pr + c] = t; }
    if (pc !== k) {
      for (let r = 0; r < 8; r++) { const t = A[9 * r + k]; A[9 * r + k] = A[9 * r + pc]; A[9 * r + pc] = t; }
      const t = col[k]; col[k] = col[pc]; col[pc] = t;
    }
    const d = A[9 * k + k];
    for (let r = k + 1; r < 8; r++) {
      const m = A[9 * r + k] / d;
      if (m === 0) continue;
      for (let c = k; c < 9; c++) A[9 * r + c] -= m * A[9 * k + c];
    }
  }
  // The last (free) column's unknown is 1; the pivots' follow by back-substitution.
  const y = eY;
  y[8] = 1;
  let nn = 1;
  for (let k = 7; k >= 0; k--) {
    let s = 0;
    for (let c = k + 1; c < 9; c++) s += A[9 * k + c] * y[c];
    y[k] = -s / A[9 * k + k];
    nn += y[k] * y[k];
  }
  const inv = 1 / Math.sqrt(nn);
  for (let c = 0; c < 9; c++) out[col[c]] = y[c] * inv;
  return out;
}
const eNs = new Float64Array(72), eY = new Float64Array(9), eCol = new Int32Array(9);

/** Eigenvector of the smallest eigenvalue of a symmetric n x n matrix (cyclic Jacobi). */
export function smallestEigenvector(A0: Float64Array, n: number): number[] {
  return Array.from(smallestEigenvectorInto(A0, n, new Float64Array(n)));
}

let seA = new Float64Array(81), seV = new Float64Array(81);

/** smallestEigenvector into out (n). */
export function smallestEigenvectorInto(A0: Float64Array, n: number, out: Float64Array): Float64Array {
  if (seA.length < n * n) { seA = new Float64Array(n * n); seV = new Float64Array(n * n); }
  const A = seA, V = seV;
  for (let k = 0; k < n * n; k++) { A[k] = A0[k]; V[k] = 0; }
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = A[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const th = (A[q * n + q] - A[p * n + p]) / (2 * apq);
      const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = A[k * n + p], akq = A[k * n + q];
        A[k * n + p] = c * akp - s * akq; A[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = A[p * n + k], aqk = A[q * n + k];
        A[p * n + k] = c * apk - s * aqk; A[q * n + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < n; k++) {
        const vkp = V[k * n + p], vkq = V[k * n + q];
        V[k * n + p] = c * vkp - s * vkq; V[k * n + q] = s * vkp + c * vkq;
      }
    }
  }
  let m = 0;
  for (let i = 1; i < n; i++) if (A[i * n + i] < A[m * n + m]) m = i;
  for (let k = 0; k < n; k++) out[k] = V[k * n + m];
  return out;
}
