import type { DepthMap, Mat4 } from '../../../common/types.ts';
import { fillHoles, spikeLimit } from '../depth-spikes.ts';
import { resizeWithHoles } from '../image.ts';
import { createTemporalFilter } from '../temporal-filter.ts';
import type { FrameState, FrameWindow } from './frame-window.ts';
import type { ScalePath } from './scale-path.ts';
import { inverseDepthOf } from '../../../common/depth.ts';

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
}

/** A frame's output: its alignment and refinement applied to the model's depth on its own grid, then the temporal filter. */
export function createFrameOutput(w: FrameWindow, path: ScalePath) {
  let temporal: ReturnType<typeof createTemporalFilter> | null = null;

  // Work planes on the depth grid (and the ratio on the analysis grid), reused frame after frame: a
  // few MB a frame of fresh typed arrays is what kept V8 collecting (12% of the geometry's time).
  let buf: { n: number; x: Float32Array; inv: Float32Array; refined: Float32Array; up: Float32Array; ratio: Float32Array; sample: Float32Array } | null = null;

  /** `gain`: the scale smoother's factor on inverse depth; `wt`: the averaging weight. */
  return function output(s: FrameState, conf: number, gain: number, wt: number): GeometryOutput {
    const k = w.K!;
    const c2w = path.place(s, gain);
    // The fit is applied to the model's depth on ITS OWN grid: resampling to the analysis grid and
    // back would blur away detail (measured: it alone cost more AbsRel than alignment gains). The
    // stereo's change, where there is one, comes back as a smooth per-pixel factor.
    const a = s.fit.s * gain, b = s.fit.t * gain;
    const src = s.input.data, n = src.length;
    if (buf?.n !== n || buf.ratio.length !== k.width * k.height) {
      buf = { n, x: new Float32Array(n), inv: new Float32Array(n), refined: new Float32Array(n), up: new Float32Array(n), ratio: new Float32Array(k.width * k.height), sample: new Float32Array(Math.ceil(n / 3)) };
    }
    const x = buf.x;
    for (let i = 0; i < n; i++) x[i] = Math.max(0, inverseDepthOf(src[i], s.kind));
    // A metric depth of 0 is a failed pixel; a disparity of 0 is legitimately "very far".
    const limit = spikeLimit(x, buf.sample);
    const failed = (v: number) => v > limit || (s.kind === 'metric' && v === 0);
    const inv = buf.inv;
    let maxR = 0, nFailed = 0;
    for (let i = 0; i < n; i++) {
      if (failed(x[i])) { inv[i] = 0; nFailed++; continue; }
      inv[i] = x[i] > 0 ? a * x[i] + b : 0;
      if (inv[i] > maxR) maxR = inv[i];
    }
    // Only a guard against infinite depth: a 1% floor (as on the analysis grid) clipped the far field
    // of wide indoor scenes to 100x the nearest depth and measurably cost accuracy.
    const floor = maxR * 1e-3;
    for (let i = 0; i < n; i++) if (inv[i] !== 0) inv[i] = Math.max(floor, inv[i]);
    if (nFailed) {
      // The aligned analysis grid, holes filled from around them (the stereo's factor comes on top below).
      const est = resizeWithHoles(fillHoles(s.aligned, k.width, k.height), k.width, k.height, s.outW, s.outH, buf.up);
      for (let i = 0; i < n; i++) if (failed(x[i])) inv[i] = Math.max(floor, est[i] * gain);
    }
    /** The output map; `owned`: `v` is this frame's alone (converted in place), else copied. */
    const toMap = (v: Float32Array, owned: boolean): DepthMap => {
      const d = owned ? v : v.slice();
      if (s.kind === 'metric') for (let i = 0; i < n; i++) d[i] = d[i] > 0 ? 1 / d[i] : 0;
      return { index: s.index, width: s.outW, height: s.outH, kind: s.kind, data: d };
    };
    let refined = inv;
    if (s.final) {
      const ratio = buf.ratio;
      for (let p = 0; p < ratio.length; p++) ratio[p] = s.aligned[p] > 0 && s.final[p] > 0 ? s.final[p] / s.aligned[p] : 1;
      const up = resizeWithHoles(ratio, k.width, k.height, s.outW, s.outH, buf.up);
      refined = buf.refined;
      for (let i = 0; i < n; i++) refined[i] = inv[i] * (up[i] > 0 ? up[i] : 1);
    }
    if (w.cfg.temporal) {
      // Inverse depth in shot-world units, as the poses: the filter's warp needs exactly that.
      const tp = w.cfg.params.temporal;
      temporal ??= createTemporalFilter({ K: w.cfg.intrinsics, kind: 'relative-inverse', width: s.outW, height: s.outH, alpha: tp.alpha, tolerance: tp.tolerance, minConfidence: tp.minConfidence });
    }
    // The temporal filter's result is a new array the output keeps; the work planes are copied.
    const depth = temporal ? toMap(temporal.apply(refined, c2w, s.shotId, conf, wt), true) : toMap(refined, false);
    return {
      index: s.index, depth, pose: c2w.slice(), confidence: conf, shotId: s.shotId,
      ...(w.cfg.keepAligned ? { aligned: toMap(inv, false) } : {}),
    };
  };
}
