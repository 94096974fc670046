/**
 * The window bundle adjustment's and the pose refinement's kernels (../window-ba.ts: the reprojection
 * part of robustCost, linearize, reduceDepths, stepDepths; ../linalg.ts: solveSPD; ../pose.ts:
 * normalEquations; from pose-ransac.as.ts the RANSAC's loop and countWithin) in AssemblyScript,
 * compiled to WebAssembly by `npm run build:wasm` and embedded in ../ba-wasm-binary.ts. Why: they are
 * the tracker's and the focal search's adjustment loops, V8 checked every typed-array access and kept little in registers; here the window's data sit in the
 * module's memory for the whole adjustment. Operation for operation the TypeScript's, in f64, in the
 * same order (no fused multiply-add; vectors only across independent entries of the Schur complement,
 * never inside a sum); the logarithms of the depth prior stay in the TypeScript: the same bits
 * (test/geometry/ba-wasm.test.ts). Pointers are byte offsets into this module's memory; ../ba-wasm.ts
 * lays the buffers out and writes the window's header.
 */

import { ld as f64At, st as setF64, f32At } from './linalg3.as';

// The window's header (../ba-wasm.ts: writeHeader): i32 fields, then f64 ones.
const M_ = 0, NP_ = 4, D_ = 8, HASF_ = 12, FRAMES_ = 16, RAYS_ = 20, H_ = 24, G_ = 28, HQQ_ = 32, GQ_ = 36, QF_ = 40, CPN_ = 44, CPJ_ = 48, CPV_ = 52;
const KFX_ = 64, KFY_ = 72, CX_ = 80, CY_ = 88, THR_ = 96, BEHIND_ = 104;

