import type { DepthMap, Intrinsics, Mat4 } from '../../../common/types.ts';
import { fillHoles, spikeLimitOfSample } from '../depth-spikes.ts';
import { resizeWithHoles } from '../image.ts';
import { createTemporalFilter } from '../temporal-filter.ts';
import type { FrameState, FrameWindow } from './frame-window.ts';
import type { ScalePath } from './scale-path.ts';
import type { FusionPlan } from './frame-fusion.ts';
import type { GeometryParams } from '../params.ts';
import type { Quantized } from '../../../common/quantize.ts';
import { createWasmOutputPasses } from './output-wasm.ts';

export interface GeometryOutput {
  index: number;
  /** 3D-consistent depth, same grid and kind as the input depth. */
  depth: DepthMap;
  /** Camera-to-world in the shot's world, OpenCV axes, row-major; units are the depth's. */
  pose: Mat4;
  /** 0..1: how well the pose (and with it the depth refinement) is constrained; ~0 for static/pure-rotation shots. */
  confidence: number;
  shotId: number;
  /** With `keepAligned`: the depth after scale/shift alignment only (no multi-view refinement), for evaluation. */
  aligned?: DepthMap;
  /** With the output thread's `extras.quantize`: `depth` quantised as the cache stores it (quantize), made there. */
  quantized?: Quantized;
  /** With the output thread's `extras.preview`: `depth` colour-mapped for the preview video (RGB, colorizeDepth over the first output's range), made there. */
  preview?: Uint8Array;
}

/**
 * What a frame's output needs, as plain data: the frame's output can be made here or on the output
 * thread (output-thread.ts) from this alone. Arrays are the frame's own (read, never written).
 */
export interface OutputJob {
  index: number;
  shotId: number;
  kind: DepthMap['kind'];
  outW: number;
  outH: number;
  /** The model's depth as pushed. */
  input: Float32Array;
  /** The alignment's scale and shift with the scale smoother's factor in. */
  a: number;
  b: number;
  /** The smoother's factor alone (for the holes filled from the analysis grid). */
  gain: number;
  /** Analysis grid: its intrinsics, the aligned and the refined (null: none) inverse depth. */
  K: Intrinsics;
  aligned: Float32Array;
  final: Float32Array | null;
  c2w: Mat4;
  conf: number;
  wt: number;
  /** The fusion still to run on `final` (on the output thread), or none. */
  fusion?: FusionPlan | null;
}

export interface OutputSettings {
  /** Intrinsics of the input depth's grid (the temporal filter's camera); null: no temporal filter. */
  temporal: { K: Intrinsics; alpha: number; tolerance: number; minConfidence: number } | null;
  keepAligned: boolean;
  /** The view fusion's parameters and reach (frames each side), for fusion run beside the output. */
  fusion: { params: GeometryParams['fusion']; radius: number };
  /**
   * What the output thread also makes from each output, off the stage's thread (output-worker.ts):
   * the cache's quantised form and the preview's colours. Absent: the caller makes them.
   */
  extras?: OutputExtras;
}

export interface OutputExtras {
  quantize: boolean;
  preview: boolean;
  /**
   * The thread also writes each output, and feeds the preview its colours (which then stay there):
   * it runs the caller's worker module (`base` and `path` as util/worker-entry.ts's startWorker takes
   * them), which serves the outputs with its writer (output-serve.ts), given `options`.
   */
  writes?: { base: string; path: string; options: unknown };
}

/**
 * The frame's output from its job; frames in order (the temporal filter carries from one to the next).
 * `wasm` false: the per-pixel passes in TypeScript (the reference, for the test of their bits), not in
 * WebAssembly (output-wasm.ts: the same values).
 */
