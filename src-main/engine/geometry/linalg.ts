/**
 * Small fixed-size linear algebra on plain arrays (3x3 and 4x4 row-major). Poses here are rigid
 * transforms; Mat4 is the engine's camera-to-world type (OpenCV axes).
 */
import type { Mat4 } from '../../common/types.ts';

export type Mat3 = number[];
export type Vec3 = [number, number, number];

export const identity4 = (): Mat4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
export const identity3 = (): Mat3 => [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function mul3(a: Mat3, b: Mat3): Mat3 {
  const r = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return r;
}

export const transpose3 = (a: Mat3): Mat3 => [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];

export const mulVec3 = (a: Mat3, v: ArrayLike<number>): Vec3 => [
  a[0] * v[0] + a[1] * v[1] + a[2] * v[2],
  a[3] * v[0] + a[4] * v[1] + a[5] * v[2],
  a[6] * v[0] + a[7] * v[1] + a[8] * v[2],
];

export function mul4(a: Mat4, b: Mat4): Mat4 {
  const r = new Array<number>(16);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[i * 4 + k] * b[k * 4 + j];
      r[i * 4 + j] = s;
    }
  return r;
}

export const rotOf = (m: Mat4): Mat3 => [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
export const transOf = (m: Mat4): Vec3 => [m[3], m[7], m[11]];

export const fromRt = (R: ArrayLike<number>, t: ArrayLike<number>): Mat4 => [
  R[0], R[1], R[2], t[0],
  R[3], R[4], R[5], t[1],
  R[6], R[7], R[8], t[2],
  0, 0, 0, 1,
];

/** Inverse of a rigid transform. */
export function invRigid(m: Mat4): Mat4 {
  const Rt = transpose3(rotOf(m));
  const t = mulVec3(Rt, transOf(m));
  return fromRt(Rt, [-t[0], -t[1], -t[2]]);
}

/**
 * Math.hypot of two and of three numbers, to the last bit (V8's own algorithm: scaled by the largest,
 * Kahan-summed squares; checked against Math.hypot on 2e7 random triples), without its cost: V8's
 * variadic Math.hypot takes ~10x a square root, and the bundle adjustments call it for every corner
 * of every view of every iteration.
 */
export function hypot2(x: number, y: number): number {
  const ax = Math.abs(x), ay = Math.abs(y);
  if (ax === Infinity || ay === Infinity) return Infinity;
  if (ax !== ax || ay !== ay) return NaN;
  const max = ax > ay ? ax : ay;
  if (max === 0) return 0;
  const nx = ax / max, ny = ay / max;
  return Math.sqrt(nx * nx + ny * ny) * max;
}

export function hypot3(x: number, y: number, z: number): number {
  const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
  if (ax === Infinity || ay === Infinity || az === Infinity) return Infinity;
  if (ax !== ax || ay !== ay || az !== az) return NaN;
  let max = ax > ay ? ax : ay;
  if (az > max) max = az;
  if (max === 0) return 0;
  const n1 = ax / max, n2 = ay / max, n3 = az / max;
  // The compensation Kahan's sum carries into the third square.
  const s2 = n1 * n1 + n2 * n2, c = (s2 - n1 * n1) - n2 * n2;
  return Math.sqrt(s2 + (n3 * n3 - c)) * max;
}

/** Rodrigues: axis-angle vector to rotation matrix. */
export function expSO3(w: ArrayLike<number>): Mat3 {
  return lit9(expSO3Into(w[0], w[1], w[2], wrapA));
}

// The allocating forms compute into these, then return literals (a new Array(9) would change its
// elements' kind as doubles go in: a second allocation).
const wrapA = new Float64Array(9), wrapB = new Float64Array(9), wrapS = new Float64Array(3);
const lit9 = (r: ArrayLike<number>): Mat3 => [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]];
const lit3 = (r: ArrayLike<number>): Vec3 => [r[0], r[1], r[2]];

/** Rotation angle (radians) of a rotation matrix. */
export function rotationAngle(R: Mat3): number {
  return Math.acos(Math.max(-1, Math.min(1, (R[0] + R[4] + R[8] - 1) / 2)));
}

