import { BA_WASM_BASE64 } from './ba-wasm-binary.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/**
 * The window bundle adjustment's and the pose refinement's kernels in WebAssembly (wasm/ba.as.ts), with
 * the same results as window-ba.ts's and pose.ts's TypeScript, which stays their definition (and runs
 * where `baWasm.on` is false: the tests compare the two). One instance a thread (each worker loads this
 * module anew); its memory holds one window or one pose estimate at a time, both laid out from byte 0:
 * each is placed, adjusted and read back within one synchronous call, so neither outlives the other's
 * placement. A larger window gets a new instance (the memory is never grown: views on it would detach).
 */
export interface BaExports {
  reprojCost(h: number, P: number, q: number, sc: number): number;
  linearize(h: number, P: number, q: number, sf: number): void;
  reduceDepths(h: number, S: number, r: number): void;
  stepDepths(h: number, d: number, q: number, nq: number): void;
  solveSPD(A: number, b: number, n: number, L: number, out: number): number;
  countWithin(P: number, uv: number, n: number, Rt: number, fx: number, fy: number, cx: number, cy: number, thr2: number): number;
  normalEquations(P: number, uv: number, n: number, Rt: number, fx: number, fy: number, cx: number, cy: number, thr: number, H: number, g: number): number;
  poseRansac(P: number, uv: number, n: number, Q: number, withZ: number, m: number, fx: number, fy: number, cx: number, cy: number, thr2: number,
    iters: number, seed: number, hasConf: boolean, conf: number, best: number, w: number): number;
}

/** Whether the kernels run in WebAssembly (the tests turn it off for the TypeScript reference). */
export const baWasm = { on: true };

const baModule = embeddedWasm(BA_WASM_BASE64);
/** The thread's instance, views on its whole memory (copies in without a view made per copy) and the pose estimate's fixed buffers. */
interface State {
  exports: BaExports; buffer: ArrayBuffer; bytes: number; i32: Int32Array; f32: Float32Array; f64: Float64Array;
  Rt: Float64Array; H: Float64Array; g: Float64Array; best: Float64Array;
}
let state: State | null = null;

/**
 * baPoints' layout: the pose (R, t), the system H, g, poseRansac's scratch (wasm/pose-ransac.as.ts:
 * 1296 bytes, its best pose (R, t) at 864), then the points.
 */
const RT_AT = 0, H_AT = 96, G_AT = H_AT + 288, RANSAC_AT = G_AT + 48, BEST_AT = RANSAC_AT + 864, POINTS_AT = RANSAC_AT + 1296;

function ensure(bytes: number): State {
  if (!state || state.bytes < bytes) {
    // At least twice the old size: windows grow a little at a time, each growth a new instance.
    const size = Math.max(bytes, 2 * (state?.bytes ?? 0), 1 << 18);
    // V8's own logarithm and power for the RANSAC's bound (pose.ts: enough), so it rounds as the TypeScript's.
    const { exports, buffer } = wasmInstance<BaExports>(baModule(), size, { log: Math.log, pow: Math.pow });
    state = {
      exports, buffer, bytes: size, i32: new Int32Array(buffer), f32: new Float32Array(buffer), f64: new Float64Array(buffer),
      Rt: new Float64Array(buffer, RT_AT, 12), H: new Float64Array(buffer, H_AT, 36), g: new Float64Array(buffer, G_AT, 6),
      best: new Float64Array(buffer, BEST_AT, 12),
    };
  }
  return state;
}

/** A window's buffers in the module's memory (views), its header's offset and the kernels. */
export interface BaWindow {
  x: BaExports; h: number;
  H: Float64Array; g: Float64Array; Hqq: Float64Array; gq: Float64Array; qf: Float64Array; cpN: Int32Array; cpJ: Int32Array; cpV: Float64Array;
  S: Float64Array; r: Float64Array; A: Float64Array; L: Float64Array; d: Float64Array; e: Float64Array; nq: Float64Array; nPose: Float64Array; P: Float64Array; q: Float64Array;
}

/** Byte offsets handed out in order, each 16-aligned. */
function allocator() {
  let at = 0;
  return (bytes: number) => { const o = at; at += (bytes + 15) & ~15; return o; };
}

/**
 * Lays out a window of M views (their corner ids and pixels), nP corners (their rays) and D unknowns of
 * the reduced system in the module's memory, with its header (wasm/ba.as.ts: the offsets, the
 * intrinsics, the Huber threshold and the cost of a point behind the camera).
 */
