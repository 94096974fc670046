/**
 * The epipolar RANSAC's kernels (../epipolar.ts: the eight-point solves, eightPoint with
 * sampleNullVector, leastSquaresVector and smallestEigenvectorInto; the hypotheses' scoring, scoreF's
 * count with denormaliseInto, essentialOnlyInto, countSampson; ../linalg.ts: mul3Into, transpose3Into,
 * svd3Into, eigSym3Into, jacobi3, hypot3) in AssemblyScript, compiled to WebAssembly by `npm run
 * build:wasm` and embedded in ../epipolar-wasm-binary.ts. Why: the field-of-view search solves and
 * scores every span's hypotheses for five lenses, and V8 spent about as long compiling these small
 * kernels on the search's worker as running them. Operation for operation the TypeScript's, in f64, in
 * the same order (no fused multiply-add; x * 0 kept, as NaN and infinities need); the same bits
 * (test/geometry/epipolar-wasm.test.ts). The corners are drawn in the TypeScript (its generator).
 * Pointers are byte offsets into this module's memory; ../epipolar-wasm.ts lays the buffers out.
 */

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

// The scratch's matrices (byte offsets from the caller's scratch pointer, 80 bytes apart; order: 3 i32).
const DEN = 0, ESS = 80, T_ = 160, A_ = 240, B_ = 320, D_ = 400, KI = 480, U_ = 560, S_ = 640, V_ = 720;
const ATA = 800, VAL = 880, VEC = 960, EIG = 1040, ORDER = 1120, COUNT = 1136;

/** ../linalg.ts: mul3Into. */
function mul3(a: usize, b: usize, r: usize): usize {
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) st(r, i * 3 + j, ld(a, i * 3) * ld(b, j) + ld(a, i * 3 + 1) * ld(b, 3 + j) + ld(a, i * 3 + 2) * ld(b, 6 + j));
  return r;
}

/** ../linalg.ts: transpose3Into. */
function transpose3(a: usize, r: usize): usize {
  st(r, 0, ld(a, 0)); st(r, 1, ld(a, 3)); st(r, 2, ld(a, 6)); st(r, 3, ld(a, 1)); st(r, 4, ld(a, 4));
  st(r, 5, ld(a, 7)); st(r, 6, ld(a, 2)); st(r, 7, ld(a, 5)); st(r, 8, ld(a, 8));
  return r;
}

