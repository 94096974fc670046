import type { Intrinsics, Mat4 } from '../../common/types.ts';
import { detectCorners, trackKLT } from './features.ts';
import { trackingPyramid, type Plane } from './image.ts';
import { solveSPD } from './linalg.ts';

/** One view of a point: the frame (position in the pushed sequence) and its pixel (COLMAP convention: pixel centres at +0.5). */
export interface PointObservation {
  view: number;
  u: number;
  v: number;
}

export interface TrackedPoint {
  xyz: [number, number, number];
  rgb: [number, number, number];
  /** Mean reprojection error over the kept observations, pixels of the pushed frames. */
  error: number;
  obs: PointObservation[];
}

export interface PointTrackerOptions {
  /** Largest reprojection error an observation may keep (pixels of the pushed frames). Default 2. */
  maxError?: number;
  /** Smallest angle between a point's rays, degrees: below it the depth is not observed. Default 1. */
  minAngleDeg?: number;
  /** Longest track before it is closed and a new one started (chained KLT drifts). Default 30 frames. */
  maxLength?: number;
}

interface Track { obs: PointObservation[]; x: number; y: number; rgb: [number, number, number] }

/**
 * Sparse points for export (the COLMAP model's points3D): corners of the exported frames are tracked
 * frame to frame with the geometry stage's tracker (features.ts, at the exported resolution) and each
 * track is triangulated on the EXPORTED poses, so the points and their observations agree with the
 * cameras another tool reads. Observations that do not reproject within `maxError` are dropped; a point
 * keeps at least three. A new shot closes every track: points never join two shots.
 */
export function createPointTracker(K: Intrinsics, o: PointTrackerOptions = {}) {
  const maxError = o.maxError ?? 2, minAngle = ((o.minAngleDeg ?? 1) * Math.PI) / 180, maxLength = o.maxLength ?? 30;
  const poses: Mat4[] = [];
  const points: TrackedPoint[] = [];
  let active: Track[] = [];
  let prev: { pyr: Plane[]; shot: number } | null = null;
  let sinceDetect = 0;

  const close = (t: Track) => {
    if (t.obs.length < 3) return;
    const p = triangulateTrack(t.obs, poses, K, maxError, minAngle);
    if (p) points.push({ ...p, rgb: t.rgb });
  };

  return {
    /** The next exported frame (RGB at K's size), its camera-to-world pose and its shot. */
    push(rgb: Uint8Array, c2w: Mat4, shot: number): void {
      const w = K.width, h = K.height;
      const view = poses.length;
      poses.push(c2w);
      const pyr = trackingPyramid(rgb, w, h, Math.ceil(Math.min(w, TRACK_WIDTH) / 2));
      const tw = pyr[0].width, sc = w / tw;
      if (prev && prev.shot === shot && active.length) {
        const from = new Float32Array(active.length * 2);
        active.forEach((t, j) => { from[2 * j] = t.x; from[2 * j + 1] = t.y; });
        const tr = trackKLT(prev.pyr, pyr, from, 7, FB_MAX);
        const kept: Track[] = [];
        active.forEach((t, j) => {
          if (!tr.ok[j] || t.obs.length >= maxLength) { close(t); return; }
          t.x = tr.pts[2 * j]; t.y = tr.pts[2 * j + 1];
          t.obs.push({ view, u: (t.x + 0.5) * sc, v: (t.y + 0.5) * sc });
          kept.push(t);
        });
        active = kept;
      } else {
        for (const t of active) close(t);
        active = [];
        sinceDetect = Infinity;
      }
      // New corners where no track runs, every few frames (detection costs more than tracking).
      if (++sinceDetect >= DETECT_EVERY) {
        sinceDetect = 0;
        const cell = Math.max(8, Math.round(tw / CELLS_ACROSS));
        const busy = new Set(active.map((t) => `${Math.floor(t.x / cell)},${Math.floor(t.y / cell)}`));
        const c = detectCorners(pyr[0], cell, 10);
        for (let i = 0; i < c.length; i += 2) {
          const key = `${Math.floor(c[i] / cell)},${Math.floor(c[i + 1] / cell)}`;
          if (busy.has(key)) continue;
          busy.add(key);
          const px = Math.min(w - 1, Math.round((c[i] + 0.5) * sc - 0.5)), py = Math.min(h - 1, Math.round((c[i + 1] + 0.5) * sc - 0.5));
          const q = (py * w + px) * 3;
          active.push({ x: c[i], y: c[i + 1], rgb: [rgb[q], rgb[q + 1], rgb[q + 2]], obs: [{ view, u: (c[i] + 0.5) * sc, v: (c[i + 1] + 0.5) * sc }] });
        }
      }
      prev = { pyr, shot };
    },
    /** Every track closed and triangulated; views are positions in the pushed sequence. */
    finish(): TrackedPoint[] {
      for (const t of active) close(t);
      active = [];
      return points;
    },
  };
}

/**
 * Width frames are tracked at (the geometry stage's tracking width), and the forward-backward check in
 * its pixels. On cockatoo.mp4 40..159 (1280x720, a bird moving in front of the camera): tracked at 1280 /
 * 640 / 480 / 320 px, 45 / 130 / 269 / 144 points within 2 px; blur defeats full-resolution tracking.
 */
const TRACK_WIDTH = 512;
const FB_MAX = 1.0;
/** Corner grid across the tracking width, and frames between detections. */
const CELLS_ACROSS = 48;
const DETECT_EVERY = 3;

