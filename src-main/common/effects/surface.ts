import type { Intrinsics } from '../types.ts';
import { boxMean, splineTaps } from './guided-filter.ts';

/**
 * Relight's geometry at the analysis resolution (browser-safe; export and preview both call it, so the
 * shaders only interpolate and shade). Working at low resolution is what puts the normals at the scale
 * of the surface: the depth is smoothed over `smoothing` % of the frame height (two box passes, about a
 * Gaussian), normals come from the smoothed scene points, and the cubic B-spline carries them to every
 * output pixel with a continuous slope, so flat areas shade smoothly and no pixel grid shows.
 *
 * Shadows are marched in screen space through the same smoothed low-res depth (so depth noise below the
 * surface scale casts no speckled shadows): from each sample's scene
 * point towards the light, SHADOW_STEPS points are projected into the image; a step whose depth-map surface
 * lies in front of it (by more than a small bias, and by less than SHADOW_THICKNESS, beyond which the ray
 * passes behind the object) occludes it, softly: occlusion = (depth gap - bias) / (softness * distance
 * travelled), so shadows are sharp at contact and widen with distance, as penumbrae do.
 *
 * Where the depth is smoothed over SHADOW_COARSE_FROM samples or more, the rays are marched from every
 * other sample in each direction (and from the last row and column) and the other samples take the mean
 * of their two (or four) marched neighbours: the smoothed depth, and so the visibility, varies little from
 * one sample to the next, and the march is most of the maps' cost. Less smoothing marches every sample.
 */
export const SHADOW_STEPS = 24;
/** Smoothing radius (low-res samples) from which shadows are marched on the every-other-sample grid. */
export const SHADOW_COARSE_FROM = 2;
/** Occluders are taken to be this thick (fraction of their depth) behind their visible face. */
export const SHADOW_THICKNESS = 0.25;
/** A surface must lie this far (fraction of depth) in front of the ray to occlude (no self-shadow acne). */
export const SHADOW_BIAS = 0.02;

/**
 * The sky: the far end of the clip's distance range (s from `from` (relight's skyFrom) to 1, a smoothstep)
 * is taken to be infinitely far, as the sky is, whatever finite depth the network gave it (a monocular
 * network spreads the sky over the far part of the range rather than putting it all at its end). Lights placed in the scene
 * cannot reach it and nothing in the scene can shadow it, so relight leaves it to the ambient term alone
 * (its own emitted colour, scaled as the whole picture is). A directional light does not brighten it
 * either: a sun added in a compositor lights the set, not the backdrop, whose exposure is graded apart.
 */
export function skyWeight(s: number, from: number): number {
  if (from >= 1) return 0;
  const t = Math.min(1, Math.max(0, (s - from) / (1 - from)));
  return t * t * (3 - 2 * t);
}

export interface SurfaceLights {
  /** Scene units (x right, y down, z forward; far plane at 1). */
  pointPosition: [number, number, number];
  /** Direction the directional light travels (need not be unit). */
  dirDirection: [number, number, number];
  pointOn: boolean;
  dirOn: boolean;
  shadows: boolean;
  shadowSoftness: number;
  shadowLength: number;
  /** Where the sky begins on the 0..1 distance (skyWeight); 1: no sky. */
  skyFrom: number;
}

/** Per low-res sample: nx, ny, nz, visibility of the point light; then the directional light's visibility. */
export interface SurfaceMaps {
  width: number;
  height: number;
  normalVis: Float32Array;
  dirVis: Float32Array;
}

/** Low-res distance 0..1 -> scene z (far plane 1). */
const sceneZ = (dist: Float32Array, nr: number) => Float32Array.from(dist, (s) => nr + s * (1 - nr));

/** One-sided differences on the side with the smaller depth step (same surface at depth edges). */
const side = (has1: boolean, has0: boolean, z1: number, zc: number, z0: number) => has1 && (!has0 || Math.abs(z1 - zc) <= Math.abs(zc - z0));

interface MarchGrid {
  zs: ArrayLike<number>;
  lw: number;
  lh: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  softness: number;
}

/**
 * Visibility of a light from scene point (px, py, pz) along unit direction (dx, dy, dz) for `len` scene
 * units (the march described above). A module-level function, not a closure per sample: the preview
 * runs this on the page's thread for every depth frame.
 */
