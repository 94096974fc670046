import type { Intrinsics, Mat4 } from '../../common/types.ts';

/** One earlier view of a keyframe's corners: keyframe camera -> that camera, and each corner's pixel there (NaN: not seen). */
export interface CornerView {
  T: Mat4;
  uv: Float32Array;
}

export interface Triangulated {
  /** Inverse depth along each corner's keyframe ray (0: not triangulated). */
  q: Float64Array;
  /** How many corners were triangulated. */
  count: number;
}

/**
 * Each corner's inverse depth along its keyframe ray from its pixels in earlier views whose poses are
 * known (a 1-D search in log inverse depth around the model's value, then a parabola through the best
 * three). Only corners whose depth the views pin down are kept: the farthest view must move the corner
 * by at least `minPx` pixels between +-10% of its inverse depth, and the views must agree within
 * `maxRms` pixels. The result is in the poses' units, whatever the model's scale.
 */
export function triangulateCorners(rays: Float32Array, q0: Float64Array, views: CornerView[], K: Intrinsics, o: { minPx?: number; maxRms?: number; span?: number } = {}): Triangulated {
  const n = q0.length, minPx = o.minPx ?? 2, maxRms = o.maxRms ?? 1, span = o.span ?? 4;
  const out = new Float64Array(n);
  const STEPS = 49;
  const cost = new Float64Array(STEPS);
  let count = 0;
  // project's pixel (pp[0], pp[1]): no pair allocated a call (it runs STEPS times per corner and view), no boxed doubles.
  const pp = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    if (!(q0[i] > 0)) continue;
    const rx = rays[2 * i], ry = rays[2 * i + 1];
    // The farthest view that saw the corner decides whether its depth is observable at all.
    let far: CornerView | null = null, farB = 0;
    for (const v of views) {
      if (!Number.isFinite(v.uv[2 * i])) continue;
      const b = Math.hypot(v.T[3], v.T[7], v.T[11]);
      if (b > farB) { farB = b; far = v; }
    }
    if (!far) continue;
    const lo = Math.log(q0[i] / span), hi = Math.log(q0[i] * span);
    let best = -1, bv = Infinity;
    for (let s = 0; s < STEPS; s++) {
      cost[s] = err2(views, rays, K, pp, i, Math.exp(lo + ((hi - lo) * s) / (STEPS - 1)));
      if (cost[s] < bv) { bv = cost[s]; best = s; }
    }
    // At the ends of the range: the corner is beyond what the search covers, or a bad track.
    if (best <= 0 || best >= STEPS - 1) continue;
    const c0 = cost[best - 1], c1 = cost[best], c2 = cost[best + 1], den = c0 - 2 * c1 + c2;
    const sub = best + (den > 1e-12 ? Math.max(-0.5, Math.min(0.5, (c0 - c2) / (2 * den))) : 0);
    const q = Math.exp(lo + ((hi - lo) * sub) / (STEPS - 1));
    if (Math.sqrt(err2(views, rays, K, pp, i, q)) > maxRms) continue;
    if (!project(K, pp, far.T, rx, ry, q * 1.1)) continue;
    const au = pp[0], av = pp[1];
    if (!project(K, pp, far.T, rx, ry, q / 1.1) || Math.hypot(au - pp[0], av - pp[1]) < minPx) continue;
    out[i] = q;
    count++;
  }
  return { q: out, count };
}

// The two below are module functions, not closures made per call: V8 keeps a closure's optimised code only
// weakly, so a collection between calls dropped it and the next call's closures were compiled again.

/** Corner i's mean squared reprojection error (pixels) over the views that saw it, at inverse depth q. */
function err2(views: CornerView[], rays: Float32Array, K: Intrinsics, pp: Float64Array, i: number, q: number): number {
  let e = 0, m = 0;
  for (const v of views) {
    const u = v.uv[2 * i];
    if (!Number.isFinite(u)) continue;
    if (!project(K, pp, v.T, rays[2 * i], rays[2 * i + 1], q)) return Infinity;
    e += (pp[0] - u) ** 2 + (pp[1] - v.uv[2 * i + 1]) ** 2;
    m++;
  }
  return m ? e / m : Infinity;
}

/** The pixel (into pp) of the keyframe ray (rx, ry) at inverse depth q seen from T; false behind the camera. */
function project(K: Intrinsics, pp: Float64Array, T: Mat4, rx: number, ry: number, q: number): boolean {
  const z = 1 / q, x = rx * z, y = ry * z;
  const Z = T[8] * x + T[9] * y + T[10] * z + T[11];
  if (Z <= 1e-6) return false;
  pp[0] = (K.fx * (T[0] * x + T[1] * y + T[2] * z + T[3])) / Z + K.cx;
  pp[1] = (K.fy * (T[4] * x + T[5] * y + T[6] * z + T[7])) / Z + K.cy;
  return true;
}