@inline function i32At(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function ptr(h: usize, at: usize): usize { return <usize>load<i32>(h + at); }

/** ../linalg.ts: hypot2, the same operations. */
@inline function hypot2(x: f64, y: f64): f64 {
  const ax = abs<f64>(x), ay = abs<f64>(y);
  if (ax == Infinity || ay == Infinity) return Infinity;
  if (ax != ax || ay != ay) return NaN;
  const mx = ax > ay ? ax : ay;
  if (mx == 0) return 0;
  const nx = ax / mx, ny = ay / mx;
  return sqrt<f64>(nx * nx + ny * ny) * mx;
}

/** robustCost's reprojection terms (Huber, capped; a point behind costs the cap) at poses P, inverse depths q, focal scale sc. */
export function reprojCost(h: usize, P: usize, q: usize, sc: f64): f64 {
  const M = load<i32>(h + M_), frames = ptr(h, FRAMES_), rays = ptr(h, RAYS_);
  const thr = load<f64>(h + THR_), cx = load<f64>(h + CX_), cy = load<f64>(h + CY_);
  const fx = load<f64>(h + KFX_) * sc, fy = load<f64>(h + KFY_) * sc;
  // The cap of a point behind the camera, as the TypeScript computed it (its `** 2`).
  const behind = load<f64>(h + BEHIND_);
  let cost: f64 = 0;
  for (let j = 0; j < M; j++) {
    const ids = <usize>i32At(frames, 3 * j), uv = <usize>i32At(frames, 3 * j + 1), n = i32At(frames, 3 * j + 2), p = P + <usize>(96 * j);
    const R0 = f64At(p, 0), R1 = f64At(p, 1), R2 = f64At(p, 2), R3 = f64At(p, 3), R4 = f64At(p, 4), R5 = f64At(p, 5), R6 = f64At(p, 6), R7 = f64At(p, 7), R8 = f64At(p, 8);
    const t0 = f64At(p, 9), t1 = f64At(p, 10), t2 = f64At(p, 11);
    for (let k = 0; k < n; k++) {
      const i = i32At(ids, k), z = 1 / f64At(q, i), x = (f32At(rays, 2 * i) * z) / sc, y = (f32At(rays, 2 * i + 1) * z) / sc;
      const Zc = R6 * x + R7 * y + R8 * z + t2;
      let term = behind;
      if (!(Zc <= 1e-6)) {
        const eu = (fx * (R0 * x + R1 * y + R2 * z + t0)) / Zc + cx - f32At(uv, 2 * k);
        const ev = (fy * (R3 * x + R4 * y + R5 * z + t1)) / Zc + cy - f32At(uv, 2 * k + 1);
        const e = min<f64>(3 * thr, hypot2(eu, ev));
        term = e <= thr ? e * e : thr * (2 * e - thr);
      }
      cost += term;
    }
  }
  return cost;
}

/**
 * linearize's observation terms at poses P, inverse depths q, focal scale sf: the pose block H (upper
 * triangle, then mirrored) and g, the depths' Hqq and gq, the focal's row, the couplings (cpN, cpJ,
 * cpV); every one cleared first. The depth prior's terms (logarithms) are the caller's, after this.
 */
export function linearize(h: usize, P: usize, q: usize, sf: f64): void {
  const M = load<i32>(h + M_), nP = load<i32>(h + NP_), D = load<i32>(h + D_), hasF = load<i32>(h + HASF_) != 0;
  const frames = ptr(h, FRAMES_), rays = ptr(h, RAYS_), H = ptr(h, H_), g = ptr(h, G_), Hqq = ptr(h, HQQ_), gq = ptr(h, GQ_), qf = ptr(h, QF_);
  const cpN = ptr(h, CPN_), cpJ = ptr(h, CPJ_), cpV = ptr(h, CPV_);
  const thr = load<f64>(h + THR_), cx = load<f64>(h + CX_), cy = load<f64>(h + CY_);
  const F = D - 1;
  memory.fill(H, 0, <usize>(D * D) << 3); memory.fill(g, 0, <usize>D << 3);
  memory.fill(Hqq, 0, <usize>nP << 3); memory.fill(gq, 0, <usize>nP << 3); memory.fill(cpN, 0, <usize>nP << 2);
  if (hasF) memory.fill(qf, 0, <usize>nP << 3);
  const fx = load<f64>(h + KFX_) * sf, fy = load<f64>(h + KFY_) * sf;
  for (let j = 0; j < M; j++) {
    const ids = <usize>i32At(frames, 3 * j), uv = <usize>i32At(frames, 3 * j + 1), n = i32At(frames, 3 * j + 2), p = P + <usize>(96 * j), base = 6 * j;
    const R0 = f64At(p, 0), R1 = f64At(p, 1), R2 = f64At(p, 2), R3 = f64At(p, 3), R4 = f64At(p, 4), R5 = f64At(p, 5), R6 = f64At(p, 6), R7 = f64At(p, 7), R8 = f64At(p, 8);
    const t0 = f64At(p, 9), t1 = f64At(p, 10), t2 = f64At(p, 11);
    let h00: f64 = 0, h01: f64 = 0, h02: f64 = 0, h03: f64 = 0, h04: f64 = 0, h05: f64 = 0, h11: f64 = 0, h12: f64 = 0, h13: f64 = 0, h14: f64 = 0, h15: f64 = 0;
    let h22: f64 = 0, h23: f64 = 0, h24: f64 = 0, h25: f64 = 0, h33: f64 = 0, h34: f64 = 0, h35: f64 = 0, h44: f64 = 0, h45: f64 = 0, h55: f64 = 0;
    let g0: f64 = 0, g1: f64 = 0, g2: f64 = 0, g3: f64 = 0, g4: f64 = 0, g5: f64 = 0;
    for (let k = 0; k < n; k++) {
      const i = i32At(ids, k), z = 1 / f64At(q, i), rx = f32At(rays, 2 * i) / sf, ry = f32At(rays, 2 * i + 1) / sf;
      const x = rx * z, y = ry * z;
      const X = R0 * x + R1 * y + R2 * z + t0;
      const Y = R3 * x + R4 * y + R5 * z + t1;
      const Zc = R6 * x + R7 * y + R8 * z + t2;
      if (Zc <= 1e-6) continue;
      const iz = 1 / Zc;
      const eu = fx * X * iz + cx - f32At(uv, 2 * k), ev = fy * Y * iz + cy - f32At(uv, 2 * k + 1);
      const e = hypot2(eu, ev);
      if (e > thr * 3) continue;
      const w: f64 = e <= thr ? 1 : thr / e;
      const du0 = fx * iz, du2 = -fx * X * iz * iz, dv1 = fy * iz, dv2 = -fy * Y * iz * iz;
      const J0 = du2 * Y, J1 = du0 * Zc - du2 * X, J2 = -du0 * Y, J3 = du0, J4: f64 = 0, J5 = du2;
      const K0 = -dv1 * Zc + dv2 * Y, K1 = -dv2 * X, K2 = dv1 * X, K3: f64 = 0, K4 = dv1, K5 = dv2;
      const s2 = -z * z;
      const dqx = s2 * (R0 * rx + R1 * ry + R2), dqy = s2 * (R3 * rx + R4 * ry + R5), dqz = s2 * (R6 * rx + R7 * ry + R8);
      const Jqu = du0 * dqx + du2 * dqz, Jqv = dv1 * dqy + dv2 * dqz;
      const c = i32At(cpN, i), slot = i * M + c, v = cpV + (<usize>(6 * slot) << 3);
      store<i32>(cpN + (<usize>i << 2), c + 1);
      store<i32>(cpJ + (<usize>slot << 2), j);
      g0 -= w * (J0 * eu + K0 * ev); g1 -= w * (J1 * eu + K1 * ev); g2 -= w * (J2 * eu + K2 * ev);
      g3 -= w * (J3 * eu + K3 * ev); g4 -= w * (J4 * eu + K4 * ev); g5 -= w * (J5 * eu + K5 * ev);
      setF64(v, 0, w * (J0 * Jqu + K0 * Jqv)); setF64(v, 1, w * (J1 * Jqu + K1 * Jqv)); setF64(v, 2, w * (J2 * Jqu + K2 * Jqv));
      setF64(v, 3, w * (J3 * Jqu + K3 * Jqv)); setF64(v, 4, w * (J4 * Jqu + K4 * Jqv)); setF64(v, 5, w * (J5 * Jqu + K5 * Jqv));
      h00 += w * (J0 * J0 + K0 * K0); h01 += w * (J0 * J1 + K0 * K1); h02 += w * (J0 * J2 + K0 * K2); h03 += w * (J0 * J3 + K0 * K3);
      h04 += w * (J0 * J4 + K0 * K4); h05 += w * (J0 * J5 + K0 * K5); h11 += w * (J1 * J1 + K1 * K1); h12 += w * (J1 * J2 + K1 * K2);
      h13 += w * (J1 * J3 + K1 * K3); h14 += w * (J1 * J4 + K1 * K4); h15 += w * (J1 * J5 + K1 * K5); h22 += w * (J2 * J2 + K2 * K2);
      h23 += w * (J2 * J3 + K2 * K3); h24 += w * (J2 * J4 + K2 * K4); h25 += w * (J2 * J5 + K2 * K5); h33 += w * (J3 * J3 + K3 * K3);
      h34 += w * (J3 * J4 + K3 * K4); h35 += w * (J3 * J5 + K3 * K5); h44 += w * (J4 * J4 + K4 * K4); h45 += w * (J4 * J5 + K4 * K5);
      h55 += w * (J5 * J5 + K5 * K5);
      setF64(Hqq, i, f64At(Hqq, i) + w * (Jqu * Jqu + Jqv * Jqv));
      setF64(gq, i, f64At(gq, i) - w * (Jqu * eu + Jqv * ev));
      if (hasF) {
        const dX = -(R0 * x + R1 * y), dY = -(R3 * x + R4 * y), dZ = -(R6 * x + R7 * y);
        const Jfu = fx * X * iz + du0 * dX + du2 * dZ, Jfv = fy * Y * iz + dv1 * dY + dv2 * dZ;
        const FF = F * D + F;
        setF64(H, FF, f64At(H, FF) + w * (Jfu * Jfu + Jfv * Jfv));
        setF64(g, F, f64At(g, F) - w * (Jfu * eu + Jfv * ev));
        const cF = base * D + F;
        setF64(H, cF, f64At(H, cF) + w * (J0 * Jfu + K0 * Jfv)); setF64(H, cF + D, f64At(H, cF + D) + w * (J1 * Jfu + K1 * Jfv));
        setF64(H, cF + 2 * D, f64At(H, cF + 2 * D) + w * (J2 * Jfu + K2 * Jfv)); setF64(H, cF + 3 * D, f64At(H, cF + 3 * D) + w * (J3 * Jfu + K3 * Jfv));
        setF64(H, cF + 4 * D, f64At(H, cF + 4 * D) + w * (J4 * Jfu + K4 * Jfv)); setF64(H, cF + 5 * D, f64At(H, cF + 5 * D) + w * (J5 * Jfu + K5 * Jfv));
        setF64(qf, i, f64At(qf, i) + w * (Jfu * Jqu + Jfv * Jqv));
      }
    }
    const r0 = base * D + base, r1 = r0 + D, r2 = r1 + D, r3 = r2 + D, r4 = r3 + D, r5 = r4 + D;
    setF64(H, r0, h00); setF64(H, r0 + 1, h01); setF64(H, r0 + 2, h02); setF64(H, r0 + 3, h03); setF64(H, r0 + 4, h04); setF64(H, r0 + 5, h05);
    setF64(H, r1 + 1, h11); setF64(H, r1 + 2, h12); setF64(H, r1 + 3, h13); setF64(H, r1 + 4, h14); setF64(H, r1 + 5, h15);
    setF64(H, r2 + 2, h22); setF64(H, r2 + 3, h23); setF64(H, r2 + 4, h24); setF64(H, r2 + 5, h25);
    setF64(H, r3 + 3, h33); setF64(H, r3 + 4, h34); setF64(H, r3 + 5, h35); setF64(H, r4 + 4, h44); setF64(H, r4 + 5, h45); setF64(H, r5 + 5, h55);
    setF64(g, base, g0); setF64(g, base + 1, g1); setF64(g, base + 2, g2); setF64(g, base + 3, g3); setF64(g, base + 4, g4); setF64(g, base + 5, g5);
  }
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) setF64(H, a * D + b, f64At(H, b * D + a));
}