function march(g: MarchGrid, px: number, py: number, pz: number, dx: number, dy: number, dz: number, len: number): number {
  const { zs, lw, lh, fx, fy, cx, cy } = g;
  let occ = 0;
  for (let s = 1; s <= SHADOW_STEPS && occ < 1; s++) {
    const f = s / SHADOW_STEPS;
    const t = len * f * f;
    const qz = pz + t * dz;
    if (qz <= 1e-3) break;
    const x = (fx * (px + t * dx)) / qz + cx - 0.5, y = (fy * (py + t * dy)) / qz + cy - 0.5;
    if (!(x >= 0 && y >= 0 && x <= lw - 1 && y <= lh - 1)) break;
    const x0 = Math.min(lw - 2, Math.floor(x)), y0 = Math.min(lh - 2, Math.floor(y));
    const tx = x - x0, ty = y - y0;
    const o = y0 * lw + x0;
    const zsurf = (zs[o] * (1 - tx) + zs[o + 1] * tx) * (1 - ty) + (zs[o + lw] * (1 - tx) + zs[o + lw + 1] * tx) * ty;
    const gap = qz - zsurf;
    if (gap > SHADOW_BIAS * qz && gap < SHADOW_THICKNESS * qz) occ = Math.max(occ, Math.min(1, (gap - SHADOW_BIAS * qz) / (g.softness * t + 1e-4)));
  }
  return 1 - occ;
}

export function surfaceMaps(dist: Float32Array, lw: number, lh: number, Kfull: Intrinsics, nr: number, smoothing: number, L: SurfaceLights): SurfaceMaps {
  const sx = lw / Kfull.width, sy = lh / Kfull.height;
  const fx = Kfull.fx * sx, fy = Kfull.fy * sy, cx = Kfull.cx * sx, cy = Kfull.cy * sy;
  const z = sceneZ(dist, nr);
  const r = Math.round((smoothing / 100) * lh);
  const zs = r > 0 ? boxMean(boxMean(z, lw, lh, r), lw, lh, r) : z;
  const rx = (i: number) => (i + 0.5 - cx) / fx;
  const ry = (j: number) => (j + 0.5 - cy) / fy;
  const normalVis = new Float32Array(lw * lh * 4);
  const dirVis = new Float32Array(lw * lh).fill(1);
  // Towards the directional light.
  const dl = Math.hypot(...L.dirDirection) || 1;
  const g: MarchGrid = { zs, lw, lh, fx, fy, cx, cy, softness: L.shadowSoftness };
  const ux = -L.dirDirection[0] / dl, uy = -L.dirDirection[1] / dl, uz = -L.dirDirection[2] / dl;
  for (let j = 0; j < lh; j++)
    for (let i = 0; i < lw; i++) {
      const k = j * lw + i;
      const zc = zs[k];
      const px = zc * rx(i), py = zc * ry(j);
      let ax: number, ay: number, az: number, bx: number, by: number, bz: number;
      if (side(i + 1 < lw, i > 0, zs[k + 1], zc, zs[k - 1])) { const q = zs[k + 1]; ax = q * rx(i + 1) - px; ay = q * ry(j) - py; az = q - zc; }
      else { const q = zs[k - 1]; ax = px - q * rx(i - 1); ay = py - q * ry(j); az = zc - q; }
      if (side(j + 1 < lh, j > 0, zs[k + lw], zc, zs[k - lw])) { const q = zs[k + lw]; bx = q * rx(i) - px; by = q * ry(j + 1) - py; bz = q - zc; }
      else { const q = zs[k - lw]; bx = px - q * rx(i); by = py - q * ry(j - 1); bz = zc - q; }
      // N = dP/dy x dP/dx: faces the camera (-z) on a fronto-parallel plane.
      let nx = by * az - bz * ay, ny = bz * ax - bx * az, nz = bx * ay - by * ax;
      const nl = Math.hypot(nx, ny, nz);
      if (nl > 1e-20) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      normalVis[k * 4] = nx;
      normalVis[k * 4 + 1] = ny;
      normalVis[k * 4 + 2] = nz;
      normalVis[k * 4 + 3] = 1;
    }
  if (L.shadows && (L.pointOn || L.dirOn)) {
    const step = r >= SHADOW_COARSE_FROM ? 2 : 1;
    const marched = (i: number, n: number) => i % step === 0 || i === n - 1;
    // The march's visibility at the marched samples, then the others from them (fillBetween).
    for (let j = 0; j < lh; j++) {
      if (!marched(j, lh)) continue;
      for (let i = 0; i < lw; i++) {
        if (!marched(i, lw)) continue;
        const k = j * lw + i;
        const zc = zs[k];
        const px = zc * rx(i), py = zc * ry(j);
        if (L.pointOn) {
          const vx = L.pointPosition[0] - px, vy = L.pointPosition[1] - py, vz = L.pointPosition[2] - zc;
          const d = Math.hypot(vx, vy, vz) || 1e-9;
          normalVis[k * 4 + 3] = march(g, px, py, zc, vx / d, vy / d, vz / d, Math.min(d, L.shadowLength));
        }
        if (L.dirOn) dirVis[k] = march(g, px, py, zc, ux, uy, uz, L.shadowLength);
      }
    }
    if (step === 2 && L.pointOn) fillBetween(normalVis, 4, 3, lw, lh);
    if (step === 2 && L.dirOn) fillBetween(dirVis, 1, 0, lw, lh);
    // No shadow falls on the sky (and none bleeds from it through the spline onto the skyline).
    for (let k = 0; k < lw * lh; k++) {
      const sky = skyWeight(dist[k], L.skyFrom);
      if (L.pointOn) normalVis[k * 4 + 3] = sky + (1 - sky) * normalVis[k * 4 + 3];
      if (L.dirOn) dirVis[k] = sky + (1 - sky) * dirVis[k];
    }
  }
  return { width: lw, height: lh, normalVis, dirVis };
}