/** ../linalg.ts: hypot3, the same operations. */
function hypot3(x: f64, y: f64, z: f64): f64 {
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
function jacobi3(a: usize, v: usize, p: i32, q: i32): void {
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
function eigSym3(A: usize, values: usize, vectors: usize, a: usize): void {
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

/** ../linalg.ts: svd3Into (sc: the scratch). */
function svd3(A: usize, U: usize, S: usize, V: usize, sc: usize): void {
  const AtA = sc + ATA, values = sc + VAL, vectors = sc + VEC, order = sc + ORDER;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) st(AtA, i * 3 + j, ld(A, i) * ld(A, j) + ld(A, 3 + i) * ld(A, 3 + j) + ld(A, 6 + i) * ld(A, 6 + j));
  eigSym3(AtA, values, vectors, sc + EIG);
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

/** ../epipolar.ts: setT, the normaliser (s, mx, my) as a matrix. */
function setT(T: usize, s: f64, mx: f64, my: f64): usize {
  st(T, 0, s); st(T, 1, 0); st(T, 2, -s * mx); st(T, 3, 0); st(T, 4, s); st(T, 5, -s * my); st(T, 6, 0); st(T, 7, 0); st(T, 8, 1);
  return T;
}

/** ../epipolar.ts: essentialOnlyInto (K: 9 values). */
function essentialOnly(F: usize, K: usize, out: usize, sc: usize): usize {
  const eT = sc + T_, eA = sc + A_, eB = sc + B_, eD = sc + D_, eU = sc + U_, eS = sc + S_, eV = sc + V_, Ki = sc + KI;
  svd3(mul3(mul3(transpose3(K, eT), F, eA), K, eB), eU, eS, eV, sc);
  const s = (ld(eS, 0) + ld(eS, 1)) / 2;
  for (let k = 0; k < 9; k++) st(eD, k, 0);
  st(eD, 0, s); st(eD, 4, s);
  mul3(eU, eD, eA);
  const E = mul3(eA, transpose3(eV, eT), eB);
  const f = ld(K, 0), cx = ld(K, 2), cy = ld(K, 5);
  st(Ki, 0, 1 / f); st(Ki, 1, 0); st(Ki, 2, -cx / f); st(Ki, 3, 0); st(Ki, 4, 1 / f); st(Ki, 5, -cy / f); st(Ki, 6, 0); st(Ki, 7, 0); st(Ki, 8, 1);
  return mul3(mul3(transpose3(Ki, eT), E, eA), Ki, out);
}

/** ../epipolar.ts: countSampson (a, b: n points, x y interleaved, f64). */
function countSampson(F: usize, a: usize, b: usize, n: i32, thr2: f64): i32 {
  const F0 = ld(F, 0), F1 = ld(F, 1), F2 = ld(F, 2), F3 = ld(F, 3), F4 = ld(F, 4), F5 = ld(F, 5), F6 = ld(F, 6), F7 = ld(F, 7), F8 = ld(F, 8);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x1 = ld(a, 2 * i), y1 = ld(a, 2 * i + 1), x2 = ld(b, 2 * i), y2 = ld(b, 2 * i + 1);
    const f1 = F0 * x1 + F1 * y1 + F2, f2 = F3 * x1 + F4 * y1 + F5, f3 = F6 * x1 + F7 * y1 + F8;
    const g1 = F0 * x2 + F3 * y2 + F6, g2 = F1 * x2 + F4 * y2 + F7;
    const r = x2 * f1 + y2 * f2 + f3;
    const d = f1 * f1 + f2 * f2 + g1 * g1 + g2 * g2;
    if ((d > 0 ? (r * r) / d : Infinity) < thr2) c++;
  }
  return c;
}

/**
 * fundamentalRansac's choice among nh hypotheses (hyp: 9 values each, normalised coordinates): the
 * first with the most correspondences within thr2 of its F in pixels (denormalised by (sa, mxa, mya)
 * and (sb, mxb, myb), made essential for K when hasK), or -1 when nh is 0; its count at sc + 1136. sc: 1152 bytes of scratch.
 */
export function bestHypothesis(hyp: usize, nh: i32, a: usize, b: usize, n: i32, thr2: f64,
  sa: f64, mxa: f64, mya: f64, sb: f64, mxb: f64, myb: f64, K: usize, hasK: bool, sc: usize): i32 {
  let best = -1, bestCount = -1;
  for (let h = 0; h < nh; h++) {
    const F = pixelF(hyp + (<usize>h) * 72, sa, mxa, mya, sb, mxb, myb, K, hasK, sc);
    const c = countSampson(F, a, b, n, thr2);
    if (c > bestCount) { bestCount = c; best = h; }
  }
  // The count beside the scratch's matrices, for ../epipolar-wasm.ts to read.
  store<i32>(sc + COUNT, bestCount);
  return best;
}

/** ../epipolar.ts: pixelFInto, the F that a hypothesis Fn is scored by (a pointer into the scratch). */
export function pixelF(Fn: usize, sa: f64, mxa: f64, mya: f64, sb: f64, mxb: f64, myb: f64, K: usize, hasK: bool, sc: usize): usize {
  const eT = sc + T_, eA = sc + A_, eD = sc + D_;
  // denormaliseInto: Tb^T Fn Ta.
  const F = mul3(mul3(transpose3(setT(eD, sb, mxb, myb), eT), Fn, eA), setT(eD, sa, mxa, mya), sc + DEN);
  return hasK ? essentialOnly(F, K, sc + ESS, sc) : F;
}

// The eight-point solves' scratch (byte offsets from the caller's second scratch pointer).
const NS = 0, NY = 576, NCOL = 648, M9 = 688, SEA = 1336, SEV = 1984, EF = 2632;

@inline function i32At(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function setI32(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

/** ../epipolar.ts: sampleNullVector (ids: 8 corner indices), into out; NaN where the sample is degenerate. */
function sampleNullVector(a: usize, b: usize, ids: usize, out: usize, s2: usize): void {
  const A = s2 + NS, col = s2 + NCOL, y = s2 + NY;
  for (let k = 0; k < 8; k++) {
    const i = i32At(ids, k), x1 = ld(a, 2 * i), y1 = ld(a, 2 * i + 1), x2 = ld(b, 2 * i), y2 = ld(b, 2 * i + 1), o = 9 * k;
    st(A, o, x2 * x1); st(A, o + 1, x2 * y1); st(A, o + 2, x2); st(A, o + 3, y2 * x1); st(A, o + 4, y2 * y1); st(A, o + 5, y2);
    st(A, o + 6, x1); st(A, o + 7, y1); st(A, o + 8, 1);
  }
  for (let c = 0; c < 9; c++) setI32(col, c, c);
  let scale: f64 = 0;
  // Math.max's NaN: f64.max's too.
  for (let k = 0; k < 72; k++) scale = max<f64>(scale, abs<f64>(ld(A, k)));
  for (let k = 0; k < 8; k++) {
    let pr = k, pc = k, pv: f64 = 0;
    for (let r = k; r < 8; r++) for (let c = k; c < 9; c++) { const v = abs<f64>(ld(A, 9 * r + c)); if (v > pv) { pv = v; pr = r; pc = c; } }
    if (!(pv > 1e-12 * scale)) { for (let c = 0; c < 9; c++) st(out, c, NaN); return; }
    if (pr != k) for (let c = 0; c < 9; c++) { const t = ld(A, 9 * k + c); st(A, 9 * k + c, ld(A, 9 * pr + c)); st(A, 9 * pr + c, t); }
    if (pc != k) {
      for (let r = 0; r < 8; r++) { const t = ld(A, 9 * r + k); st(A, 9 * r + k, ld(A, 9 * r + pc)); st(A, 9 * r + pc, t); }
      const t = i32At(col, k); setI32(col, k, i32At(col, pc)); setI32(col, pc, t);
    }
    const d = ld(A, 9 * k + k);
    for (let r = k + 1; r < 8; r++) {
      const m = ld(A, 9 * r + k) / d;
      if (m == 0) continue;
      for (let c = k; c < 9; c++) st(A, 9 * r + c, ld(A, 9 * r + c) - m * ld(A, 9 * k + c));
    }
  }
  st(y, 8, 1);
  let nn: f64 = 1;
  for (let k = 7; k >= 0; k--) {
    let s: f64 = 0;
    for (let c = k + 1; c < 9; c++) s += ld(A, 9 * k + c) * ld(y, c);
    st(y, k, -s / ld(A, 9 * k + k));
    nn += ld(y, k) * ld(y, k);
  }
  const inv = 1 / sqrt<f64>(nn);
  for (let c = 0; c < 9; c++) st(out, i32At(col, c), ld(y, c) * inv);
}

/** ../epipolar.ts: smallestEigenvectorInto for n = 9 (cyclic Jacobi; x ** 2 is x * x in V8's pow). */
function smallestEigenvector9(A0: usize, out: usize, s2: usize): void {
  const n = 9, A = s2 + SEA, V = s2 + SEV;
  for (let k = 0; k < n * n; k++) { st(A, k, ld(A0, k)); st(V, k, 0); }
  for (let i = 0; i < n; i++) st(V, i * n + i, 1);
  for (let sweep = 0; sweep < 30; sweep++) {
    let off: f64 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) { const v = ld(A, p * n + q); off += v * v; }
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = ld(A, p * n + q);
      if (abs<f64>(apq) < 1e-300) continue;
      const th = (ld(A, q * n + q) - ld(A, p * n + p)) / (2 * apq);
      const sg: f64 = th == 0 || th != th ? 1 : th > 0 ? 1 : -1;
      const t = sg / (abs<f64>(th) + sqrt<f64>(th * th + 1));
      const c = 1 / sqrt<f64>(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = ld(A, k * n + p), akq = ld(A, k * n + q);
        st(A, k * n + p, c * akp - s * akq); st(A, k * n + q, s * akp + c * akq);
      }
      for (let k = 0; k < n; k++) {
        const apk = ld(A, p * n + k), aqk = ld(A, q * n + k);
        st(A, p * n + k, c * apk - s * aqk); st(A, q * n + k, s * apk + c * aqk);
      }
      for (let k = 0; k < n; k++) {
        const vkp = ld(V, k * n + p), vkq = ld(V, k * n + q);
        st(V, k * n + p, c * vkp - s * vkq); st(V, k * n + q, s * vkp + c * vkq);
      }
    }
  }
  let m = 0;
  for (let i = 1; i < n; i++) if (ld(A, i * n + i) < ld(A, m * n + m)) m = i;
  for (let k = 0; k < n; k++) st(out, k, ld(V, k * n + m));
}

/** ../epipolar.ts: leastSquaresVector (ids: m corner indices), into out. */
function leastSquaresVector(a: usize, b: usize, ids: usize, m: i32, out: usize, s2: usize): void {
  const M = s2 + M9, row = s2 + NY;
  for (let k = 0; k < 81; k++) st(M, k, 0);
  for (let j = 0; j < m; j++) {
    const i = i32At(ids, j), x1 = ld(a, 2 * i), y1 = ld(a, 2 * i + 1), x2 = ld(b, 2 * i), y2 = ld(b, 2 * i + 1);
    st(row, 0, x2 * x1); st(row, 1, x2 * y1); st(row, 2, x2); st(row, 3, y2 * x1); st(row, 4, y2 * y1); st(row, 5, y2);
    st(row, 6, x1); st(row, 7, y1); st(row, 8, 1);
    for (let r = 0; r < 9; r++) for (let c = r; c < 9; c++) st(M, r * 9 + c, ld(M, r * 9 + c) + ld(row, r) * ld(row, c));
  }
  for (let r = 0; r < 9; r++) for (let c = 0; c < r; c++) st(M, r * 9 + c, ld(M, c * 9 + r));
  smallestEigenvector9(M, out, s2);
}

/**
 * ../epipolar.ts: eightPoint, the rank-2 F of the m chosen correspondences (ids) between normalised
 * corners a and b, into out; 0 where the TypeScript returns null. sc: the first scratch, s2: the second (2704 bytes).
 */
export function eightPoint(a: usize, b: usize, ids: usize, m: i32, out: usize, sc: usize, s2: usize): i32 {
  const f = s2 + EF;
  if (m == 8) sampleNullVector(a, b, ids, f, s2); else leastSquaresVector(a, b, ids, m, f, s2);
  for (let k = 0; k < 9; k++) if (!isFinite<f64>(ld(f, k))) return 0;
  const eU = sc + U_, eS = sc + S_, eV = sc + V_, eD = sc + D_, eA = sc + A_, eT = sc + T_;
  svd3(f, eU, eS, eV, sc);
  if (!(ld(eS, 0) > 0)) return 0;
  for (let k = 0; k < 9; k++) st(eD, k, 0);
  st(eD, 0, ld(eS, 0)); st(eD, 4, ld(eS, 1));
  mul3(mul3(eU, eD, eA), transpose3(eV, eT), out);
  return 1;
}

/** eightPoint of nh minimal samples (ids: 8 each) into hyp (9 values each) and ok (an i32 each: 0 where null). */
export function sampleHypotheses(a: usize, b: usize, ids: usize, nh: i32, hyp: usize, ok: usize, sc: usize, s2: usize): void {
  for (let h = 0; h < nh; h++) setI32(ok, h, eightPoint(a, b, ids + (<usize>h) * 32, 8, hyp + (<usize>h) * 72, sc, s2));
}
