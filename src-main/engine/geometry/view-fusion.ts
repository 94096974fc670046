import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { warpInvDepth } from './align.ts';

/** One posed view on the fusion grid: inverse depth, grey levels, camera-to-world in the depth's units. */
export interface FusionView {
  inv: Float32Array;
  gray: Float32Array;
  c2w: Mat4;
}

export interface FusionOptions {
  /** Largest |log| ratio between the neighbours' median and the frame's own depth for the two to be one surface. */
  gate?: number;
  /** Largest |log| ratio between one neighbour's value and the frame's own for it to be counted at all. */
  reach?: number;
  /** Largest grey-level difference (0..255) for a neighbour's pixel to be the same surface point. */
  photo?: number;
  /** Fraction of the values dropped at each end before averaging. */
  trim?: number;
}

/**
 * Multi-view fusion of a frame's depth with its neighbours'. Why: a small network's errors differ
 * from view to view more than they agree, so the same surface seen from up to 49 poses averages
 * toward its true shape, which the stereo could not reach with these poses (tartanair-hospital, the
 * default pipeline: AbsRel 0.358 -> 0.330, delta1 0.397 -> 0.455, TAE 5.25 -> 3.17). Each neighbour's
 * depth is moved into the frame (nearest surface wins) and what lands on a pixel is combined by a
 * trimmed mean. What moved must keep its own depth, so a pixel is only fused when the neighbours'
 * median lies within `gate` of the frame's own depth (a person twice as near as the wall behind keeps
 * theirs), and a neighbour's value only counts where its grey level matches (what moved, or was hidden,
 * looks different there). The median is taken over every value within `reach`, not just those within
 * `gate`: those alone would be the noisy few of another surface that happen to fall near the frame's.
 * It runs on a grid FUSION_STEP times coarser than the analysis grid: the correction it makes is
 * smooth, and measured as accurate there as at full size, at a sixteenth of the cost.
 */
export const FUSION_RADIUS = 24;
export const FUSION_GATE = 0.7;
export const FUSION_REACH = 1;
export const FUSION_PHOTO = 24;
export const FUSION_STEP = 4;
const MAX_VIEWS = 2 * FUSION_RADIUS + 1;

/** Intrinsics of the fusion grid: analysis pixels in FUSION_STEP x FUSION_STEP blocks (as boxDown makes them). */
export function fusionGrid(K: Intrinsics): Intrinsics {
  const f = FUSION_STEP;
  return {
    fx: K.fx / f, fy: K.fy / f, cx: (K.cx + 0.5) / f - 0.5, cy: (K.cy + 0.5) / f - 0.5,
    width: Math.max(1, Math.floor(K.width / f)), height: Math.max(1, Math.floor(K.height / f)),
  };
}

export function createViewFusion(K: Intrinsics, o: FusionOptions = {}) {
  const n = K.width * K.height;
  const gate = o.gate ?? FUSION_GATE, reach = o.reach ?? FUSION_REACH, photo = o.photo ?? FUSION_PHOTO, trim = o.trim ?? 0.25;
  const lo = Math.exp(-gate), hi = Math.exp(gate);
  const reachLo = Math.exp(-reach), reachHi = Math.exp(reach);
  // Values per pixel, MAX_VIEWS slots each: one allocation reused for every frame.
  const vals = new Float32Array(n * MAX_VIEWS);
  const count = new Uint8Array(n);
  const warped = new Float32Array(n), grey = new Float32Array(n);
  return {
    /** Fused inverse depth of `ref` (0 where its own is 0); `views` are its neighbours. */
    fuse(ref: FusionView, views: FusionView[]): Float32Array {
      count.fill(0);
      const own = ref.inv, refGray = ref.gray;
      for (let p = 0; p < n; p++) if (own[p] > 0) vals[p * MAX_VIEWS + count[p]++] = own[p];
      for (const v of views.slice(0, MAX_VIEWS - 1)) {
        // The view's nearest surface per pixel (z-buffer on inverse depth), with its grey level.
        warpInvDepth(v.inv, K, v.c2w, ref.c2w, 1, { out: warped, carry: { from: v.gray, to: grey } });
        for (let p = 0; p < n; p++) {
          const r = warped[p] / own[p];
          if (!(r > reachLo && r < reachHi) || Math.abs(grey[p] - refGray[p]) > photo) continue;
          vals[p * MAX_VIEWS + count[p]++] = warped[p];
        }
      }
      const out = new Float32Array(n);
      for (let p = 0; p < n; p++) {
        const c = count[p];
        if (!c) continue;
        const base = p * MAX_VIEWS;
        // Insertion sort: at most 49 values.
        for (let i = base + 1; i < base + c; i++) {
          const x = vals[i];
          let j = i - 1;
          while (j >= base && vals[j] > x) { vals[j + 1] = vals[j]; j--; }
          vals[j + 1] = x;
        }
        // The frame disagrees with what its neighbours agree on: it sees something they do not (it moved).
        const med = vals[base + (c >> 1)], r = med / own[p];
        if (!(r > lo && r < hi)) { out[p] = own[p]; continue; }
        const cut = Math.floor(c * trim);
        let sum = 0;
        for (let i = base + cut; i < base + c - cut; i++) sum += vals[i];
        out[p] = sum / (c - 2 * cut);
      }
      return out;
    },
  };
}