/** S[c..c+1] -= a * (b at bp, bp + 8): two independent entries, each the scalar product and difference. */
@inline function sub2(S: usize, c: i32, a: v128, bp: usize): void {
  const at = S + (<usize>c << 3);
  v128.store(at, f64x2.sub(v128.load(at), f64x2.mul(a, v128.load(bp))));
}

/** One row of a coupling block: S[c..c+5] -= a * b[0..5]. */
@inline function subRow(S: usize, c: i32, a: f64, b: usize): void {
  const av = f64x2.splat(a);
  sub2(S, c, av, b); sub2(S, c + 2, av, b + 16); sub2(S, c + 4, av, b + 32);
}

/**
 * reduceDepths: the inverse depths eliminated from S, r (copies of H, g) by the Schur complement,
 * point by point in the same order; within a point each entry takes its one term, two entries a vector.
 */
export function reduceDepths(h: usize, S: usize, r: usize): void {
  const M = load<i32>(h + M_), nP = load<i32>(h + NP_), D = load<i32>(h + D_), hasF = load<i32>(h + HASF_) != 0;
  const Hqq = ptr(h, HQQ_), gq = ptr(h, GQ_), qf = ptr(h, QF_), cpN = ptr(h, CPN_), cpJ = ptr(h, CPJ_), cpV = ptr(h, CPV_);
  const F = D - 1;
  for (let i = 0; i < nP; i++) {
    const nc = i32At(cpN, i);
    if (!nc) continue;
    const inv = 1 / f64At(Hqq, i), gi = f64At(gq, i);
    for (let ca = 0; ca < nc; ca++) {
      const ja = i32At(cpJ, i * M + ca), va = cpV + (<usize>(6 * (i * M + ca)) << 3), ra = 6 * ja;
      const v0 = f64At(va, 0), v1 = f64At(va, 1), v2 = f64At(va, 2), v3 = f64At(va, 3), v4 = f64At(va, 4), v5 = f64At(va, 5);
      const a0 = v0 * inv, a1 = v1 * inv, a2 = v2 * inv, a3 = v3 * inv, a4 = v4 * inv, a5 = v5 * inv;
      setF64(r, ra, f64At(r, ra) - a0 * gi); setF64(r, ra + 1, f64At(r, ra + 1) - a1 * gi); setF64(r, ra + 2, f64At(r, ra + 2) - a2 * gi);
      setF64(r, ra + 3, f64At(r, ra + 3) - a3 * gi); setF64(r, ra + 4, f64At(r, ra + 4) - a4 * gi); setF64(r, ra + 5, f64At(r, ra + 5) - a5 * gi);
      const d0 = ra * D + ra, d1 = d0 + D, d2 = d1 + D, d3 = d2 + D, d4 = d3 + D, d5 = d4 + D;
      for (let cb = 0; cb < ca; cb++) {
        const vb = cpV + (<usize>(6 * (i * M + cb)) << 3), jb = 6 * i32At(cpJ, i * M + cb);
        const c0 = ra * D + jb;
        subRow(S, c0, a0, vb); subRow(S, c0 + D, a1, vb); subRow(S, c0 + 2 * D, a2, vb);
        subRow(S, c0 + 3 * D, a3, vb); subRow(S, c0 + 4 * D, a4, vb); subRow(S, c0 + 5 * D, a5, vb);
      }
      setF64(S, d0, f64At(S, d0) - a0 * v0);
      setF64(S, d1, f64At(S, d1) - a1 * v0); setF64(S, d1 + 1, f64At(S, d1 + 1) - a1 * v1);
      setF64(S, d2, f64At(S, d2) - a2 * v0); setF64(S, d2 + 1, f64At(S, d2 + 1) - a2 * v1); setF64(S, d2 + 2, f64At(S, d2 + 2) - a2 * v2);
      setF64(S, d3, f64At(S, d3) - a3 * v0); setF64(S, d3 + 1, f64At(S, d3 + 1) - a3 * v1); setF64(S, d3 + 2, f64At(S, d3 + 2) - a3 * v2);
      setF64(S, d3 + 3, f64At(S, d3 + 3) - a3 * v3);
      setF64(S, d4, f64At(S, d4) - a4 * v0); setF64(S, d4 + 1, f64At(S, d4 + 1) - a4 * v1); setF64(S, d4 + 2, f64At(S, d4 + 2) - a4 * v2);
      setF64(S, d4 + 3, f64At(S, d4 + 3) - a4 * v3); setF64(S, d4 + 4, f64At(S, d4 + 4) - a4 * v4);
      setF64(S, d5, f64At(S, d5) - a5 * v0); setF64(S, d5 + 1, f64At(S, d5 + 1) - a5 * v1); setF64(S, d5 + 2, f64At(S, d5 + 2) - a5 * v2);
      setF64(S, d5 + 3, f64At(S, d5 + 3) - a5 * v3); setF64(S, d5 + 4, f64At(S, d5 + 4) - a5 * v4); setF64(S, d5 + 5, f64At(S, d5 + 5) - a5 * v5);
    }
    if (hasF) {
      const qi = f64At(qf, i), FF = F * D + F;
      setF64(r, F, f64At(r, F) - qi * inv * f64At(gq, i));
      setF64(S, FF, f64At(S, FF) - qi * inv * qi);
      for (let ca = 0; ca < nc; ca++) {
        const ja = i32At(cpJ, i * M + ca), va = cpV + (<usize>(6 * (i * M + ca)) << 3);
        for (let a = 0; a < 6; a++) {
          const v = f64At(va, a) * inv * qi, row = (6 * ja + a) * D + F, col = F * D + 6 * ja + a;
          setF64(S, row, f64At(S, row) - v); setF64(S, col, f64At(S, col) - v);
        }
      }
    }
  }
}

