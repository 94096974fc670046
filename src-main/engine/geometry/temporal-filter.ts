import type { DepthKind, Intrinsics, Mat4 } from '../../common/types.ts';
import { createWasmTemporalWarp } from './fusion-wasm.ts';
import { invRigid, mul4 } from './linalg.ts';

/**
 * A recursive temporal filter on the 3D-consistent depth, guided by the camera poses: the previous
 * frame's filtered depth is moved into the current camera (back-projected, transformed, splatted with
 * a z-buffer) and averaged with the current depth wherever the two agree within `tolerance`; where they
 * do not (something moved, an occlusion, a new surface) the current depth stands alone. Frame-to-frame
 * flicker of a small network's depth thus averages out on static geometry without lagging behind the
 * camera. It also matters for export: flickering depth makes every effect flicker, and x264 spends
 * measurably more bits and time on a flickering fog than on the source (cockatoo: 8.8 vs 5.9 CPU-s).
 */
export interface TemporalFilterOptions {
  K: Intrinsics;
  kind: DepthKind;
  width: number;
  height: number;
  /** Weight of the current frame (1 = no filtering). */
  alpha?: number;
  /** Relative depth difference under which the warped history and the current depth are merged. */
  tolerance?: number;
  /** Pose confidence under which a frame is not merged with its history (the warp would be a guess). */
  minConfidence?: number;
  /** false: the warp in TypeScript, not WebAssembly (the same values; for tests). */
  wasm?: boolean;
}

export const TEMPORAL_ALPHA = 0.5;
// With the scale made one along the shot, neighbouring frames agree more often: 0.2 measured better
// than 0.12 on tartanair-hospital (TAE 5.56 -> 5.30, AbsRel and delta1 the same or better), and an
// object 30% nearer is still kept apart.
export const TEMPORAL_TOLERANCE = 0.2;

