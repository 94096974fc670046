import type { Intrinsics, Mat4 } from '../../../common/types.ts';
import { fitScaleShift, median, warpInvDepth, warpReached } from '../align.ts';
import { boxDown } from '../image.ts';
import { fromRt, rotOf, transOf } from '../linalg.ts';
import { scaleKernels } from '../scale-wasm.ts';
import { bestInv, frameAt, type FrameState, type FrameWindow } from './frame-window.ts';

/**
 * The depth's scale along the shot, and the path in the output's units. Each frame keeps its model's
 * scale when aligned; the ratios between neighbours (linkScale) are solved together with a look-ahead
 * in scale-smoother.ts, and the output takes the smoothed factor (gainOf). Without the unit transfer
 * the path is rescaled the same way (poseOf, place).
 */
export function createScalePath(w: FrameWindow) {
  /**
   * Emitted positions once the depth's scale is smoothed, without the unit transfer: each keyframe's
   * stretch of path was measured in that keyframe's depth units, so it is rescaled by that keyframe's
   * factor and re-chained.
   * Holds the emitted frames that later frames may still be anchored to.
   */
  const placed = new Map<number, { raw: number[]; out: number[]; depthGain: number }>();
  /** A position measured from keyframe `anchor`, rescaled; frames not yet emitted take their factor so far. */
  function rescaled(anchor: number, raw: number[]): number[] {
    const a = placed.get(anchor);
    if (a) return raw.map((v, i) => a.out[i] + a.depthGain * (v - a.raw[i]));
    const f = frameAt(w, anchor);
    if (!f) return raw;
    const fRaw = transOf(f.c2w), fOut = rescaled(f.anchor, fRaw), g = Math.exp(-w.smoother.value(f.index));
    return raw.map((v, i) => fOut[i] + g * (v - fRaw[i]));
  }

  return {
    /** The scale smoother's current factor on a frame's inverse depth. */
    gainOf: (f: FrameState) => (w.scaled ? Math.exp(w.smoother.value(f.index)) : 1),
    /** The pose in the output's units: with the unit transfer the path is in one unit already. */
    poseOf(s: FrameState): Mat4 {
      if (!w.scaled || w.cfg.unitTransfer) return s.c2w;
      return fromRt(rotOf(s.c2w), placed.get(s.index)?.out ?? rescaled(s.anchor, transOf(s.c2w)));
    },
    /** The emitted frame's pose in the output's units, remembered for the frames anchored to it. */
    place(s: FrameState, gain: number): Mat4 {
      if (!(w.scaled && !w.cfg.unitTransfer)) return s.c2w;
      const raw = transOf(s.c2w);
      const out = rescaled(s.anchor, raw);
      placed.set(s.index, { raw, out, depthGain: 1 / gain });
      return fromRt(rotOf(s.c2w), out);
    },
    /** Forgets the emitted frames no held frame is anchored to any more. */
    prune(oldest: number) {
      for (const i of placed.keys()) if (i < oldest) placed.delete(i);
    },
  };
}

export type ScalePath = ReturnType<typeof createScalePath>;

/** Scale ratios between this frame's depth and its recent neighbours' (see scale-smoother.ts). */
export function linkScale(w: FrameWindow, cur: FrameState) {
  const p = w.cfg.params.scale;
  if (!w.scaled || cur.track === 0) return;
  const kernels = scaleKernels(w.K!.width, w.K!.height, 0);
  kernels.loadCurrent(cur.x);
  for (const k of p.links) {
    const o = frameAt(w, cur.index - k);
    if (!o || o.shotId !== cur.shotId || o.track === 0) continue;
    // A sparse grid is plenty for one median ratio. The warp, the ratios and their selection in
    // WebAssembly (scale-wasm.ts: link, medianLog, spread; linkRatios and linkMedians are their
    // definition), the logarithms in JavaScript: V8's Math.log, which WebAssembly lacks.
    const { seen, n } = kernels.link(o.x, w.K!, o.c2w, cur.c2w, p.stride);
    // Little overlap (a fast turn): no trustworthy ratio.
    if (n < p.minOverlap * seen || n < p.minPixels) continue;
    const med = kernels.medianLog(n);
    if (k === 1) cur.disagree = kernels.spread(n, med);
    w.smoother.link(o.index, cur.index, med);
  }
}

/**
 * linkScale's ratios of frame `o`'s depth moved into `cur` over `cur`'s own, into `logs` as their
 * logarithms; their count, and in `seen` the pixels reached. The definition of what linkScale does in
 * WebAssembly (scale-wasm.ts: link), the same bits (test/geometry/scale-wasm.test.ts): only the pixels
 * the warp reaches are visited (and cleared after), in the order reached.
 */
export function linkRatios(K: Intrinsics, o: FrameState, cur: FrameState, stride: number, logs: Float32Array): { seen: number; n: number } {
  const { warped, at } = linkScratch(o.x.length);
  const seen = warpReached(o.x, K, o.c2w, cur.c2w, stride, warped, at);
  const x = cur.x;
  let n = 0;
  for (let j = 0; j < seen; j++) {
    const q = at[j];
    if (x[q] > 0) logs[n++] = Math.log(warped[q] / x[q]);
    warped[q] = 0;
  }
  return { seen, n };
}