/** Quaternion (scalar-last) to rotation matrix. */
export function quatToMat3(qx: number, qy: number, qz: number, qw: number): Mat3 {
  const n = Math.hypot(qx, qy, qz, qw) || 1;
  const x = qx / n, y = qy / n, z = qz / n, w = qw / n;
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ];
}

/** Rotation matrix to quaternion [qw, qx, qy, qz] (COLMAP order), w >= 0. */
export function mat3ToQuatWxyz(R: Mat3): [number, number, number, number] {
  const tr = R[0] + R[4] + R[8];
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = s / 4; x = (R[7] - R[5]) / s; y = (R[2] - R[6]) / s; z = (R[3] - R[1]) / s;
  } else if (R[0] > R[4] && R[0] > R[8]) {
    const s = Math.sqrt(1 + R[0] - R[4] - R[8]) * 2;
    w = (R[7] - R[5]) / s; x = s / 4; y = (R[1] + R[3]) / s; z = (R[2] + R[6]) / s;
  } else if (R[4] > R[8]) {
    const s = Math.sqrt(1 + R[4] - R[0] - R[8]) * 2;
    w = (R[2] - R[6]) / s; x = (R[1] + R[3]) / s; y = s / 4; z = (R[5] + R[7]) / s;
  } else {
    const s = Math.sqrt(1 + R[8] - R[0] - R[4]) * 2;
    w = (R[3] - R[1]) / s; x = (R[2] + R[6]) / s; y = (R[5] + R[7]) / s; z = s / 4;
  }
  const n = Math.hypot(w, x, y, z) * (w < 0 ? -1 : 1);
  return [w / n, x / n, y / n, z / n];
}

/**
 * Out-parameter kernels: the hot paths (RANSAC hypotheses, Gauss-Newton steps) call these instead of the
 * allocating forms below, with the same arithmetic in the same order (bit for bit). Outputs never alias inputs.
 */
export type Out = Float64Array | number[];

export function mul3Into(a: ArrayLike<number>, b: ArrayLike<number>, r: Out): Out {
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return r;
}

export function transpose3Into(a: ArrayLike<number>, r: Out): Out {
  r[0] = a[0]; r[1] = a[3]; r[2] = a[6]; r[3] = a[1]; r[4] = a[4]; r[5] = a[7]; r[6] = a[2]; r[7] = a[5]; r[8] = a[8];
  return r;
}

/** Rodrigues (expSO3) of the vector (wx, wy, wz) into r. */
export function expSO3Into(wx: number, wy: number, wz: number, r: Out): Out {
  const th = hypot3(wx, wy, wz);
  if (th < 1e-12) {
    r[0] = 1; r[1] = -wz; r[2] = wy; r[3] = wz; r[4] = 1; r[5] = -wx; r[6] = -wy; r[7] = wx; r[8] = 1;
    return r;
  }
  const kx = wx / th, ky = wy / th, kz = wz / th;
  const c = Math.cos(th), s = Math.sin(th), v = 1 - c;
  r[0] = kx * kx * v + c; r[1] = kx * ky * v - kz * s; r[2] = kx * kz * v + ky * s;
  r[3] = ky * kx * v + kz * s; r[4] = ky * ky * v + c; r[5] = ky * kz * v - kx * s;
  r[6] = kz * kx * v - ky * s; r[7] = kz * ky * v + kx * s; r[8] = kz * kz * v + c;
  return r;
}

/** One Jacobi rotation of eigSym3 on the pair (p, q). */
function jacobi3(a: Float64Array, v: Out, p: number, q: number): void {
  const apq = a[p * 3 + q];
  if (Math.abs(apq) < 1e-300) return;
  const theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1), s = t * c;
  for (let k = 0; k < 3; k++) {
    const akp = a[k * 3 + p], akq = a[k * 3 + q];
    a[k * 3 + p] = c * akp - s * akq;
    a[k * 3 + q] = s * akp + c * akq;
  }
  for (let k = 0; k < 3; k++) {
    const apk = a[p * 3 + k], aqk = a[q * 3 + k];
    a[p * 3 + k] = c * apk - s * aqk;
    a[q * 3 + k] = s * apk + c * aqk;
  }
  for (let k = 0; k < 3; k++) {
    const vkp = v[k * 3 + p], vkq = v[k * 3 + q];
    v[k * 3 + p] = c * vkp - s * vkq;
    v[k * 3 + q] = s * vkp + c * vkq;
  }
}

