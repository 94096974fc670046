import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { SCALE_WASM_BASE64 } from './scale-wasm-binary.ts';
import { spikeLimitOfValue, spikeRank } from './depth-spikes.ts';
import { invRigid, mul4 } from './linalg.ts';
import { embeddedWasm, wasmInstance } from '../wasm-instance.ts';

/** The module's exports (wasm/scale.as.ts); pointers are byte offsets into its memory. */
interface ScaleExports {
  resizeWithHoles(src: number, sw: number, sh: number, dw: number, dh: number, out: number, taps: number): void;
  toDisparity(x: number, n: number, metric: boolean): void;
  spikeSample(src: number, n: number, metric: boolean, sample: number): number;
  kthPositive(v: number, m: number, k: number, hist: number): number;
  dropAbove(x: number, n: number, limit: number): void;
  warpReached(invA: number, w: number, h: number, cx: number, cy: number, fx: number, fy: number, T: number, stride: number, out: number, list: boolean, at: number): number;
  reachedRatios(at: number, seen: number, warped: number, x: number, ratio: number): number;
  fitPlane(x: number, aligned: number, n: number, s: number, t: number, floorFrac: number): void;
  boxDown(src: number, w: number, h: number, f: number, holes: boolean, out: number): void;
  kthF64(v: number, m: number, k: number): number;
}

const scaleModule = embeddedWasm(SCALE_WASM_BASE64);

/**
 * The geometry thread's per-pixel passes on the analysis grid in WebAssembly (wasm/scale.as.ts), the
 * same values as their TypeScript: the model's depth to the grid's disparity with its spikes dropped
 * (frame-window.ts: prepareFrame), the aligned plane and its fusion-grid copies (scale-path.ts: align),
 * the warp and ratios of a scale link (scale-path.ts: linkScale). For a w x h analysis grid and a depth
 * grid of up to `nd` pixels; the planes are copied in and out around each call (a copy is a small part
 * of a pass), so the frames' arrays stay the window's own.
 */