/** stepDepths: the candidate inverse depths nq of the step d, each within a factor 2 of q. */
export function stepDepths(h: usize, d: usize, q: usize, nq: usize): void {
  const M = load<i32>(h + M_), nP = load<i32>(h + NP_), D = load<i32>(h + D_), hasF = load<i32>(h + HASF_) != 0;
  const Hqq = ptr(h, HQQ_), gq = ptr(h, GQ_), qf = ptr(h, QF_), cpN = ptr(h, CPN_), cpJ = ptr(h, CPJ_), cpV = ptr(h, CPV_);
  for (let i = 0; i < nP; i++) {
    let s = f64At(gq, i);
    const nc = i32At(cpN, i);
    for (let k = 0; k < nc; k++) {
      const v = cpV + (<usize>(6 * (i * M + k)) << 3), dj = d + (<usize>(6 * i32At(cpJ, i * M + k)) << 3);
      for (let a = 0; a < 6; a++) s -= f64At(v, a) * f64At(dj, a);
    }
    if (hasF) s -= f64At(qf, i) * f64At(d, D - 1);
    const qi = f64At(q, i);
    setF64(nq, i, min<f64>(qi * 2, max<f64>(qi / 2, qi + s / f64At(Hqq, i))));
  }
}

/** ../linalg.ts: solveSPD (Cholesky of A's lower triangle into L, n x n; x into out): 0 where A is not positive definite. */
export function solveSPD(A: usize, b: usize, n: i32, L: usize, out: usize): i32 {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = f64At(A, i * n + j);
      for (let k = 0; k < j; k++) s -= f64At(L, i * n + k) * f64At(L, j * n + k);
      if (i == j) {
        if (s <= 1e-18) return 0;
        setF64(L, i * n + i, sqrt<f64>(s));
      } else setF64(L, i * n + j, s / f64At(L, j * n + j));
    }
  }
  for (let i = 0; i < n; i++) {
    let s = f64At(b, i);
    for (let k = 0; k < i; k++) s -= f64At(L, i * n + k) * f64At(out, k);
    setF64(out, i, s / f64At(L, i * n + i));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = f64At(out, i);
    for (let k = i + 1; k < n; k++) s -= f64At(L, k * n + i) * f64At(out, k);
    setF64(out, i, s / f64At(L, i * n + i));
  }
  return 1;
}