export function createTemporalFilter(o: TemporalFilterOptions) {
  const { K, kind, width: w, height: h } = o;
  const alpha = o.alpha ?? TEMPORAL_ALPHA;
  const tol = o.tolerance ?? TEMPORAL_TOLERANCE;
  const minConf = o.minConfidence ?? 0.05;
  const n = w * h;
  // Pixel centre -> intrinsics coordinates (the depth grid may be smaller than K's): as pointcloud.ts.
  const sx = K.width / w, sy = K.height / h;
  const rayX = new Float32Array(w), rayY = new Float32Array(h);
  for (let x = 0; x < w; x++) rayX[x] = ((x + 0.5) * sx - 0.5 - K.cx) / K.fx;
  for (let y = 0; y < h; y++) rayY[y] = ((y + 0.5) * sy - 0.5 - K.cy) / K.fy;
  let prevPose: Mat4 | null = null;
  let prevShot = -1;
  // The warp in WebAssembly (fusion-wasm.ts: the same values, in a third of the time), its planes in
  // the module's memory; else here.
  const wasm = o.wasm !== false ? createWasmTemporalWarp(K, w, h, sx, sy, rayX, rayY) : null;
  const warped = wasm?.warped ?? new Float32Array(n);
  // The cracks found (pixel, depth), applied once all are found: a list, not a plane filled and read whole.
  const crackAt = wasm ? null : new Int32Array(n), crackZ = wasm ? null : new Float32Array(n);
  // This frame's depth and the previous one's (the history), swapped each frame.
  let prevZ: Float32Array<ArrayBuffer> | null = null;
  let zNext = wasm?.planes[0] ?? new Float32Array(n);
  const pairs = Int32Array.of(1, w, w + 1, w - 1);

  const metric = kind === 'metric';

  /** Previous filtered depth seen from the current camera; 0 where nothing lands. */
  function warp(prev: Float32Array, M: Mat4): void {
    if (wasm) return wasm.warp(prev === wasm.planes[0] ? 0 : 1, M);
    splat(prev, M, K, w, h, sx, sy, rayX, rayY, warped);
    fillCracks(warped, w, h, pairs, crackAt!, crackZ!);
  }

  /** The history merged into the frame whose depth along the ray is in zNext and whose output is `out`. */
  function merge(out: Float32Array<ArrayBuffer>, pose: Mat4, shotId: number, confidence: number, weight: number, flip: boolean): Float32Array<ArrayBuffer> {
    const z = zNext;
    if (prevZ && prevPose && shotId === prevShot && confidence >= minConf && alpha < 1 && weight > 0) {
      // Previous camera -> current camera.
      warp(prevZ, mul4(invRigid(pose), prevPose));
      if (wasm) wasm.blend(z === wasm.planes[0] ? 0 : 1, out, metric, tol, weight * (1 - alpha), flip);
      else blend(warped, z, out, n, metric, tol, weight, alpha, flip);
    }
    zNext = prevZ ?? (wasm ? wasm.planes[1] : new Float32Array(n));
    prevZ = z;
    prevPose = pose;
    prevShot = shotId;
    return out;
  }

  return {
    /**
     * The filtered depth for this frame (same kind and grid); frames must come in order. `weight` (0..1)
     * scales the history's share (averaging-weight.ts): 0 leaves the frame as it is. `into`: an array
     * of the grid's size (not `depth`) the result is written to instead of a new one.
     */
    apply(depth: Float32Array, pose: Mat4, shotId: number, confidence: number, weight = 1, into?: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> {
      const out = into?.length === n && into !== depth ? into : new Float32Array(n);
      // The copy of the frame's depth made in the same pass.
      copyDepth(depth, out, zNext, n, metric);
      return merge(out, pose, shotId, confidence, weight, false);
    },
    /**
     * `apply` for a caller that makes the frame's depth in a pass of its own: it writes the depth along
     * the ray (metric: the depth; inverse: 1 / it, 0 where none) into `depthAlongRay()` and the frame's
     * depth into `out`, in the filter's kind or, with `flip`, in the other (1 / it, 0 where none, as
     * float32 holds it); `out` is filtered in place and returned. The same values as `apply` followed
     * by inverting its result, without the copy pass and the inversion pass.
     */
    depthAlongRay: (): Float32Array => zNext,
    applyPrepared(out: Float32Array<ArrayBuffer>, pose: Mat4, shotId: number, confidence: number, weight = 1, flip = false): Float32Array<ArrayBuffer> {
      if (out.length !== n) throw new Error('temporal filter: the output is not of the grid\'s size');
      return merge(out, pose, shotId, confidence, weight, flip);
    },
  };
}

// The per-pixel loops, each a function of typed arrays and numbers rather than a loop inside apply or
// warp: V8 compiles a long loop on its first run (on-stack replacement) and keeps that code for later
// calls; apply's first call has no history, so the code after its first loop had never run, and
// every later frame left that code at the history's test (a deoptimisation a frame, the rest of the
// frame's filter then running unoptimised). Depth from the filter's kind and back (1/v for inverse
// depth) is written out in the loops: a double passed to a helper V8 does not inline is boxed.
// The same operations in the same order as when they were written inline.

/** out = the frame's depth; z = its depth along the ray (the filter's working form). */
function copyDepth(depth: Float32Array, out: Float32Array, z: Float32Array, n: number, metric: boolean): void {
  for (let i = 0; i < n; i++) {
    const d = depth[i];
    out[i] = d;
    z[i] = d > 0 ? (metric ? d : 1 / d) : 0;
  }
}

/**
 * The warped history averaged into z (and out, in the filter's kind) where the two agree within tol;
 * `flip`: out in the other kind, inverted as inverting the filter's output afterwards would (through
 * the float32 it was held in).
 */
function blend(warped: Float32Array, z: Float32Array, out: Float32Array, n: number, metric: boolean, tol: number, weight: number, alpha: number, flip: boolean): void {
  for (let i = 0; i < n; i++) {
    const a = warped[i], b = z[i];
    if (a > 0 && b > 0 && Math.abs(a - b) < tol * b) {
      const zi = Math.fround(b + weight * (1 - alpha) * (a - b));
      z[i] = zi;
      out[i] = metric ? (flip ? 1 / zi : zi) : flip ? 1 / Math.fround(1 / zi) : 1 / zi;
    }
  }
}

/** The previous depth `prev` moved by M into the w x h grid of `warped`, nearest surface first; 0 where nothing lands. */
function splat(prev: Float32Array, M: Mat4, K: Intrinsics, w: number, h: number, sx: number, sy: number, rayX: Float32Array, rayY: Float32Array, warped: Float32Array): void {
  const fx = K.fx, fy = K.fy, cx = K.cx, cy = K.cy;
  // The transform in locals, not read through the matrix on every pixel (the same values, in the same order).
  const m0 = M[0], m1 = M[1], m2 = M[2], m3 = M[3], m4 = M[4], m5 = M[5], m6 = M[6], m7 = M[7], m8 = M[8], m9 = M[9], m10 = M[10], m11 = M[11];
  warped.fill(0);
  for (let y = 0; y < h; y++) {
    const ry = rayY[y];
    for (let x = 0; x < w; x++) {
      const z = prev[y * w + x];
      if (!(z > 0)) continue;
      const X = rayX[x] * z, Y = ry * z;
      const zc = m8 * X + m9 * Y + m10 * z + m11;
      if (!(zc > 1e-6)) continue;
      const xc = m0 * X + m1 * Y + m2 * z + m3;
      const yc = m4 * X + m5 * Y + m6 * z + m7;
      const u = Math.floor(((xc / zc) * fx + cx + 0.5) / sx);
      const v = Math.floor(((yc / zc) * fy + cy + 0.5) / sy);
      if (u < 0 || v < 0 || u >= w || v >= h) continue;
      const i = v * w + u;
      if (warped[i] === 0 || zc < warped[i]) warped[i] = zc; // nearest surface wins
    }
  }
}

/**
 * Moving toward a surface spreads its pixels apart, and the splat leaves one-pixel cracks: left
 * unfiltered among filtered neighbours, they showed as a grid of thin lines in the depth. A crack
 * takes the nearest of two opposite neighbours when both sides of it landed.
 */
function fillCracks(warped: Float32Array, w: number, h: number, pairs: Int32Array, crackAt: Int32Array, crackZ: Float32Array): void {
  let nc = 0;
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (warped[i] > 0) continue;
      let z = Infinity;
      // Opposite neighbours: left/right, up/down, and the diagonals (where two cracks cross).
      for (let k = 0; k < 4; k++) {
        const o = pairs[k], a = warped[i - o], b = warped[i + o];
        if (a > 0 && b > 0) z = Math.min(z, a, b);
      }
      if (z < Infinity) { crackAt[nc] = i; crackZ[nc++] = z; }
    }
  for (let c = 0; c < nc; c++) warped[crackAt[c]] = crackZ[c];
}