const eigA = new Float64Array(9);

/** eigSym3 into values (3) and vectors (9, columns). */
export function eigSym3Into(A: ArrayLike<number>, values: Out, vectors: Out): void {
  const a = eigA;
  for (let k = 0; k < 9; k++) { a[k] = A[k]; vectors[k] = k % 4 === 0 ? 1 : 0; }
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[1]) + Math.abs(a[2]) + Math.abs(a[5]);
    if (off < 1e-15) break;
    jacobi3(a, vectors, 0, 1);
    jacobi3(a, vectors, 0, 2);
    jacobi3(a, vectors, 1, 2);
  }
  values[0] = a[0]; values[1] = a[4]; values[2] = a[8];
}

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi sweeps; returns values and column vectors. */
export function eigSym3(A: Mat3): { values: Vec3; vectors: Mat3 } {
  eigSym3Into(A, wrapS, wrapA);
  return { values: lit3(wrapS), vectors: lit9(wrapA) };
}

const svdAtA = new Float64Array(9), svdVal = new Float64Array(3), svdVec = new Float64Array(9), svdOrder = new Int32Array(3);

/** svd3 into U (9), S (3), V (9). */
export function svd3Into(A: ArrayLike<number>, U: Out, S: Out, V: Out): void {
  // A^T A, as mul3(transpose3(A), A) sums it.
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) svdAtA[i * 3 + j] = A[i] * A[j] + A[3 + i] * A[3 + j] + A[6 + i] * A[6 + j];
  const values = svdVal, vectors = svdVec;
  eigSym3Into(svdAtA, values, vectors);
  // Largest value first; equal values keep their order (as a stable sort would): three compares, no
  // sort's allocations (this runs for every pose hypothesis).
  const order = svdOrder;
  order[0] = 0; order[1] = 1; order[2] = 2;
  for (let i = 1; i < 3; i++)
    for (let k = i; k > 0 && values[order[k]] > values[order[k - 1]]; k--) { const t = order[k]; order[k] = order[k - 1]; order[k - 1] = t; }
  for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) V[r * 3 + c] = vectors[r * 3 + order[c]];
  for (let k = 0; k < 9; k++) U[k] = 0;
  for (let c = 0; c < 3; c++) {
    const v0 = V[c], v1 = V[3 + c], v2 = V[6 + c];
    const u0 = A[0] * v0 + A[1] * v1 + A[2] * v2, u1 = A[3] * v0 + A[4] * v1 + A[5] * v2, u2 = A[6] * v0 + A[7] * v1 + A[8] * v2;
    // hypot3 is Math.hypot's bits (test/geometry/hypot.test.ts) without a builtin call's boxed arguments.
    const n = hypot3(u0, u1, u2);
    S[c] = n;
    if (n > 1e-12) { U[c] = u0 / n; U[3 + c] = u1 / n; U[6 + c] = u2 / n; }
  }
  // Complete U for rank-deficient inputs so it stays orthonormal.
  for (let c = 0; c < 3; c++) {
    if (S[c] > 1e-12) continue;
    const c1 = (c + 1) % 3, c2 = (c + 2) % 3;
    const a0 = U[c1], a1 = U[3 + c1], a2 = U[6 + c1];
    const b0 = U[c2], b1 = U[3 + c2], b2 = U[6 + c2];
    let w0 = a1 * b2 - a2 * b1, w1 = a2 * b0 - a0 * b2, w2 = a0 * b1 - a1 * b0;
    if (hypot3(w0, w1, w2) < 0.5) {
      if (Math.abs(a0) < 0.9) { w0 = 1; w1 = 0; w2 = 0; } else { w0 = 0; w1 = 1; w2 = 0; }
    }
    const n = hypot3(w0, w1, w2);
    U[c] = w0 / n; U[3 + c] = w1 / n; U[6 + c] = w2 / n;
  }
}

