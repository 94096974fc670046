/**
 * The 3x3 linear algebra that several modules' kernels share (../linalg.ts: mul3Into, transpose3Into,
 * hypot3, jacobi3, eigSym3Into, svd3Into), and their memory accessors, in AssemblyScript; imported at build
 * time by epipolar.as.ts, pose-ransac.as.ts and ba.as.ts (each module gets its own copy). Operation for
 * operation the TypeScript's, in f64, in the same order (no fused multiply-add; x * 0 kept, as NaN and
 * infinities need): the same bits (test/geometry/epipolar-wasm.test.ts, ba-wasm.test.ts). Matrices are
 * 9 f64, row-major, at byte offsets.
 */

@inline export function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline export function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
/** A float32 entry, widened to f64 as the TypeScript's reads of a Float32Array are. */
@inline export function f32At(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }

/** The bytes of scratch svd3 works in: AtA, its eigenvalues, eigenvectors, eigSym3's copy, the order (3 i32). */
export const SVD3_SCRATCH: usize = 336;

/** ../linalg.ts: mul3Into. */
export function mul3(a: usize, b: usize, r: usize): usize {
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) st(r, i * 3 + j, ld(a, i * 3) * ld(b, j) + ld(a, i * 3 + 1) * ld(b, 3 + j) + ld(a, i * 3 + 2) * ld(b, 6 + j));
  return r;
}

/** ../linalg.ts: transpose3Into. */
export function transpose3(a: usize, r: usize): usize {
  st(r, 0, ld(a, 0)); st(r, 1, ld(a, 3)); st(r, 2, ld(a, 6)); st(r, 3, ld(a, 1)); st(r, 4, ld(a, 4));
  st(r, 5, ld(a, 7)); st(r, 6, ld(a, 2)); st(r, 7, ld(a, 5)); st(r, 8, ld(a, 8));
  return r;
}

/** ../linalg.ts: hypot3, the same operations. */
export function hypot3(x: f64, y: f64, z: f64): f64 {
  const ax = abs<f64>(x), ay = abs<f64>(y), az = abs<f64>(z);
  if (ax == Infinity || ay == Infinity || az == Infinity) return Infinity;
  if (ax != ax || ay != ay || az != az) return NaN;
  let mx = ax > ay ? ax : ay;
  if (az > mx) mx = az;
  if (mx == 0) return 0;
  const n1 = ax / mx, n2 = ay / mx, n3 = az / mx;
  const s2 = n1 * n1 + n2 * n2, c = (s2 - n1 * n1) - n2 * n2;
  return sqrt<f64>(s2 + (n3 * n3 - c)) * mx;
}

/** ../linalg.ts: jacobi3. Math.sign(theta || 1): theta when neither 0 (either sign) nor NaN, else 1. */
export function jacobi3(a: usize, v: usize, p: i32, q: i32): void {
  const apq = ld(a, p * 3 + q);
  if (abs<f64>(apq) < 1e-300) return;
  const theta = (ld(a, q * 3 + q) - ld(a, p * 3 + p)) / (2 * apq);
  const sg: f64 = theta == 0 || theta != theta ? 1 : theta > 0 ? 1 : -1;
  const t = sg / (abs<f64>(theta) + sqrt<f64>(theta * theta + 1));
  const c = 1 / sqrt<f64>(t * t + 1), s = t * c;
  for (let k = 0; k < 3; k++) {
    const akp = ld(a, k * 3 + p), akq = ld(a, k * 3 + q);
    st(a, k * 3 + p, c * akp - s * akq);
    st(a, k * 3 + q, s * akp + c * akq);
  }
  for (let k = 0; k < 3; k++) {
    const apk = ld(a, p * 3 + k), aqk = ld(a, q * 3 + k);
    st(a, p * 3 + k, c * apk - s * aqk);
    st(a, q * 3 + k, s * apk + c * aqk);
  }
  for (let k = 0; k < 3; k++) {
    const vkp = ld(v, k * 3 + p), vkq = ld(v, k * 3 + q);
    st(v, k * 3 + p, c * vkp - s * vkq);
    st(v, k * 3 + q, s * vkp + c * vkq);
  }
}

