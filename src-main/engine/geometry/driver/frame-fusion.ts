import type { Intrinsics, Mat4 } from '../../../common/types.ts';
import { boxDown, resizeWithHoles } from '../image.ts';
import type { GeometryParams } from '../params.ts';
import { createViewFusion, fusionGrid, type FusionView } from '../view-fusion.ts';
import { createWasmFactorUp } from './output-wasm.ts';

/** A frame's fusion decided on the window (multiview.ts: fusionPlan): which neighbours, where, in which scale. */
export interface FusionPlan {
  /** The neighbours by frame index, with their pose and the scale smoother's factor. */
  views: { index: number; c2w: Mat4; gain: number }[];
  c2w: Mat4;
  gain: number;
  /** The averaging weight (averaging-weight.ts). */
  wt: number;
}

/** A frame's aligned inverse depth and grey levels on the fusion grid (scale-path.ts: align). */
export interface CoarsePlanes { inv: Float32Array; gray: Float32Array }

/**
 * The frame's (refined) depth fused with its neighbours' aligned depth, all in the smoothed scale, as
 * plain data: the stage runs it on its own thread or on the output thread (output-thread.ts).
 */
export function createFrameFusion(k: Intrinsics, fp: GeometryParams['fusion'], wasm = true) {
  const kc = fusionGrid(k, fp.step);
  let fusion: ReturnType<typeof createViewFusion> | null = null;
  // The factor on the analysis grid, reused frame after frame (read only within the call).
  const up = new Float32Array(k.width * k.height);
  // Its resizing and applying in WebAssembly (output-wasm.ts, the same values); `wasm` false: here (the reference, for tests).
  const factor = wasm ? createWasmFactorUp(kc.width, kc.height, k.width, k.height) : null;
  /**
   * The frame's new refined depth: into `final` when given (refine's copy), else a new array from
   * `aligned`. `planes(i)`: frame i's coarse planes. `scratch`: where the copy of `aligned` goes when
   * the result is read only until the next call (the output thread's), instead of a new array.
   */
  return function fuseFrame(plan: FusionPlan, own: CoarsePlanes, final: Float32Array | null, aligned: Float32Array, planes: (index: number) => CoarsePlanes, scratch?: Float32Array): Float32Array {
    // Nothing refined the frame (multiview.ts: refine): its own copy is made here, where it is written.
    if (final === aligned) final = scratch?.length === aligned.length ? (scratch.set(aligned), scratch) : aligned.slice();
    // Neighbours are read in the smoothed scale through their gain, not copied (~48 a frame).
    const views: FusionView[] = plan.views.map((v) => ({ ...planes(v.index), c2w: v.c2w, gain: v.gain }));
    fusion ??= createViewFusion(kc, { gate: fp.gate, reach: fp.reach, photo: fp.photo, radius: fp.radius });
    const gain = plan.gain;
    const ownInv = final ? boxDown(final, k.width, k.height, fp.step, true) : gain === 1 ? own.inv : own.inv.slice();
    if (gain !== 1) for (let p = 0; p < ownInv.length; p++) ownInv[p] *= gain;
    // The fusion's correction comes back as a factor on the frame's own depth, so its detail stays;
    // raised to the averaging weight, as log depths are what the fusion averages.
    const ratio = fusion.fuse({ inv: ownInv, gray: own.gray, c2w: plan.c2w }, views);
    for (let p = 0; p < ratio.length; p++) ratio[p] = ownInv[p] > 0 && ratio[p] > 0 ? (ratio[p] / ownInv[p]) ** plan.wt : 0;
    // In place on the frame's own refined copy; the aligned depth stays as it is.
    const base = final ?? aligned, out = final ?? new Float32Array(base.length);
    if (factor && base.length === up.length) {
      factor.apply(ratio, base, out);
      return out;
    }
    resizeWithHoles(ratio, kc.width, kc.height, k.width, k.height, up);
    for (let p = 0; p < out.length; p++) out[p] = up[p] > 0 ? base[p] * up[p] : base[p];
    return out;
  };
}
