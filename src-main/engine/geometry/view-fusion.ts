import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { selectIn } from '../../common/select.ts';
import { invRigid, mul4 } from './linalg.ts';

/** One posed view on the fusion grid: inverse depth, grey levels, camera-to-world in the depth's units. */
export interface FusionView {
  inv: Float32Array;
  gray: Float32Array;
  c2w: Mat4;
  /**
   * Factor on `inv` (the scale smoother's), applied as the view is read, rounded to float32 as a
   * scaled copy would hold it: the ~48 neighbours of every frame are not copied each push. Default 1.
   */
  gain?: number;
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
  /** Most neighbours each side (the per-pixel slots: 2 * radius + 1). */
  radius?: number;
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

/** Intrinsics of the fusion grid: analysis pixels in FUSION_STEP x FUSION_STEP blocks (as boxDown makes them). */
export function fusionGrid(K: Intrinsics, f = FUSION_STEP): Intrinsics {
  return {
    fx: K.fx / f, fy: K.fy / f, cx: (K.cx + 0.5) / f - 0.5, cy: (K.cy + 0.5) / f - 0.5,
    width: Math.max(1, Math.floor(K.width / f)), height: Math.max(1, Math.floor(K.height / f)),
  };
}

export function createViewFusion(K: Intrinsics, o: FusionOptions = {}) {
  const n = K.width * K.height;
  const gate = o.gate ?? FUSION_GATE, reach = o.reach ?? FUSION_REACH, photo = o.photo ?? FUSION_PHOTO, trim = o.trim ?? 0.25;
  const MAX_VIEWS = 2 * (o.radius ?? FUSION_RADIUS) + 1;
  const lo = Math.exp(-gate), hi = Math.exp(gate);
  const reachLo = Math.exp(-reach), reachHi = Math.exp(reach);
  // Values per pixel, MAX_VIEWS slots each: one allocation reused for every frame.
  const vals = new Float32Array(n * MAX_VIEWS);
  const count = new Uint8Array(n);
  const warped = new Float32Array(n), grey = new Float32Array(n);
  // Each pixel's ray, as warpInvDepth (align.ts) computes it per pixel; doubles, so the same values.
  const rayX = new Float64Array(K.width), rayY = new Float64Array(K.height);
  for (let x = 0; x < K.width; x++) rayX[x] = (x - K.cx) / K.fx;
  for (let y = 0; y < K.height; y++) rayY[y] = (y - K.cy) / K.fy;

  /**
   * The view's nearest surface per pixel of `ref` (z-buffer on inverse depth) into `warped`, with its
   * grey level into `grey`: warpInvDepth with the view's gain and the rays kept (the same values).
   */
  function warpView(v: FusionView, refW2c: Mat4) {
    const w = K.width, h = K.height, g = v.gain ?? 1, inv = v.inv, from = v.gray;
    const T = mul4(refW2c, v.c2w);
    const fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
    // The transform and the planes in locals, not read through the matrix and the closure on every
    // pixel of ~48 views a frame (the same values, in the same order).
    const t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7], t8 = T[8], t9 = T[9], t10 = T[10], t11 = T[11];
    const into = warped, greyInto = grey, rx = rayX;
    into.fill(0);
    for (let y = 0, p = 0; y < h; y++) {
      const ry = rayY[y];
      for (let x = 0; x < w; x++, p++) {
        const r = g === 1 ? inv[p] : Math.fround(inv[p] * g);
        if (!(r > 0)) continue;
        const z = 1 / r;
        const X = rx[x] * z, Y = ry * z;
        const Zb = t8 * X + t9 * Y + t10 * z + t11;
        if (Zb <= 1e-6) continue;
        const Xb = t0 * X + t1 * Y + t2 * z + t3;
        const Yb = t4 * X + t5 * Y + t6 * z + t7;
        const u = Math.round((fx * Xb) / Zb + cx), vv = Math.round((fy * Yb) / Zb + cy);
        if (u < 0 || vv < 0 || u >= w || vv >= h) continue;
        const i = vv * w + u, rb = 1 / Zb;
        if (rb > into[i]) {
          into[i] = rb;
          greyInto[i] = from[p];
        }
      }
    }
  }

  return {
    /** Fused inverse depth of `ref` (0 where its own is 0); `views` are its neighbours. */
    fuse(ref: FusionView, views: FusionView[]): Float32Array {
      count.fill(0);
      if ((ref.gain ?? 1) !== 1) throw new Error('view fusion: the frame itself is given in its own scale (gain 1)');
      const own = ref.inv, refGray = ref.gray;
      for (let p = 0; p < n; p++) if (own[p] > 0) vals[p * MAX_VIEWS + count[p]++] = own[p];
      const refW2c = invRigid(ref.c2w);
      for (let k = 0; k < Math.min(views.length, MAX_VIEWS - 1); k++) {
        // The view's nearest surface per pixel (z-buffer on inverse depth), with its grey level.
        warpView(views[k], refW2c);
        for (let p = 0; p < n; p++) {
          // Nothing landed (0 / own fails the reach below too, whatever own is).
          if (warped[p] === 0) continue;
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
        // The median and the trimmed set by selection (no full sort): ranks cut..c-cut-1 end up in
        // vals[base+cut..base+c-cut), in some order; their sum is exact in a double whatever the order.
        const mid = base + (c >> 1);
        const med = selectIn(vals, base, base + c - 1, mid), r = med / own[p];
        // The frame disagrees with what its neighbours agree on: it sees something they do not (it moved).
        if (!(r > lo && r < hi)) { out[p] = own[p]; continue; }
        const cut = Math.floor(c * trim);
        if (cut > 0) {
          selectIn(vals, base, mid - 1, base + cut);
          selectIn(vals, mid + 1, base + c - 1, base + c - cut - 1);
        }
        let sum = 0;
        for (let i = base + cut; i < base + c - cut; i++) sum += vals[i];
        out[p] = sum / (c - 2 * cut);
      }
      return out;
    },
  };
}