export function baWindow(M: number, nP: number, D: number, hasF: boolean, ids: Int32Array[], uvs: Float32Array[], rays: Float32Array,
  fx: number, fy: number, cx: number, cy: number, thr: number, behind: number): BaWindow {
  let nObs = 0;
  for (let j = 0; j < M; j++) nObs += ids[j].length;
  // Sizes in bytes, in the order laid out, the observations last: every other offset depends on M, nP
  // and D only, so a window of the last one's sizes (the field-of-view search adjusts the same window
  // for each candidate) keeps its views.
  const sizes = [128, 12 * M, 8 * nP, 8 * D * D, 8 * D, 8 * nP, 8 * nP, 8 * nP, 4 * nP, 4 * nP * M, 48 * nP * M,
    8 * D * D, 8 * D, 8 * D * D, 8 * D * D, 8 * D, 8 * D, 8 * nP, 96 * M, 96 * M, 8 * nP, 4 * nObs, 8 * nObs];
  const total = sizes.reduce((s, b) => s + ((b + 15) & ~15), 0);
  const { exports: x, buffer, i32, f32, f64 } = ensure(total);
  const offsets = sizes.map(allocator());
  const [h, frames, raysAt, H, g, Hqq, gq, qf, cpN, cpJ, cpV, S, r, A, L, d, e, nq, P, nPose, q, idsAt, uvAt] = offsets;
  let io = idsAt, uo = uvAt;
  for (let j = 0; j < M; j++) {
    const n = ids[j].length, uv = uvs[j];
    i32.set(ids[j], io >> 2);
    f32.set(uv.length === 2 * n ? uv : uv.subarray(0, 2 * n), uo >> 2);
    const fr = (frames >> 2) + 3 * j;
    i32[fr] = io; i32[fr + 1] = uo; i32[fr + 2] = n;
    io += 4 * n; uo += 8 * n;
  }
  f32.set(rays.length === 2 * nP ? rays : rays.subarray(0, 2 * nP), raysAt >> 2);
  // The header (wasm/ba.as.ts): i32 fields from h, f64 ones from h + 64.
  const hi = h >> 2, hf = (h + 64) >> 3;
  i32[hi] = M; i32[hi + 1] = nP; i32[hi + 2] = D; i32[hi + 3] = hasF ? 1 : 0; i32[hi + 4] = frames; i32[hi + 5] = raysAt; i32[hi + 6] = H;
  i32[hi + 7] = g; i32[hi + 8] = Hqq; i32[hi + 9] = gq; i32[hi + 10] = qf; i32[hi + 11] = cpN; i32[hi + 12] = cpJ; i32[hi + 13] = cpV;
  f64[hf] = fx; f64[hf + 1] = fy; f64[hf + 2] = cx; f64[hf + 3] = cy; f64[hf + 4] = thr; f64[hf + 5] = behind;
  if (last && last.buffer === buffer && last.M === M && last.nP === nP && last.D === D && last.hasF === hasF) return last.win;
  const f = (at: number, n: number) => new Float64Array(buffer, at, n);
  const win = {
    x, h, H: f(H, D * D), g: f(g, D), Hqq: f(Hqq, nP), gq: f(gq, nP), qf: f(qf, hasF ? nP : 0), cpN: new Int32Array(buffer, cpN, nP), cpJ: new Int32Array(buffer, cpJ, nP * M),
    cpV: f(cpV, 6 * nP * M), S: f(S, D * D), r: f(r, D), A: f(A, D * D), L: f(L, D * D), d: f(d, D), e: f(e, D), nq: f(nq, nP), nPose: f(nPose, 12 * M), P: f(P, 12 * M), q: f(q, nP),
  };
  last = { buffer, M, nP, D, hasF, win };
  return win;
}
let last: { buffer: ArrayBuffer; M: number; nP: number; D: number; hasF: boolean; win: BaWindow } | null = null;

/** A pose estimate's points in the module's memory: P (xyz, f32) and uv (f32), the pose's scratch Rt and the system H, g. */
export interface BaPoints { x: BaExports; P: number; uv: number; n: number; Rt: Float64Array; H: Float64Array; g: Float64Array }

/**
 * Copies n points (P: 3n values, uv: 2n) in for countWithin and normalEquations; with Q (3n, the current
 * camera's points), room after them for Q and n indices, for poseRansac (ransacInto).
 */
export function baPoints(P: Float32Array, uv: Float32Array, n: number, withRansac = false): BaPoints {
  const uvAt = POINTS_AT + ((12 * n + 15) & ~15);
  const end = uvAt + ((8 * n + 15) & ~15);
  const s = ensure(withRansac ? end + ((12 * n + 15) & ~15) + 4 * n : end);
  s.f32.set(P.length === 3 * n ? P : P.subarray(0, 3 * n), POINTS_AT >> 2);
  s.f32.set(uv.length === 2 * n ? uv : uv.subarray(0, 2 * n), uvAt >> 2);
  return { x: s.exports, P: POINTS_AT, uv: uvAt, n, Rt: s.Rt, H: s.H, g: s.g };
}

/**
 * pose.ts: ransacPose's hypothesis loop in WebAssembly, on the points baPoints placed (with room for the
 * RANSAC): Q (current-camera points, 3n), withZ (the m indices with depth), the best pose so far (bestR,
 * bestT, updated in place) and its count (returned, updated). seed: the generator's, as rng takes it.
 */
export function ransacInto(wp: BaPoints, Q: Float32Array, withZ: ArrayLike<number>, m: number, fx: number, fy: number, cx: number, cy: number, thr2: number,
  iters: number, seed: number, confidence: number | undefined, best: number, bestR: Float64Array, bestT: Float64Array): number {
  const s = state!, n = wp.n;
  const qAt = wp.uv + ((8 * n + 15) & ~15), zAt = qAt + ((12 * n + 15) & ~15);
  s.f32.set(Q, qAt >> 2);
  const zo = zAt >> 2;
  for (let k = 0; k < m; k++) s.i32[zo + k] = withZ[k];
  s.best.set(bestR); s.best.set(bestT, 9);
  const got = wp.x.poseRansac(wp.P, wp.uv, n, qAt, zAt, m, fx, fy, cx, cy, thr2, iters, seed >>> 0, confidence !== undefined, confidence ?? 0, best, RANSAC_AT);
  bestR.set(s.best.subarray(0, 9)); bestT.set(s.best.subarray(9, 12));
  return got;
}
