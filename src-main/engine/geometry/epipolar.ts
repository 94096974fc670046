import { mul3, svd3, transpose3, type Mat3, hypot2 } from './linalg.ts';
import { rng } from './pose.ts';

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
  // A hypothesis' inliers are kept only when it is the best so far (hundreds are scored a pair of views).
  const score = (Fn: Mat3, unless = -1) => {
    const F = o.K ? essentialOnly(denormalise(Fn, na, nb), o.K) : denormalise(Fn, na, nb);
    let c = 0;
    for (let i = 0; i < n; i++) if (sampson(F, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]) < thr2) c++;
    if (c <= unless) return null;
    const inl = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (sampson(F, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]) < thr2) inl[i] = 1;
    return { F, inliers: inl, count: c };
  };
  for (const Fn of h.Fn) {
    if (!Fn) continue;
    const s = score(Fn, best ? best.count : -1);
    if (s) best = s;
  }
  if (!best || best.count < 8) return null;
  // Refit on the consensus twice: the sample's F is noisy, the consensus' is not.
  for (let pass = 0; pass < 2; pass++) {
    const ids: number[] = [];
    best.inliers.forEach((v, i) => { if (v) ids.push(i); });
    const Fn = eightPoint(pa, pb, ids);
    if (!Fn) break;
    const s = score(Fn)!;
    if (s.count < best.count) break;
    best = s;
  }
  return best;
}

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
  const drawn = (j: number, k: number) => {
    for (let m = 0; m < k; m++) if (sample[m] === j) return true;
    return false;
  };
  const ids = new Array<number>(8);
  const Fn: (Mat3 | null)[] = [];
  for (let it = 0; it < iterations && n >= 8; it++) {
    for (let k = 0; k < 8; k++) {
      let j: number;
      do j = Math.floor(rand() * n); while (drawn(j, k));
      sample[k] = j;
      ids[k] = j;
    }
    Fn.push(eightPoint(pa, pb, ids));
  }
  return { na, nb, pa, pb, Fn };
}

/**
 * The nearest F that a camera with intrinsics K can make (K^T F K with two equal singular values):
 * five degrees of freedom instead of seven, so a consensus cannot bend to take in a second motion
 * where the first is close to degenerate (little parallax, a short baseline).
 */
function essentialOnly(F: Mat3, K: Mat3): Mat3 {
  const { U, S, V } = svd3(mul3(mul3(transpose3(K), F), K));
  const s = (S[0] + S[1]) / 2;
  const E = mul3(mul3(U, [s, 0, 0, 0, s, 0, 0, 0, 0]), transpose3(V));
  const f = K[0], cx = K[2], cy = K[5];
  const Ki: Mat3 = [1 / f, 0, -cx / f, 0, 1 / f, -cy / f, 0, 0, 1];
  return mul3(mul3(transpose3(Ki), E), Ki);
}

/** Squared Sampson distance (pixels squared) of a correspondence to the epipolar geometry F (x2^T F x1 = 0). */
export function sampson(F: Mat3, x1: number, y1: number, x2: number, y2: number): number {
  const f1 = F[0] * x1 + F[1] * y1 + F[2], f2 = F[3] * x1 + F[4] * y1 + F[5], f3 = F[6] * x1 + F[7] * y1 + F[8];
  const g1 = F[0] * x2 + F[3] * y2 + F[6], g2 = F[1] * x2 + F[4] * y2 + F[7];
  const r = x2 * f1 + y2 * f2 + f3;
  const d = f1 * f1 + f2 * f2 + g1 * g1 + g2 * g2;
  return d > 0 ? (r * r) / d : Infinity;
}

interface Norm { s: number; mx: number; my: number }

function normaliser(p: ArrayLike<number>): Norm {
  const n = p.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += p[2 * i]; my += p[2 * i + 1]; }
  mx /= n; my /= n;
  let d = 0;
  for (let i = 0; i < n; i++) d += hypot2(p[2 * i] - mx, p[2 * i + 1] - my);
  return { s: d > 0 ? (Math.SQRT2 * n) / d : 1, mx, my };
}

const apply = (t: Norm, p: ArrayLike<number>) => Float64Array.from(p, (v, i) => t.s * (v - (i % 2 ? t.my : t.mx)));

/** F in pixels from F between normalised points: Tb^T Fn Ta. */
function denormalise(Fn: Mat3, ta: Norm, tb: Norm): Mat3 {
  const Ta: Mat3 = [ta.s, 0, -ta.s * ta.mx, 0, ta.s, -ta.s * ta.my, 0, 0, 1];
  const Tb: Mat3 = [tb.s, 0, -tb.s * tb.mx, 0, tb.s, -tb.s * tb.my, 0, 0, 1];
  return mul3(mul3(transpose3(Tb), Fn), Ta);
}

/** Least-squares F of the chosen correspondences (normalised coordinates), rank 2 enforced. */
function eightPoint(a: Float64Array, b: Float64Array, ids: number[]): Mat3 | null {
  const M = new Float64Array(81);
  const row = new Float64Array(9);
  for (const i of ids) {
    const x1 = a[2 * i], y1 = a[2 * i + 1], x2 = b[2 * i], y2 = b[2 * i + 1];
    row[0] = x2 * x1; row[1] = x2 * y1; row[2] = x2; row[3] = y2 * x1; row[4] = y2 * y1; row[5] = y2; row[6] = x1; row[7] = y1; row[8] = 1;
    for (let r = 0; r < 9; r++) for (let c = r; c < 9; c++) M[r * 9 + c] += row[r] * row[c];
  }
  for (let r = 0; r < 9; r++) for (let c = 0; c < r; c++) M[r * 9 + c] = M[c * 9 + r];
  const f = smallestEigenvector(M, 9);
  if (!f.every(Number.isFinite)) return null;
  const { U, S, V } = svd3(f);
  if (!(S[0] > 0)) return null;
  return mul3(mul3(U, [S[0], 0, 0, 0, S[1], 0, 0, 0, 0]), transpose3(V));
}

/** Eigenvector of the smallest eigenvalue of a symmetric n x n matrix (cyclic Jacobi). */
export function smallestEigenvector(A0: Float64Array, n: number): number[] {
  const A = A0.slice(), V = new Float64Array(n * n);
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
  return Array.from({ length: n }, (_v, k) => V[k * n + m]);
}