export function createOutputMaker(o: OutputSettings, wasm = true) {
  let temporal: ReturnType<typeof createTemporalFilter> | null = null;
  // Work planes on the depth grid (and the ratio on the analysis grid), reused frame after frame: a
  // few MB a frame of fresh typed arrays is what kept V8 collecting (12% of the geometry's time).
  let buf: { n: number; inv: Float32Array; refined: Float32Array; up: Float32Array; ratio: Float32Array; sample: Float32Array } | null = null;
  // The passes in WebAssembly, `inv` and `up` in its memory (buf's are then those).
  let wp: ReturnType<typeof createWasmOutputPasses> | null = null;

  /**
   * `into`: an array of the depth grid's size that is the caller's to give away (the output thread's
   * own copy of the model's depth, read no more once the fit is made): the output is written there
   * instead of a new array, one 0.35 MB allocation a frame fewer for V8 to collect.
   */
  return function make(j: OutputJob, into?: Float32Array<ArrayBuffer>): GeometryOutput {
    const k = j.K;
    // The fit is applied to the model's depth on ITS OWN grid: resampling to the analysis grid and
    // back would blur away detail (measured: it alone cost more AbsRel than alignment gains). The
    // stereo's change, where there is one, comes back as a smooth per-pixel factor.
    const { a, b } = j;
    const src = j.input, n = src.length;
    if (buf?.n !== n || buf.ratio.length !== k.width * k.height) {
      wp = wasm ? createWasmOutputPasses(n, k.width * k.height, j.outW) : null;
      buf = { n, inv: wp?.inv ?? new Float32Array(n), refined: new Float32Array(n), up: wp?.up ?? new Float32Array(n), ratio: new Float32Array(k.width * k.height), sample: new Float32Array(Math.ceil(n / 3)) };
    }
    const metric = j.kind === 'metric';
    // A metric depth of 0 is a failed pixel; a disparity of 0 is legitimately "very far".
    const inv = buf.inv;
    let maxR: number, limit: number;
    if (wp?.dw === j.outW) {
      wp.load(src);
      limit = wp.spikeLimit(metric);
      maxR = wp.fitInverse(limit, metric, a, b);
      failedCount = wp.failed;
    } else {
      limit = spikeLimitOfSample(buf.sample, sampleInverse(src, buf.sample, n, metric));
      maxR = fitInverse(src, inv, n, limit, metric, a, b);
    }
    // Only a guard against infinite depth: a 1% floor (as on the analysis grid) clipped the far field
    // of wide indoor scenes to 100x the nearest depth and measurably cost accuracy.
    const floor = maxR * 1e-3;
    if (failedCount) {
      // The aligned analysis grid, holes filled from around them (the stereo's factor comes on top below).
      const est = resizeWithHoles(fillHoles(j.aligned, k.width, k.height), k.width, k.height, j.outW, j.outH, buf.up);
      fillFailed(src, inv, est, n, limit, metric, floor, j.gain);
    }
    // The refinement's factor, on the analysis grid and resampled to the depth grid.
    if (j.final) {
      if (wp?.dw === j.outW) wp.ratioUp(j.final, j.aligned, k.width, k.height, j.outH);
      else {
        ratioOf(j.final, j.aligned, buf.ratio);
        resizeWithHoles(buf.ratio, k.width, k.height, j.outW, j.outH, buf.up);
      }
    }
    // Inverse depth in shot-world units, as the poses: the filter's warp needs exactly that.
    const tp = o.temporal;
    if (tp) temporal ??= createTemporalFilter({ K: tp.K, kind: 'relative-inverse', width: j.outW, height: j.outH, alpha: tp.alpha, tolerance: tp.tolerance, minConfidence: tp.minConfidence });
    // The output in a new array the output keeps, or in `into` (the model's depth is read no more).
    const d: Float32Array<ArrayBuffer> = into?.length === n ? into : new Float32Array(n);
    // One pass: the floor, the refinement's factor, the output in its kind and the filter's depth along the ray.
    if (wp?.dw === j.outW) wp.finalPass(o.keepAligned, floor, j.final !== null, metric, d, temporal?.depthAlongRay() ?? null);
    else finalPass(inv, o.keepAligned, floor, buf.up, j.final !== null, n, d, metric, temporal?.depthAlongRay() ?? buf.refined);
    if (temporal) temporal.applyPrepared(d, j.c2w, j.shotId, j.conf, j.wt, metric);
    const map = (v: Float32Array): DepthMap => ({ index: j.index, width: j.outW, height: j.outH, kind: j.kind, data: v });
    return {
      index: j.index, depth: map(d), pose: j.c2w.slice(), confidence: j.conf, shotId: j.shotId,
      ...(o.keepAligned ? { aligned: map(metric ? inverted(inv) : inv.slice()) } : {}),
    };
  };
}

// The per-pixel loops of the maker, each a function of typed arrays and numbers: the job objects reach
// the maker with several shapes (as posted, or spread with the fusion's result), and every new one
// deoptimised the whole maker, loops included, which then ran boxed (a heap number a pixel) until
// V8 optimised it again. No helper is called per pixel (a double passed to a function V8 did not
// inline is boxed too). The same values as the separate passes they merge (one a step: the model's
// value as inverse depth, the fit, the floor, the refinement's factor, the copy into the temporal
// filter and the inversion of its result), in fewer passes over the 0.35 MB planes.

/** The model's value as inverse depth (inverseDepthOf), never negative, as float32 holds it. */
const inverseAt = (v: number, metric: boolean): number => Math.fround(Math.max(0, metric ? (v > 0 ? 1 / v : 0) : v));