/** ../linalg.ts: eigSym3Into (a: the scratch it works in). */
export function eigSym3(A: usize, values: usize, vectors: usize, a: usize): void {
  for (let k = 0; k < 9; k++) { st(a, k, ld(A, k)); st(vectors, k, k % 4 == 0 ? 1 : 0); }
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = abs<f64>(ld(a, 1)) + abs<f64>(ld(a, 2)) + abs<f64>(ld(a, 5));
    if (off < 1e-15) break;
    jacobi3(a, vectors, 0, 1);
    jacobi3(a, vectors, 0, 2);
    jacobi3(a, vectors, 1, 2);
  }
  st(values, 0, ld(a, 0)); st(values, 1, ld(a, 4)); st(values, 2, ld(a, 8));
}

@inline function ordAt(o: usize, i: i32): i32 { return load<i32>(o + (<usize>i << 2)); }
@inline function setOrd(o: usize, i: i32, v: i32): void { store<i32>(o + (<usize>i << 2), v); }

/** ../linalg.ts: svd3Into (w: SVD3_SCRATCH bytes of scratch). */
export function svd3(A: usize, U: usize, S: usize, V: usize, w: usize): void {
  const AtA = w, values = w + 80, vectors = w + 160, order = w + 320;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) st(AtA, i * 3 + j, ld(A, i) * ld(A, j) + ld(A, 3 + i) * ld(A, 3 + j) + ld(A, 6 + i) * ld(A, 6 + j));
  eigSym3(AtA, values, vectors, w + 240);
  setOrd(order, 0, 0); setOrd(order, 1, 1); setOrd(order, 2, 2);
  for (let i = 1; i < 3; i++)
    for (let k = i; k > 0 && ld(values, ordAt(order, k)) > ld(values, ordAt(order, k - 1)); k--) {
      const t = ordAt(order, k); setOrd(order, k, ordAt(order, k - 1)); setOrd(order, k - 1, t);
    }
  for (let c = 0; c < 3; c++) for (let r = 0; r < 3; r++) st(V, r * 3 + c, ld(vectors, r * 3 + ordAt(order, c)));
  for (let k = 0; k < 9; k++) st(U, k, 0);
  for (let c = 0; c < 3; c++) {
    const v0 = ld(V, c), v1 = ld(V, 3 + c), v2 = ld(V, 6 + c);
    const u0 = ld(A, 0) * v0 + ld(A, 1) * v1 + ld(A, 2) * v2, u1 = ld(A, 3) * v0 + ld(A, 4) * v1 + ld(A, 5) * v2, u2 = ld(A, 6) * v0 + ld(A, 7) * v1 + ld(A, 8) * v2;
    const n = hypot3(u0, u1, u2);
    st(S, c, n);
    if (n > 1e-12) { st(U, c, u0 / n); st(U, 3 + c, u1 / n); st(U, 6 + c, u2 / n); }
  }
  for (let c = 0; c < 3; c++) {
    if (ld(S, c) > 1e-12) continue;
    const c1 = (c + 1) % 3, c2 = (c + 2) % 3;
    const a0 = ld(U, c1), a1 = ld(U, 3 + c1), a2 = ld(U, 6 + c1);
    const b0 = ld(U, c2), b1 = ld(U, 3 + c2), b2 = ld(U, 6 + c2);
    let w0 = a1 * b2 - a2 * b1, w1 = a2 * b0 - a0 * b2, w2 = a0 * b1 - a1 * b0;
    if (hypot3(w0, w1, w2) < 0.5) {
      if (abs<f64>(a0) < 0.9) { w0 = 1; w1 = 0; w2 = 0; } else { w0 = 0; w1 = 1; w2 = 0; }
    }
    const n = hypot3(w0, w1, w2);
    st(U, c, w0 / n); st(U, 3 + c, w1 / n); st(U, 6 + c, w2 / n);
  }
}
