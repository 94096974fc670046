/**
 * The epipolar RANSAC's kernels (../epipolar.ts: the eight-point solves, eightPoint with
 * sampleNullVector, leastSquaresVector and smallestEigenvectorInto; the hypotheses' scoring, scoreF's
 * count with denormaliseInto, essentialOnlyInto, countSampson; ../linalg.ts' 3x3 algebra, shared with
 * ba.as.ts, in linalg3.as.ts) in AssemblyScript, compiled to WebAssembly by `npm run build:wasm` and
 * embedded in ../epipolar-wasm-binary.ts. Why: the field-of-view search solves and
 * scores every span's hypotheses for five lenses, and V8 spent about as long compiling these small
 * kernels on the search's worker as running them. Operation for operation the TypeScript's, in f64, in
 * the same order (no fused multiply-add; x * 0 kept, as NaN and infinities need); the same bits
 * (test/geometry/epipolar-wasm.test.ts). The corners are drawn in the TypeScript (its generator).
 * Pointers are byte offsets into this module's memory; ../epipolar-wasm.ts lays the buffers out.
 */

import { ld, st, mul3, transpose3, svd3 } from './linalg3.as';

// The scratch's matrices (byte offsets from the caller's scratch pointer, 80 bytes apart; order: 3 i32).
const DEN = 0, ESS = 80, T_ = 160, A_ = 240, B_ = 320, D_ = 400, KI = 480, U_ = 560, S_ = 640, V_ = 720;
// svd3's scratch (linalg3.as.ts: SVD3_SCRATCH bytes), then the best count.
const SVD3_AT = 800, COUNT = 1136;

/** ../epipolar.ts: setT, the normaliser (s, mx, my) as a matrix. */
function setT(T: usize, s: f64, mx: f64, my: f64): usize {
  st(T, 0, s); st(T, 1, 0); st(T, 2, -s * mx); st(T, 3, 0); st(T, 4, s); st(T, 5, -s * my); st(T, 6, 0); st(T, 7, 0); st(T, 8, 1);
  return T;
}

/** ../epipolar.ts: essentialOnlyInto (K: 9 values). */
function essentialOnly(F: usize, K: usize, out: usize, sc: usize): usize {
  const eT = sc + T_, eA = sc + A_, eB = sc + B_, eD = sc + D_, eU = sc + U_, eS = sc + S_, eV = sc + V_, Ki = sc + KI;
  svd3(mul3(mul3(transpose3(K, eT), F, eA), K, eB), eU, eS, eV, sc + SVD3_AT);
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
  svd3(f, eU, eS, eV, sc + SVD3_AT);
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