/** Every third pixel's inverse depth that is positive (percentile's sample) into `sample`; returns how many. */
function sampleInverse(src: Float32Array, sample: Float32Array, n: number, metric: boolean): number {
  let m = 0;
  for (let i = 0; i < n; i += 3) {
    const v = src[i];
    const x = Math.fround(Math.max(0, metric ? (v > 0 ? 1 / v : 0) : v));
    if (x > 0) sample[m++] = x;
  }
  return m;
}

/** fitInverse's count of failed pixels (spikes, and a metric 0). */
let failedCount = 0;

/** inv = the fit on the inverse depth, float32 as inv holds it, 0 where failed (counted in failedCount); returns the largest. */
function fitInverse(src: Float32Array, inv: Float32Array, n: number, limit: number, metric: boolean, a: number, b: number): number {
  let maxR = 0, nFailed = 0;
  for (let i = 0; i < n; i++) {
    const s = src[i];
    const v = Math.fround(Math.max(0, metric ? (s > 0 ? 1 / s : 0) : s));
    if (v > limit || (metric && v === 0)) { inv[i] = 0; nFailed++; continue; }
    const r = v > 0 ? Math.fround(a * v + b) : 0; // as inv[i] holds it
    inv[i] = r;
    if (r > maxR) maxR = r;
  }
  failedCount = nFailed;
  return maxR;
}

/** The failed pixels from the analysis grid's estimate (times the smoother's gain), at least `floor`. */
function fillFailed(src: Float32Array, inv: Float32Array, est: Float32Array, n: number, limit: number, metric: boolean, floor: number, gain: number): void {
  for (let i = 0; i < n; i++) {
    const v = inverseAt(src[i], metric);
    if (v > limit || (metric && v === 0)) inv[i] = Math.max(floor, est[i] * gain);
  }
}

/**
 * The output `d` from the fitted inverse depth: raised to `floor` where below it (and not 0; kept in
 * inv with `keep`), times the refinement's factor `up` where positive (none: 1), in the output's kind
 * (`metric`: 1 / it, 0 where none); `z`: the temporal filter's depth along the ray (1 / it).
 */
function finalPass(inv: Float32Array, keep: boolean, floor: number, up: Float32Array, scaled: boolean, n: number, d: Float32Array, metric: boolean, z: Float32Array): void {
  for (let i = 0; i < n; i++) {
    let v = inv[i];
    if (v !== 0 && v < floor) { v = Math.fround(floor); if (keep) inv[i] = v; }
    if (scaled) { const u = up[i]; v = Math.fround(v * (u > 0 ? u : 1)); }
    const iv = v > 0 ? Math.fround(1 / v) : 0;
    d[i] = metric ? iv : v;
    z[i] = iv;
  }
}

function inverted(d: Float32Array): Float32Array {
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i] > 0 ? 1 / d[i] : 0;
  return out;
}

/** The refinement's factor on the analysis grid (1 where either is a hole). */
function ratioOf(fin: Float32Array, al: Float32Array, ratio: Float32Array): void {
  for (let p = 0; p < ratio.length; p++) ratio[p] = al[p] > 0 && fin[p] > 0 ? fin[p] / al[p] : 1;
}

/** The output settings of the stage's configuration. */
export function outputSettings(w: FrameWindow): OutputSettings {
  const tp = w.cfg.params.temporal;
  return {
    temporal: w.cfg.temporal ? { K: w.cfg.intrinsics, alpha: tp.alpha, tolerance: tp.tolerance, minConfidence: tp.minConfidence } : null,
    keepAligned: w.cfg.keepAligned, fusion: { params: w.cfg.params.fusion, radius: w.cfg.fusionRadius },
  };
}

/**
 * A frame's job for its output: its alignment and refinement applied to the model's depth on its own
 * grid, then the temporal filter. `gain`: the scale smoother's factor on inverse depth; `wt`: the
 * averaging weight. Places the frame on the path (path.place), so jobs are made in output order.
 */
export function outputJob(w: FrameWindow, path: ScalePath, s: FrameState, conf: number, gain: number, wt: number): OutputJob {
  return {
    index: s.index, shotId: s.shotId, kind: s.kind, outW: s.outW, outH: s.outH, input: s.input.data,
    a: s.fit.s * gain, b: s.fit.t * gain, gain, K: w.K!, aligned: s.aligned, final: s.final, c2w: path.place(s, gain), conf, wt,
  };
}

/** A frame's output made on this thread (outputJob, then the maker). */
export function createFrameOutput(w: FrameWindow, path: ScalePath) {
  const make = createOutputMaker(outputSettings(w));
  return (s: FrameState, conf: number, gain: number, wt: number): GeometryOutput => make(outputJob(w, path, s, conf, gain, wt));
}