export function createScaleKernels(w: number, h: number, nd: number) {
  const na = w * h, na4 = (na + 3) & ~3, nd4 = (nd + 3) & ~3;
  const T = 0, res = T + 96, src = res + 16, x = src + 4 * nd4, inv = x + 4 * na4, warped = inv + 4 * na4, at = warped + 4 * na4;
  const ratio = at + 4 * na4, al = ratio + 8 * na4, g = al + 4 * na4, coarse = g + 4 * na4, taps = coarse + 4 * na4;
  const sample = taps + 16 * w + 16, hist = sample + 4 * Math.ceil(na / 3) + 16, dev = hist + 4 * 2048, bytes = dev + 4 * na4;
  const { exports: e, buffer } = wasmInstance<ScaleExports>(scaleModule(), bytes);
  const Tm = new Float64Array(buffer, T, 12), srcM = new Float32Array(buffer, src, nd);
  const xM = new Float32Array(buffer, x, na), invM = new Float32Array(buffer, inv, na), alM = new Float32Array(buffer, al, na), gM = new Float32Array(buffer, g, na);
  const ratioM = new Float64Array(buffer, ratio, na), coarseM = new Float32Array(buffer, coarse, na), devM = new Float32Array(buffer, dev, na);
  return {
    w, h, nd,
    /**
     * frame-window.ts: the model's depth (sw x sh, at most nd pixels) resized to the grid
     * (image.ts: resizeWithHoles), as disparity (toDisparity), its spikes dropped (spikeLimit, dropAbove), into `into`.
     */
    disparity(depth: Float32Array, sw: number, sh: number, metric: boolean, into: Float32Array): void {
      if (depth.length !== sw * sh || depth.length > nd) throw new Error(`scale kernels: ${sw} x ${sh} depth, ${depth.length} values, room for ${nd}`);
      srcM.set(depth);
      e.resizeWithHoles(src, sw, sh, w, h, x, taps);
      e.toDisparity(x, na, metric);
      const m = e.spikeSample(x, na, false, sample);
      e.dropAbove(x, na, m ? spikeLimitOfValue(e.kthPositive(sample, m, spikeRank(m), hist)) : Infinity);
      into.set(xM);
    },
    /** scale-path.ts: fitPlane of `xs` into `aligned`, left in the module for fusionGrid. */
    fitPlane(xs: Float32Array, aligned: Float32Array, s: number, t: number, floorFrac: number): void {
      xM.set(xs);
      e.fitPlane(x, al, na, s, t, floorFrac);
      aligned.set(alM);
    },
    /** image.ts: boxDown (f, with holes) of the plane fitPlane left, and boxDown (f) of `gray`: align's fusion-grid planes. */
    fusionGrid(gray: Float32Array, f: number): { inv: Float32Array; gray: Float32Array } {
      const dw = Math.max(1, Math.floor(w / f)), dh = Math.max(1, Math.floor(h / f)), nc = dw * dh;
      e.boxDown(al, w, h, f, true, coarse);
      const invOut = coarseM.slice(0, nc);
      gM.set(gray);
      e.boxDown(g, w, h, f, false, coarse);
      return { inv: invOut, gray: coarseM.slice(0, nc) };
    },
    /** The frame whose depth the next links are measured on (its `x`). */
    loadCurrent(xs: Float32Array): void {
      xM.set(xs);
    },
    /**
     * align.ts: warpReached of `invA` (camera c2wA) into the camera c2wB with stride, then linkScale's
     * ratio warped / x of each pixel reached where the current x (loadCurrent) is positive, in the order
     * reached; `ratios` views them (valid until the next call). Returns how many were reached.
     */
    link(invA: Float32Array, K: Intrinsics, c2wA: Mat4, c2wB: Mat4, stride: number): { seen: number; n: number; ratios: Float64Array } {
      if (K.width !== w || K.height !== h) throw new Error(`scale kernels: a ${K.width} x ${K.height} camera on a ${w} x ${h} grid`);
      invM.set(invA);
      const M = mul4(invRigid(c2wB), c2wA); // A camera -> B camera, as warpReached makes it
      for (let i = 0; i < 12; i++) Tm[i] = M[i];
      const seen = e.warpReached(inv, w, h, K.cx, K.cy, K.fx, K.fy, T, stride, warped, true, at);
      const n = e.reachedRatios(at, seen, warped, x, ratio);
      return { seen, n, ratios: ratioM };
    },
    /**
     * align.ts: median of the last link's n ratios' logarithms as float32 (what linkScale's Float32Array
     * of them holds): the logarithm of their median ratio, one Math.log instead of n, as rounding the
     * logarithm to float32 never puts a larger ratio below a smaller one (a median moves with a
     * function that keeps order). Reorders the ratios.
     */
    medianLog(n: number): number {
      return Math.fround(Math.log(e.kthF64(ratio, n, n >> 1)));
    },
    /** align.ts: median of |log ratio - med| over the last link's n ratios (each logarithm as float32, as medianLog). */
    spread(n: number, med: number): number {
      for (let j = 0; j < n; j++) devM[j] = Math.abs(Math.fround(Math.log(ratioM[j])) - med);
      return e.kthPositive(dev, n, n >> 1, hist);
    },
  };
}

export type ScaleKernels = ReturnType<typeof createScaleKernels>;

/**
 * This thread's kernels for a w x h grid and depth of up to nd pixels: one instance a grid size, made again
 * for larger depth. The app's process analyses clip after clip: the last few sizes are kept (analyses
 * running side by side), not every size it has seen.
 */
export function scaleKernels(w: number, h: number, nd: number): ScaleKernels {
  const key = `${w}x${h}`;
  let k = made.get(key);
  if (!k || k.nd < nd) k = createScaleKernels(w, h, nd);
  // Most recently used last (a Map keeps insertion order); the least recently used goes past KEPT.
  made.delete(key);
  made.set(key, k);
  if (made.size > KEPT) made.delete(made.keys().next().value!);
  return k;
}
const made = new Map<string, ScaleKernels>();
const KEPT = 4;