/** linkScale's median log ratio of a link and (its `disagree`) the median deviation from it: their definition. */
export function linkMedians(logs: Float32Array, n: number): { med: number; spread: number } {
  const med = median(logs, n);
  const dev = new Float32Array(n);
  for (let q = 0; q < n; q++) dev[q] = Math.abs(logs[q] - med);
  return { med, spread: median(dev, n) };
}

/** linkRatios' planes, reused from link to link; `warped` is all zeros between links. */
let scratch = { warped: new Float32Array(0), at: new Int32Array(0) };
function linkScratch(n: number) {
  if (scratch.warped.length !== n) scratch = { warped: new Float32Array(n), at: new Int32Array(n) };
  return scratch;
}

/** The frame's aligned inverse depth (and its fusion-grid copy): the model's own scale, or with `scale: false` chained to the frames before it. */
export function align(w: FrameWindow, cur: FrameState) {
  const k = w.K!;
  // A loop, not a filter's closure: V8 holds a closure's optimised code weakly and compiled it again after
  // each collection.
  const past: FrameState[] = [];
  for (const s of w.frames) if (s.shotId === cur.shotId && s.index < cur.index) past.push(s);
  // Each frame keeps its model's scale here: a chain of frame-to-frame fits random-walks in scale (local
  // scale errors up to 1.5x between neighbours on tartanair-hospital), and even pulled back toward the
  // model's scale by 30% a frame it cost accuracy (AbsRel/delta1 0.404/0.317 against 0.393/0.351 with
  // the model's scale). The scale is made one along the shot at output instead, from ratios solved
  // together with a look-ahead (linkScale, scale-smoother.ts). That holds for a relative model too
  // (`npm run eval -- DIR --as-relative`: 0.374/0.350 against the chain's 0.417/0.291 and the model's
  // 0.415/0.336 on tartanair-hospital); only with `scale: false` is relative depth chained here, in
  // scale and shift, to the frames before it.
  if (!past.length || w.scaled || cur.kind === 'metric') {
    cur.fit = { s: 1, t: 0 };
  } else {
    // Targets: the previous frame and the latest refined frames, so scale cannot random-walk.
    const targets = [past[past.length - 1]];
    const refined = past.filter((s) => s.final);
    if (refined.length) targets.push(refined[refined.length - 1]);
    if (refined.length > 3) targets.push(refined[0]); // the oldest kept: long baselines stop scale random-walking
    const xs: number[] = [], ys: number[] = [];
    for (const t of targets) {
      if (t.track === 0 && t !== targets[0]) continue;
      const warped = warpInvDepth(bestInv(t), k, t.c2w, cur.c2w, 2);
      for (let q = 0; q < warped.length; q++) {
        if (warped[q] > 0 && cur.x[q] > 0) { xs.push(cur.x[q]); ys.push(warped[q]); }
      }
    }
    const prev = past[past.length - 1];
    const f = fitScaleShift(Float32Array.from(xs), Float32Array.from(ys), xs.length, { shift: cur.kind === 'relative-inverse' });
    cur.fit = f && f.inlierFrac > w.cfg.params.scale.fitInliers ? { s: f.s, t: f.t } : { ...prev.fit };
  }
  const { s, t } = cur.fit;
  // fitPlane and the fusion grid's boxDown in WebAssembly (scale-wasm.ts), the same values (alignedPlanes: their definition).
  const kernels = scaleKernels(k.width, k.height, 0);
  kernels.fitPlane(cur.x, cur.aligned, s, t, w.cfg.params.scale.floor);
  if (w.cfg.fusion) cur.coarse = kernels.fusionGrid(cur.gray.data, w.cfg.params.fusion.step);
}

/**
 * align's planes from the fit (s, t): the aligned inverse depth into `aligned`, and with `step` its and
 * the grey's copies on the fusion grid. The definition of what align does in WebAssembly, the same
 * bits (test/geometry/scale-wasm.test.ts).
 */
export function alignedPlanes(K: Intrinsics, x: Float32Array, gray: Float32Array, aligned: Float32Array, s: number, t: number, floorFrac: number, step: number | null) {
  fitPlane(x, aligned, s, t, floorFrac);
  return step === null ? null : { inv: boxDown(aligned, K.width, K.height, step, true), gray: boxDown(gray, K.width, K.height, step) };
}

/**
 * `aligned` = s x + t where x > 0, never below `floorFrac` of its largest value (disparity cannot go
 * below a small floor: the far field would become infinite depth). A function of its own, reading no
 * object: with the loops inside align, V8 compiled them on-stack before the code after them had run,
 * and threw that code away on reaching it, frame after frame.
 */
function fitPlane(x: Float32Array, aligned: Float32Array, s: number, t: number, floorFrac: number): void {
  const floor = largestFit(x, s, t) * floorFrac;
  for (let q = 0; q < x.length; q++) aligned[q] = x[q] > 0 ? Math.max(floor, s * x[q] + t) : 0;
}

/** The largest s x + t where x > 0 (0 if none); its own function for the reason fitPlane is one. */
function largestFit(x: Float32Array, s: number, t: number): number {
  let maxR = 0;
  for (let q = 0; q < x.length; q++) if (x[q] > 0) maxR = Math.max(maxR, s * x[q] + t);
  return maxR;
}
