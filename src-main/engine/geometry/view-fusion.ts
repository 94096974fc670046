import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { selectIn } from '../../common/select.ts';
import { COMBINE_MAX_VALUES, createWasmFusion } from './fusion-wasm.ts';
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
  /** false: the combination in TypeScript, not WebAssembly (the same values; for tests). */
  wasm?: boolean;
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
  // Each pixel's ray, as warpInvDepth (align.ts) computes it per pixel; doubles, so the same values.
  const rayX = new Float64Array(K.width), rayY = new Float64Array(K.height);
  for (let x = 0; x < K.width; x++) rayX[x] = (x - K.cx) / K.fx;
  for (let y = 0; y < K.height; y++) rayY[y] = (y - K.cy) / K.fy;
  // Values per pixel, MAX_VIEWS slots each, value k of pixel p at p * ps + k * ks: one allocation
  // reused for every frame. In WebAssembly's memory when its sort takes that many (fusion-wasm.ts),
  // where the k-th values of neighbouring pixels lie side by side; else here, a pixel's together.
  const wasm = MAX_VIEWS <= COMBINE_MAX_VALUES && o.wasm !== false ? createWasmFusion(K, rayX, rayY) : null;
  const vals = wasm?.vals ?? new Float32Array(n * MAX_VIEWS);
  const count = wasm?.count ?? new Int32Array(n);
  const ps = wasm ? 1 : MAX_VIEWS, ks = wasm ? wasm.n4 : 1;
  const warped = new Float32Array(n), grey = new Float32Array(n);

  /**
   * The view's nearest surface per pixel of `ref` (z-buffer on inverse depth) into `warped`, with its
   * grey level into `grey`: warpInvDepth with the view's gain and the rays kept (the same values).
   */
  function warpView(v: FusionView, refW2c: Mat4) {
    warped.fill(0);
    warp(v.inv, v.gray, v.gain ?? 1, mul4(refW2c, v.c2w), K.fx, K.fy, K.cx, K.cy, K.width, K.height, rayX, rayY, warped, grey);
  }

  return {
    /** Fused inverse depth of `ref` (0 where its own is 0); `views` are its neighbours. */
    fuse(ref: FusionView, views: FusionView[]): Float32Array {
      count.fill(0);
      if ((ref.gain ?? 1) !== 1) throw new Error('view fusion: the frame itself is given in its own scale (gain 1)');
      const own = ref.inv, refGray = ref.gray;
      for (let p = 0; p < n; p++) if (own[p] > 0) vals[p * ps + count[p]++ * ks] = own[p];
      const refW2c = invRigid(ref.c2w);
      if (wasm) {
        wasm.own.set(own);
        wasm.refGray.set(refGray);
        for (let k = 0; k < Math.min(views.length, MAX_VIEWS - 1); k++) {
          const v = views[k];
          wasm.warpAccumulate(v.inv, v.gray, v.gain ?? 1, mul4(refW2c, v.c2w), reachLo, reachHi, photo);
        }
        wasm.combine(lo, hi, trim);
        return wasm.out.slice();
      }
      for (let k = 0; k < Math.min(views.length, MAX_VIEWS - 1); k++) {
        // The view's nearest surface per pixel (z-buffer on inverse depth), with its grey level.
        warpView(views[k], refW2c);
        accumulate(warped, grey, own, refGray, vals, count, n, ps, ks, reachLo, reachHi, photo);
      }
      const out = new Float32Array(n);
      combine(vals, count, own, n, MAX_VIEWS, lo, hi, trim, out);
      return out;
    },
  };
}

// The per-pixel loops as functions of typed arrays and numbers: read through the closure and the
// view objects on every pixel of ~48 views a frame they ran measurably slower (the same values).

/** The view's surface (inverse depth `inv` times `g`) moved by T into the w x h grid, nearest surface winning, with its grey levels. */
function warp(inv: Float32Array, from: Float32Array, g: number, T: Mat4, fx: number, fy: number, cx: number, cy: number, w: number, h: number, rayX: Float64Array, rayY: Float64Array, into: Float32Array, greyInto: Float32Array): void {
  // The transform in locals, not read through the matrix on every pixel (the same values, in the same order).
  const t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7], t8 = T[8], t9 = T[9], t10 = T[10], t11 = T[11];
  for (let y = 0, p = 0; y < h; y++) {
    const ry = rayY[y];
    for (let x = 0; x < w; x++, p++) {
      const r = g === 1 ? inv[p] : Math.fround(inv[p] * g);
      if (!(r > 0)) continue;
      const z = 1 / r;
      const X = rayX[x] * z, Y = ry * z;
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

/** The view's values that land on a pixel, within `reach` of the frame's own and of its grey level, into the pixel's slots. */
function accumulate(warped: Float32Array, grey: Float32Array, own: Float32Array, refGray: Float32Array, vals: Float32Array, count: Int32Array, n: number, ps: number, ks: number, reachLo: number, reachHi: number, photo: number): void {
  for (let p = 0; p < n; p++) {
    // Nothing landed (0 / own fails the reach below too, whatever own is).
    const wp = warped[p];
    if (wp === 0) continue;
    const r = wp / own[p];
    if (!(r > reachLo && r < reachHi) || Math.abs(grey[p] - refGray[p]) > photo) continue;
    vals[p * ps + count[p]++ * ks] = wp;
  }
}

/** Each pixel's trimmed mean of its slots where their median is within (lo, hi) of its own value, else its own. */
function combine(vals: Float32Array, count: Int32Array, own: Float32Array, n: number, slots: number, lo: number, hi: number, trim: number, out: Float32Array): void {
  for (let p = 0; p < n; p++) {
    const c = count[p];
    if (!c) continue;
    const base = p * slots;
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
}
