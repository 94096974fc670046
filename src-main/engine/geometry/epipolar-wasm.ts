import { EPIPOLAR_WASM_BASE64 } from './epipolar-wasm-binary.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';
import type { Norm } from './epipolar.ts';

/** The module's exports (wasm/epipolar.as.ts); pointers are byte offsets into its memory. */
interface EpipolarExports {
  bestHypothesis(hyp: number, nh: number, a: number, b: number, n: number, thr2: number,
    sa: number, mxa: number, mya: number, sb: number, mxb: number, myb: number, K: number, hasK: boolean, sc: number): number;
  eightPoint(a: number, b: number, ids: number, m: number, out: number, sc: number, s2: number): number;
  sampleHypotheses(a: number, b: number, ids: number, nh: number, hyp: number, ok: number, sc: number, s2: number): void;
  pixelF(Fn: number, sa: number, mxa: number, mya: number, sb: number, mxb: number, myb: number, K: number, hasK: boolean, sc: number): number;
}

/** Whether the eight-point solves and the scoring run in WebAssembly (the tests turn it off for the TypeScript reference, which stays their definition). */
export const epipolarWasm = { on: true };

const epipolarModule = embeddedWasm(EPIPOLAR_WASM_BASE64);

/** The memory's layout: K (9 values), the kernels' scratch, the eight-point solves' scratch, then each call's buffers. */
const K_AT = 0, SCRATCH_AT = 128, COUNT_AT = SCRATCH_AT + 1136, S2_AT = 1280, HYP_AT = 4096;

/** The thread's instance and a view on its whole memory (one call at a time: each is placed, run and done). */
let state: { exports: EpipolarExports; bytes: number; f64: Float64Array; i32: Int32Array } | null = null;

function ensure(bytes: number) {
  if (!state || state.bytes < bytes) {
    // At least twice the old size, so a span with a few more corners does not make an instance each time.
    const size = Math.max(bytes, 2 * (state?.bytes ?? 0), 1 << 16);
    const { exports, buffer } = wasmInstance<EpipolarExports>(epipolarModule(), size);
    state = { exports, bytes: size, f64: new Float64Array(buffer), i32: new Int32Array(buffer) };
  }
  return state;
}


/** What bestHypothesisWasm found: the hypothesis' index in Fn (-1: none) and its count (one object, reused). */
export const picked = { index: -1, count: -1 };

/**
 * epipolar.ts: fundamentalRansac's choice of hypothesis, in WebAssembly: the first non-null hypothesis
 * in Fn with the most of the n correspondences (a, b: pixels) within thr2 of its F (made essential for
 * K when given), into `picked`.
 */
export function bestHypothesisWasm(Fn: ArrayLike<ArrayLike<number> | null>, na: Norm, nb: Norm, a: ArrayLike<number>, b: ArrayLike<number>, n: number, thr2: number, K: ArrayLike<number> | undefined): typeof picked {
  const ids: number[] = [];
  for (let i = 0; i < Fn.length; i++) if (Fn[i]) ids.push(i);
  picked.index = -1; picked.count = -1;
  if (!ids.length) return picked;
  const aAt = HYP_AT + 72 * ids.length, bAt = aAt + 16 * n;
  const { exports: x, f64, i32 } = ensure(bAt + 16 * n);
  for (let k = 0; k < ids.length; k++) {
    const F = Fn[ids[k]]!, o = (HYP_AT >> 3) + 9 * k;
    for (let c = 0; c < 9; c++) f64[o + c] = F[c];
  }
  const ao = aAt >> 3, bo = bAt >> 3;
  for (let i = 0; i < 2 * n; i++) { f64[ao + i] = a[i]; f64[bo + i] = b[i]; }
  if (K) for (let c = 0; c < 9; c++) f64[(K_AT >> 3) + c] = K[c];
  const k = x.bestHypothesis(HYP_AT, ids.length, aAt, bAt, n, thr2, na.s, na.mx, na.my, nb.s, nb.mx, nb.my, K_AT, K !== undefined, SCRATCH_AT);
  picked.index = ids[k];
  picked.count = i32[COUNT_AT >> 2];
  return picked;
}

/** epipolar.ts: pixelF in WebAssembly (for the tests: the module's F of a hypothesis, to the bit). */
export function pixelFWasm(Fn: ArrayLike<number>, na: Norm, nb: Norm, K: ArrayLike<number> | undefined): Float64Array {
  const { exports: x, f64 } = ensure(HYP_AT + 72);
  for (let c = 0; c < 9; c++) f64[(HYP_AT >> 3) + c] = Fn[c];
  if (K) for (let c = 0; c < 9; c++) f64[(K_AT >> 3) + c] = K[c];
  const at = x.pixelF(HYP_AT, na.s, na.mx, na.my, nb.s, nb.mx, nb.my, K_AT, K !== undefined, SCRATCH_AT);
  return f64.slice(at >> 3, (at >> 3) + 9);
}

/** Copies both views' normalised corners in at HYP_AT; the byte offset after them. */
function placeCorners(f64: Float64Array, pa: Float64Array, pb: Float64Array): number {
  f64.set(pa, HYP_AT >> 3);
  f64.set(pb, (HYP_AT >> 3) + pa.length);
  return HYP_AT + 16 * pa.length;
}

/** epipolar.ts: eightPoint in WebAssembly (pa, pb: normalised corners; ids: the chosen ones). */
export function eightPointWasm(pa: Float64Array, pb: Float64Array, ids: ArrayLike<number>): number[] | null {
  const m = ids.length;
  const idsAt = HYP_AT + 16 * pa.length, outAt = idsAt + ((4 * m + 15) & ~15);
  const { exports: x, f64, i32 } = ensure(outAt + 72);
  placeCorners(f64, pa, pb);
  for (let k = 0; k < m; k++) i32[(idsAt >> 2) + k] = ids[k];
  if (!x.eightPoint(HYP_AT, HYP_AT + 8 * pa.length, idsAt, m, outAt, SCRATCH_AT, S2_AT)) return null;
  const o = outAt >> 3;
  return [f64[o], f64[o + 1], f64[o + 2], f64[o + 3], f64[o + 4], f64[o + 5], f64[o + 6], f64[o + 7], f64[o + 8]];
}

/** epipolar.ts: ransacHypotheses' eight-point solves of nh minimal samples (samples: 8 corner indices each) in one call. */
export function sampleHypothesesWasm(pa: Float64Array, pb: Float64Array, samples: Int32Array, nh: number): (number[] | null)[] {
  const idsAt = HYP_AT + 16 * pa.length, hypAt = idsAt + 32 * nh, okAt = hypAt + 72 * nh;
  const { exports: x, f64, i32 } = ensure(okAt + 4 * nh);
  placeCorners(f64, pa, pb);
  i32.set(samples.subarray(0, 8 * nh), idsAt >> 2);
  x.sampleHypotheses(HYP_AT, HYP_AT + 8 * pa.length, idsAt, nh, hypAt, okAt, SCRATCH_AT, S2_AT);
  const Fn: (number[] | null)[] = [];
  for (let h = 0; h < nh; h++) {
    const o = (hypAt >> 3) + 9 * h;
    Fn.push(i32[(okAt >> 2) + h] ? [f64[o], f64[o + 1], f64[o + 2], f64[o + 3], f64[o + 4], f64[o + 5], f64[o + 6], f64[o + 7], f64[o + 8]] : null);
  }
  return Fn;
}
