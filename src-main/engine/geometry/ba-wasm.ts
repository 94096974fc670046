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
}

/** Whether the kernels run in WebAssembly (the tests turn it off for the TypeScript reference). */
export const baWasm = { on: true };

const baModule = embeddedWasm(BA_WASM_BASE64);
let state: { exports: BaExports; buffer: ArrayBuffer; bytes: number } | null = null;

function ensure(bytes: number): { exports: BaExports; buffer: ArrayBuffer } {
  if (!state || state.bytes < bytes) {
    // At least twice the old size: windows grow a little at a time, each growth a new instance.
    const size = Math.max(bytes, 2 * (state?.bytes ?? 0), 1 << 18);
    state = { ...wasmInstance<BaExports>(baModule(), size), bytes: size };
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
  const { exports: x, buffer } = ensure(total);
  const offsets = sizes.map(allocator());
  const [h, frames, raysAt, H, g, Hqq, gq, qf, cpN, cpJ, cpV, S, r, A, L, d, e, nq, P, nPose, q, idsAt, uvAt] = offsets;
  const fr = new Int32Array(buffer, frames, 3 * M);
  let io = idsAt, uo = uvAt;
  for (let j = 0; j < M; j++) {
    const n = ids[j].length;
    new Int32Array(buffer, io, n).set(ids[j]);
    new Float32Array(buffer, uo, 2 * n).set(uvs[j].subarray(0, 2 * n));
    fr[3 * j] = io; fr[3 * j + 1] = uo; fr[3 * j + 2] = n;
    io += 4 * n; uo += 8 * n;
  }
  new Float32Array(buffer, raysAt, 2 * nP).set(rays.subarray(0, 2 * nP));
  const hi = new Int32Array(buffer, h, 16), hf = new Float64Array(buffer, h + 64, 6);
  hi.set([M, nP, D, hasF ? 1 : 0, frames, raysAt, H, g, Hqq, gq, qf, cpN, cpJ, cpV]);
  hf.set([fx, fy, cx, cy, thr, behind]);
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

/** Copies n points (P: 3n values, uv: 2n) in for countWithin and normalEquations. */
export function baPoints(P: Float32Array, uv: Float32Array, n: number): BaPoints {
  const RtAt = 0, HAt = 96, gAt = HAt + 288, PAt = gAt + 48, uvAt = PAt + ((12 * n + 15) & ~15);
  const { exports: x, buffer } = ensure(uvAt + 8 * n);
  new Float32Array(buffer, PAt, 3 * n).set(P.subarray(0, 3 * n));
  new Float32Array(buffer, uvAt, 2 * n).set(uv.subarray(0, 2 * n));
  return { x, P: PAt, uv: uvAt, n, Rt: new Float64Array(buffer, RtAt, 12), H: new Float64Array(buffer, HAt, 36), g: new Float64Array(buffer, gAt, 6) };
}