/** A view's projection of world point X: pixel and camera depth. */
function project(c2w: Mat4, K: Intrinsics, X: ArrayLike<number>): { u: number; v: number; z: number; cam: [number, number, number] } {
  const dx = X[0] - c2w[3], dy = X[1] - c2w[7], dz = X[2] - c2w[11];
  // world -> camera is R^T (X - C).
  const x = c2w[0] * dx + c2w[4] * dy + c2w[8] * dz;
  const y = c2w[1] * dx + c2w[5] * dy + c2w[9] * dz;
  const z = c2w[2] * dx + c2w[6] * dy + c2w[10] * dz;
  return { u: (K.fx * x) / z + K.cx, v: (K.fy * y) / z + K.cy, z, cam: [x, y, z] };
}

/**
 * Multi-view triangulation on fixed poses: the midpoint of the rays (least squares), then Gauss-Newton
 * on the reprojection error; the worst observation is dropped while any exceeds `maxError`.
 * null: fewer than three views agree, the rays are nearly parallel, or the point is behind a camera.
 */
export function triangulateTrack(obs: PointObservation[], poses: Mat4[], K: Intrinsics, maxError: number, minAngle: number): { xyz: [number, number, number]; error: number; obs: PointObservation[] } | null {
  let kept = obs.slice();
  while (kept.length >= 3) {
    const X = midpoint(kept, poses, K);
    if (!X) return null;
    refine(X, kept, poses, K);
    const errs = kept.map((ob) => {
      const p = project(poses[ob.view], K, X);
      return p.z > 0 ? Math.hypot(p.u - ob.u, p.v - ob.v) : Infinity;
    });
    let worst = 0;
    for (let i = 1; i < errs.length; i++) if (errs[i] > errs[worst]) worst = i;
    if (errs[worst] > maxError) { kept = kept.filter((_o, i) => i !== worst); continue; }
    if (maxRayAngle(kept, poses, X) < minAngle) return null;
    return { xyz: [X[0], X[1], X[2]], error: errs.reduce((a, b) => a + b, 0) / errs.length, obs: kept };
  }
  return null;
}

function rayOf(c2w: Mat4, K: Intrinsics, u: number, v: number): [number, number, number] {
  const x = (u - K.cx) / K.fx, y = (v - K.cy) / K.fy;
  const d = [c2w[0] * x + c2w[1] * y + c2w[2], c2w[4] * x + c2w[5] * y + c2w[6], c2w[8] * x + c2w[9] * y + c2w[10]];
  const n = Math.hypot(d[0], d[1], d[2]);
  return [d[0] / n, d[1] / n, d[2] / n];
}

function midpoint(obs: PointObservation[], poses: Mat4[], K: Intrinsics): Float64Array | null {
  const A = new Float64Array(9), b = new Float64Array(3);
  for (const ob of obs) {
    const c2w = poses[ob.view], d = rayOf(c2w, K, ob.u, ob.v), C = [c2w[3], c2w[7], c2w[11]];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const m = (i === j ? 1 : 0) - d[i] * d[j];
        A[i * 3 + j] += m;
        b[i] += m * C[j];
      }
  }
  return solveSPD(A, b, 3);
}

function refine(X: Float64Array, obs: PointObservation[], poses: Mat4[], K: Intrinsics): void {
  for (let it = 0; it < 8; it++) {
    const H = new Float64Array(9), g = new Float64Array(3);
    for (const ob of obs) {
      const c2w = poses[ob.view];
      const p = project(c2w, K, X);
      if (!(p.z > 1e-9)) return;
      const [x, y, z] = p.cam;
      // d(u,v)/d(camera point), then through R^T to world.
      const ju = [K.fx / z, 0, (-K.fx * x) / (z * z)], jv = [0, K.fy / z, (-K.fy * y) / (z * z)];
      const Ju = [0, 1, 2].map((k) => ju[0] * c2w[k] + ju[1] * c2w[4 + k] + ju[2] * c2w[8 + k]);
      const Jv = [0, 1, 2].map((k) => jv[0] * c2w[k] + jv[1] * c2w[4 + k] + jv[2] * c2w[8 + k]);
      const ru = p.u - ob.u, rv = p.v - ob.v;
      for (let i = 0; i < 3; i++) {
        g[i] += Ju[i] * ru + Jv[i] * rv;
        for (let j = 0; j < 3; j++) H[i * 3 + j] += Ju[i] * Ju[j] + Jv[i] * Jv[j];
      }
    }
    const step = solveSPD(H, g, 3);
    if (!step) return;
    for (let i = 0; i < 3; i++) X[i] -= step[i];
    if (Math.hypot(step[0], step[1], step[2]) < 1e-9 * (1 + Math.hypot(X[0], X[1], X[2]))) return;
  }
}

function maxRayAngle(obs: PointObservation[], poses: Mat4[], X: ArrayLike<number>): number {
  const dirs = obs.map((ob) => {
    const c = poses[ob.view], d = [X[0] - c[3], X[1] - c[7], X[2] - c[11]], n = Math.hypot(d[0], d[1], d[2]);
    return d.map((v) => v / n);
  });
  let best = 0;
  for (let i = 0; i < dirs.length; i++)
    for (let j = i + 1; j < dirs.length; j++) {
      const dot = dirs[i][0] * dirs[j][0] + dirs[i][1] * dirs[j][1] + dirs[i][2] * dirs[j][2];
      best = Math.max(best, Math.acos(Math.max(-1, Math.min(1, dot))));
    }
  return best;
}
