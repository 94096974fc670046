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

export const fromRt = (R: Mat3, t: ArrayLike<number>): Mat4 => [
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
  const th = hypot3(w[0], w[1], w[2]);
  if (th < 1e-12) return [1, -w[2], w[1], w[2], 1, -w[0], -w[1], w[0], 1];
  const kx = w[0] / th, ky = w[1] / th, kz = w[2] / th;
  const c = Math.cos(th), s = Math.sin(th), v = 1 - c;
  return [
    kx * kx * v + c, kx * ky * v - kz * s, kx * kz * v + ky * s,
    ky * kx * v + kz * s, ky * ky * v + c, ky * kz * v - kx * s,
    kz * kx * v - ky * s, kz * ky * v + kx * s, kz * kz * v + c,
  ];
}

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

/** Eigen-decomposition of a symmetric 3x3 matrix by Jacobi sweeps; returns values and column vectors. */
export function eigSym3(A: Mat3): { values: Vec3; vectors: Mat3 } {
  const a = A.slice();
  const v = identity3();
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = Math.abs(a[1]) + Math.abs(a[2]) + Math.abs(a[5]);
    if (off < 1e-15) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = a[p * 3 + q];
      if (Math.abs(apq) < 1e-300) continue;
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
  }
  return { values: [a[0], a[4], a[8]], vectors: v };
}

/** SVD of a 3x3 matrix: A = U diag(S) V^T (via eigen of A^T A; fine for the well-conditioned uses here). */
export function svd3(A: Mat3): { U: Mat3; S: Vec3; V: Mat3 } {
  const { values, vectors } = eigSym3(mul3(transpose3(A), A));
  // Largest value first; equal values keep their order (as a stable sort would): three compares, no
  // sort's allocations (this runs for every pose hypothesis).
  const order = [0, 1, 2];
  for (let i = 1; i < 3; i++)
    for (let k = i; k > 0 && values[order[k]] > values[order[k - 1]]; k--) { const t = order[k]; order[k] = order[k - 1]; order[k - 1] = t; }
  const V = new Array<number>(9);
  for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) V[r * 3 + c] = vectors[r * 3 + order[c]];
  const S: Vec3 = [0, 0, 0];
  const U = new Array<number>(9).fill(0);
  for (let c = 0; c < 3; c++) {
    const vc = [V[c], V[3 + c], V[6 + c]];
    const u = mulVec3(A, vc);
    const n = Math.hypot(u[0], u[1], u[2]);
    S[c] = n;
    if (n > 1e-12) for (let r = 0; r < 3; r++) U[r * 3 + c] = u[r] / n;
  }
  // Complete U for rank-deficient inputs so it stays orthonormal.
  for (let c = 0; c < 3; c++) {
    if (S[c] > 1e-12) continue;
    const a = [U[(c + 1) % 3], U[3 + ((c + 1) % 3)], U[6 + ((c + 1) % 3)]];
    const b = [U[(c + 2) % 3], U[3 + ((c + 2) % 3)], U[6 + ((c + 2) % 3)]];
    let w = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    if (Math.hypot(w[0], w[1], w[2]) < 0.5) w = Math.abs(a[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    const n = Math.hypot(w[0], w[1], w[2]);
    for (let r = 0; r < 3; r++) U[r * 3 + c] = w[r] / n;
  }
  return { U, S, V };
}

/**
 * Umeyama: similarity (s, R, t) minimising sum |dst - (s R src + t)|^2. Points are flat xyz arrays.
 * withScale=false gives the rigid fit (Kabsch).
 */
export function umeyama(src: ArrayLike<number>, dst: ArrayLike<number>, n: number, withScale = true): { s: number; R: Mat3; t: Vec3 } {
  const ms = [0, 0, 0], md = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) { ms[k] += src[i * 3 + k] / n; md[k] += dst[i * 3 + k] / n; }
  const C = new Array<number>(9).fill(0);
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
  const { U, S, V } = svd3(C);
  const Vt = transpose3(V);
  let R = mul3(U, Vt);
  const D = [1, 1, 1];
  if (det3(R) < 0) {
    D[2] = -1;
    R = mul3(mul3(U, [1, 0, 0, 0, 1, 0, 0, 0, -1]), Vt);
  }
  const s = withScale && varS > 1e-20 ? (S[0] * D[0] + S[1] * D[1] + S[2] * D[2]) / varS : 1;
  const Rm = mulVec3(R, ms);
  return { s, R, t: [md[0] - s * Rm[0], md[1] - s * Rm[1], md[2] - s * Rm[2]] };
}

export const det3 = (a: Mat3): number =>
  a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);

/** Solves a small dense symmetric positive system A x = b (n x n, row-major) by Cholesky; null if singular. */
export function solveSPD(A: Float64Array, b: Float64Array, n: number, work?: Float64Array): Float64Array | null {
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
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}
