import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { depthCorners, trackKLT } from './features.ts';
import type { Plane } from './image.ts';
import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import { bundleAdjustWindow, windowErrors, type WindowObservation } from './window-ba.ts';

/** Frames on one side of the reference, nearest first, with the tracker's guess of each pose. */
export interface StereoSide {
  /** Tracking pyramids of the frames 1, 2, 3... steps away from the reference (consecutive: tracks are chained). */
  chain: Plane[][];
  /** Reference camera -> that frame's camera, per chain entry: the starting point. */
  init: Mat4[];
}

/**
 * Relative poses for the stereo, re-estimated around ONE reference frame: its own corners are
 * tracked out along both chains, and a bundle adjustment with the reference as keyframe refines
 * them together, with the reference's depth as the (weak) prior on the corners. Measured on
 * tartanair-hospital, the tracker's poses put the baselines of a frame's neighbours in different
 * scales (each tracking keyframe takes its scale from its own frame's depth: 0.5x to 2x between
 * neighbours), and a stereo depth scales with the baseline. Here every neighbour's baseline is in
 * the reference depth's one scale, so the stereo and its prior agree on scale by construction.
 * Returns, per side, the refined transform for each wanted step (null where the track ran out).
 */
export function stereoPoses(refPyr: Plane[], prior: Float32Array, K: Intrinsics, sides: StereoSide[], wanted: (step: number) => boolean): (Mat4 | null)[][] {
  const tk = scaleIntrinsics(K, refPyr[0].width, refPyr[0].height);
  const { rays, q, pix } = depthCorners(refPyr[0], prior, K);
  const n = q.length;
  const obs: WindowObservation[] = [];
  const slot: { side: number; step: number }[] = [];
  sides.forEach((side, si) => {
    const pos = pix.slice();
    const alive = new Uint8Array(n).fill(1);
    let prev = refPyr;
    for (let s = 0; s < side.chain.length; s++) {
      const ids: number[] = [];
      for (let i = 0; i < n; i++) if (alive[i]) ids.push(i);
      const from = new Float32Array(ids.length * 2);
      ids.forEach((id, j) => { from[2 * j] = pos[2 * id]; from[2 * j + 1] = pos[2 * id + 1]; });
      // The tracker's own loose gate (see stage.ts): the bundle adjustment drops what still drifted.
      const tr = trackKLT(prev, side.chain[s], from, 7, 2.0);
      ids.forEach((id, j) => {
        if (!tr.ok[j]) alive[id] = 0;
        else { pos[2 * id] = tr.pts[2 * j]; pos[2 * id + 1] = tr.pts[2 * j + 1]; }
      });
      prev = side.chain[s];
      if (!wanted(s + 1)) continue;
      const use: number[] = [], uv: number[] = [];
      for (let i = 0; i < n; i++) if (alive[i]) { use.push(i); uv.push(pos[2 * i], pos[2 * i + 1]); }
      if (use.length < MIN_TRACKS) break;
      obs.push({ T: side.init[s].slice(), ids: Int32Array.from(use), uv: Float32Array.from(uv) });
      slot.push({ side: si, step: s + 1 });
    }
  });
  const out: (Mat4 | null)[][] = sides.map((s) => s.chain.map(() => null));
  if (!obs.length) return out;
  const pb = { rays, q, q0: q.slice() };
  // The tracker's baselines can be 2x off in scale: start each from the scale that explains most
  // tracks, or the bundle adjustment's robust window (a few pixels) may not reach the right one.
  for (const ob of obs) {
    let best = -1, bestT = ob.T;
    for (const f of START_SCALES) {
      const T = ob.T.slice();
      T[3] *= f; T[7] *= f; T[11] *= f;
      let inl = 0;
      for (const e of windowErrors(pb, { ...ob, T }, tk)) if (e < 3) inl++;
      if (inl > best) { best = inl; bestT = T; }
    }
    ob.T = bestT;
  }
  bundleAdjustWindow(pb, obs, tk, { priorSigma: 2, iterations: 20 });
  // Once more without the tracks the first pass could not explain (drift, moving things).
  for (const ob of obs) {
    const e = windowErrors(pb, ob, tk);
    const keep: number[] = [];
    for (let j = 0; j < e.length; j++) if (e[j] < 3) keep.push(j);
    ob.uv = Float32Array.from(keep.flatMap((j) => [ob.uv[2 * j], ob.uv[2 * j + 1]]));
    ob.ids = Int32Array.from(keep.map((j) => ob.ids[j]));
  }
  bundleAdjustWindow(pb, obs, tk, { priorSigma: 2, iterations: 20 });
  obs.forEach((ob, j) => { if (ob.ids.length >= MIN_TRACKS) out[slot[j].side][slot[j].step - 1] = ob.T; });
  return out;
}

/** Factors tried on the tracker's translation before the bundle adjustment. */
const START_SCALES = [0.5, 0.6, 0.7, 0.85, 1, 1.2, 1.4, 1.7, 2];

/** Fewest tracked corners a neighbour's pose is refined from. */
const MIN_TRACKS = 24;