// ../pose.ts's kernels: P (f32, xyz per point) and uv (f32) placed once per estimate, the pose at Rt
// (R row-major then t, f64). The RANSAC's loop and its count are in pose-ransac.as.ts.
export { countWithin, poseRansac } from './pose-ransac.as';

/** normalEquations: refine's Gauss-Newton system at Rt into H (36, f64) and g (6); the number of points used. */
export function normalEquations(P: usize, uv: usize, n: i32, Rt: usize, fx: f64, fy: f64, cx: f64, cy: f64, thr: f64, H: usize, g: usize): i32 {
  const R0 = f64At(Rt, 0), R1 = f64At(Rt, 1), R2 = f64At(Rt, 2), R3 = f64At(Rt, 3), R4 = f64At(Rt, 4), R5 = f64At(Rt, 5), R6 = f64At(Rt, 6), R7 = f64At(Rt, 7), R8 = f64At(Rt, 8);
  const t0 = f64At(Rt, 9), t1 = f64At(Rt, 10), t2 = f64At(Rt, 11);
  let used = 0;
  let h00: f64 = 0, h01: f64 = 0, h02: f64 = 0, h03: f64 = 0, h04: f64 = 0, h05: f64 = 0, h11: f64 = 0, h12: f64 = 0, h13: f64 = 0, h14: f64 = 0, h15: f64 = 0;
  let h22: f64 = 0, h23: f64 = 0, h24: f64 = 0, h25: f64 = 0, h33: f64 = 0, h34: f64 = 0, h35: f64 = 0, h44: f64 = 0, h45: f64 = 0, h55: f64 = 0;
  let g0: f64 = 0, g1: f64 = 0, g2: f64 = 0, g3: f64 = 0, g4: f64 = 0, g5: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = f32At(P, i * 3), y = f32At(P, i * 3 + 1), z = f32At(P, i * 3 + 2);
    const X = R0 * x + R1 * y + R2 * z + t0;
    const Y = R3 * x + R4 * y + R5 * z + t1;
    const Zc = R6 * x + R7 * y + R8 * z + t2;
    if (Zc <= 1e-6) continue;
    const iz = 1 / Zc;
    const eu = fx * X * iz + cx - f32At(uv, 2 * i), ev = fy * Y * iz + cy - f32At(uv, 2 * i + 1);
    const e = hypot2(eu, ev);
    if (e > thr * 3) continue;
    const w: f64 = e <= thr ? 1 : thr / e;
    used++;
    // The zero terms kept, as the TypeScript keeps them (they decide the signs of zeros).
    const du0 = fx * iz, du1: f64 = 0, du2 = -fx * X * iz * iz, dv0: f64 = 0, dv1 = fy * iz, dv2 = -fy * Y * iz * iz;
    const J0 = du0 * 0 + du1 * -Zc + du2 * Y, J1 = du0 * Zc + du1 * 0 + du2 * -X, J2 = du0 * -Y + du1 * X + du2 * 0;
    const K0 = dv0 * 0 + dv1 * -Zc + dv2 * Y, K1 = dv0 * Zc + dv1 * 0 + dv2 * -X, K2 = dv0 * -Y + dv1 * X + dv2 * 0;
    const J3 = du0, J4 = du1, J5 = du2, K3 = dv0, K4 = dv1, K5 = dv2;
    g0 -= w * (J0 * eu + K0 * ev); g1 -= w * (J1 * eu + K1 * ev); g2 -= w * (J2 * eu + K2 * ev);
    g3 -= w * (J3 * eu + K3 * ev); g4 -= w * (J4 * eu + K4 * ev); g5 -= w * (J5 * eu + K5 * ev);
    h00 += w * (J0 * J0 + K0 * K0); h01 += w * (J0 * J1 + K0 * K1); h02 += w * (J0 * J2 + K0 * K2); h03 += w * (J0 * J3 + K0 * K3); h04 += w * (J0 * J4 + K0 * K4); h05 += w * (J0 * J5 + K0 * K5);
    h11 += w * (J1 * J1 + K1 * K1); h12 += w * (J1 * J2 + K1 * K2); h13 += w * (J1 * J3 + K1 * K3); h14 += w * (J1 * J4 + K1 * K4); h15 += w * (J1 * J5 + K1 * K5);
    h22 += w * (J2 * J2 + K2 * K2); h23 += w * (J2 * J3 + K2 * K3); h24 += w * (J2 * J4 + K2 * K4); h25 += w * (J2 * J5 + K2 * K5);
    h33 += w * (J3 * J3 + K3 * K3); h34 += w * (J3 * J4 + K3 * K4); h35 += w * (J3 * J5 + K3 * K5);
    h44 += w * (J4 * J4 + K4 * K4); h45 += w * (J4 * J5 + K4 * K5);
    h55 += w * (J5 * J5 + K5 * K5);
  }
  setF64(H, 0, h00); setF64(H, 1, h01); setF64(H, 2, h02); setF64(H, 3, h03); setF64(H, 4, h04); setF64(H, 5, h05);
  setF64(H, 6, h01); setF64(H, 7, h11); setF64(H, 8, h12); setF64(H, 9, h13); setF64(H, 10, h14); setF64(H, 11, h15);
  setF64(H, 12, h02); setF64(H, 13, h12); setF64(H, 14, h22); setF64(H, 15, h23); setF64(H, 16, h24); setF64(H, 17, h25);
  setF64(H, 18, h03); setF64(H, 19, h13); setF64(H, 20, h23); setF64(H, 21, h33); setF64(H, 22, h34); setF64(H, 23, h35);
  setF64(H, 24, h04); setF64(H, 25, h14); setF64(H, 26, h24); setF64(H, 27, h34); setF64(H, 28, h44); setF64(H, 29, h45);
  setF64(H, 30, h05); setF64(H, 31, h15); setF64(H, 32, h25); setF64(H, 33, h35); setF64(H, 34, h45); setF64(H, 35, h55);
  setF64(g, 0, g0); setF64(g, 1, g1); setF64(g, 2, g2); setF64(g, 3, g3); setF64(g, 4, g4); setF64(g, 5, g5);
  return used;
}