/**
 * Channel c of a map with ch channels, marched at the even columns and rows (and the last): each other
 * column of a marched row takes the mean of its left and right neighbours, then each other row the mean
 * of the rows above and below (so a sample between four marched ones takes their mean).
 */
function fillBetween(v: Float32Array, ch: number, c: number, lw: number, lh: number): void {
  for (let j = 0; j < lh; j++) {
    if (j % 2 === 1 && j < lh - 1) continue;
    for (let i = 1; i < lw - 1; i += 2) v[(j * lw + i) * ch + c] = 0.5 * (v[(j * lw + i - 1) * ch + c] + v[(j * lw + i + 1) * ch + c]);
  }
  for (let j = 1; j < lh - 1; j += 2)
    for (let i = 0; i < lw; i++) v[(j * lw + i) * ch + c] = 0.5 * (v[((j - 1) * lw + i) * ch + c] + v[((j + 1) * lw + i) * ch + c]);
}

/** Cubic B-spline interpolation of a low-res map with `ch` interleaved channels to W x H (rows first). */
export function splineUpsample(v: Float32Array, ch: number, lw: number, lh: number, W: number, H: number): Float32Array {
  const cols = splineTaps(W, lw), rows = splineTaps(H, lh);
  const tmp = new Float32Array(lh * W * ch);
  for (let j = 0; j < lh; j++)
    for (let X = 0; X < W; X++)
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let t = 0; t < 4; t++) s += cols.w[X * 4 + t] * v[(j * lw + cols.idx[X * 4 + t]) * ch + c];
        tmp[(j * W + X) * ch + c] = s;
      }
  const out = new Float32Array(W * H * ch);
  for (let Y = 0; Y < H; Y++) {
    const r0 = rows.idx[Y * 4] * W * ch, r1 = rows.idx[Y * 4 + 1] * W * ch, r2 = rows.idx[Y * 4 + 2] * W * ch, r3 = rows.idx[Y * 4 + 3] * W * ch;
    const w0 = rows.w[Y * 4], w1 = rows.w[Y * 4 + 1], w2 = rows.w[Y * 4 + 2], w3 = rows.w[Y * 4 + 3];
    const o = Y * W * ch;
    for (let q = 0; q < W * ch; q++) out[o + q] = w0 * tmp[r0 + q] + w1 * tmp[r1 + q] + w2 * tmp[r2 + q] + w3 * tmp[r3 + q];
  }
  return out;
}