/** SVD of a 3x3 matrix: A = U diag(S) V^T (via eigen of A^T A; fine for the well-conditioned uses here). */
export function svd3(A: Mat3): { U: Mat3; S: Vec3; V: Mat3 } {
  svd3Into(A, wrapA, wrapS, wrapB);
  return { U: lit9(wrapA), S: lit3(wrapS), V: lit9(wrapB) };
}

const umMs = new Float64Array(3), umMd = new Float64Array(3), umC = new Float64Array(9);
const umU = new Float64Array(9), umS = new Float64Array(3), umV = new Float64Array(9), umVt = new Float64Array(9), umUD = new Float64Array(9);
const FLIP_Z: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, -1];

/** umeyama into R (9) and t (3); returns s. */
export function umeyamaInto(src: ArrayLike<number>, dst: ArrayLike<number>, n: number, withScale: boolean, R: Out, t: Out): number {
  const ms = umMs, md = umMd, C = umC;
  ms.fill(0); md.fill(0); C.fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) { ms[k] += src[i * 3 + k] / n; md[k] += dst[i * 3 + k] / n; }
  let varS = 0;
  for (let i = 0; i < n; i++) {
    // Scalars, not two small arrays a point (the same arithmetic).
    const a0 = src[i * 3] - ms[0], a1 = src[i * 3 + 1] - ms[1], a2 = src[i * 3 + 2] - ms[2];
    const b0 = dst[i * 3] - md[0], b1 = dst[i * 3 + 1] - md[1], b2 = dst[i * 3 + 2] - md[2];
    varS += (a0 * a0 + a1 * a1 + a2 * a2) / n;
    C[0] += (b0 * a0) / n; C[1] += (b0 * a1) / n; C[2] += (b0 * a2) / n;
    C[3] += (b1 * a0) / n; C[4] += (b1 * a1) / n; C[5] += (b1 * a2) / n;
    C[6] += (b2 * a0) / n; C[7] += (b2 * a1) / n; C[8] += (b2 * a2) / n;
  }
  const U = umU, S = umS, V = umV;
  svd3Into(C, U, S, V);
  const Vt = transpose3Into(V, umVt);
  mul3Into(U, Vt, R);
  let d2 = 1;
  if (det3(R) < 0) {
    d2 = -1;
    mul3Into(mul3Into(U, FLIP_Z, umUD), Vt, R);
  }
  const s = withScale && varS > 1e-20 ? (S[0] * 1 + S[1] * 1 + S[2] * d2) / varS : 1;
  const m0 = R[0] * ms[0] + R[1] * ms[1] + R[2] * ms[2];
  const m1 = R[3] * ms[0] + R[4] * ms[1] + R[5] * ms[2];
  const m2 = R[6] * ms[0] + R[7] * ms[1] + R[8] * ms[2];
  t[0] = md[0] - s * m0; t[1] = md[1] - s * m1; t[2] = md[2] - s * m2;
  return s;
}

/**
 * Umeyama: similarity (s, R, t) minimising sum |dst - (s R src + t)|^2. Points are flat xyz arrays.
 * withScale=false gives the rigid fit (Kabsch).
 */
export function umeyama(src: ArrayLike<number>, dst: ArrayLike<number>, n: number, withScale = true): { s: number; R: Mat3; t: Vec3 } {
  const s = umeyamaInto(src, dst, n, withScale, wrapA, wrapS);
  return { s, R: lit9(wrapA), t: lit3(wrapS) };
}

export const det3 = (a: ArrayLike<number>): number =>
  a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);

/** Solves a small dense symmetric positive system A x = b (n x n, row-major) by Cholesky; null if singular. */
export function solveSPD(A: Float64Array, b: Float64Array, n: number, work?: Float64Array, out?: Float64Array): Float64Array | null {
  // The factor's entries are each written before they are read: a caller's work buffer (n * n) needs no clearing.
  const L = work ?? new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 1e-18) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  // out (n) takes y, then x over it in place: x[i] reads y[i] and x[k > i] only.
  const y = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = out ?? new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}
