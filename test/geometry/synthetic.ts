/**
 * A tiny ray-cast renderer for pose tests: the inside of a textured box room seen by a pinhole camera
 * along a known path. Ground truth comes from construction, so pose errors can be bounded exactly.
 */
import type { DepthMap, Intrinsics, Mat4, RgbFrame } from '../../src-main/common/types.ts';

function hash(x: number, y: number, s: number): number {
  let h = (x * 374761393 + y * 668265263 + s * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Value noise at several scales: corners at every size, like real surfaces. */
function texture(u: number, v: number, face: number): number {
  let a = 0, amp = 1, f = 4;
  for (let o = 0; o < 4; o++) {
    const x = u * f, y = v * f, xi = Math.floor(x), yi = Math.floor(y), fx = x - xi, fy = y - yi;
    const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
    const n00 = hash(xi, yi, face * 7 + o), n10 = hash(xi + 1, yi, face * 7 + o), n01 = hash(xi, yi + 1, face * 7 + o), n11 = hash(xi + 1, yi + 1, face * 7 + o);
    a += amp * ((n00 * (1 - sx) + n10 * sx) * (1 - sy) + (n01 * (1 - sx) + n11 * sx) * sy);
    amp *= 0.55; f *= 2.3;
  }
  return a / 2.1;
}

export interface SyntheticFrame { rgb: RgbFrame; depth: DepthMap; c2w: Mat4 }

/** Renders the room [-3,3] x [-2,2] x [-2,6] (y down) from camera-to-world pose c2w. */
export function renderRoom(c2w: Mat4, K: Intrinsics, index: number): SyntheticFrame {
  const { width: w, height: h } = K;
  const data = new Uint8Array(w * h * 3), depth = new Float32Array(w * h);
  const lo = [-3, -2, -2], hi = [3, 2, 6];
  const o = [c2w[3], c2w[7], c2w[11]];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rc = [(x + 0.5 - K.cx) / K.fx, (y + 0.5 - K.cy) / K.fy, 1];
      const d = [0, 1, 2].map((r) => c2w[r * 4] * rc[0] + c2w[r * 4 + 1] * rc[1] + c2w[r * 4 + 2] * rc[2]);
      let tBest = Infinity, face = 0;
      for (let a = 0; a < 3; a++) {
        if (Math.abs(d[a]) < 1e-9) continue;
        const t = ((d[a] > 0 ? hi[a] : lo[a]) - o[a]) / d[a];
        if (t > 0 && t < tBest) { tBest = t; face = a * 2 + (d[a] > 0 ? 1 : 0); }
      }
      const p = [o[0] + d[0] * tBest, o[1] + d[1] * tBest, o[2] + d[2] * tBest];
      const ax = Math.floor(face / 2);
      const [u, v] = ax === 0 ? [p[2], p[1]] : ax === 1 ? [p[0], p[2]] : [p[0], p[1]];
      const g = texture(u * 0.5 + 10, v * 0.5 + 10, face);
      const i = y * w + x;
      const shade = 0.6 + 0.1 * face / 5;
      data[i * 3] = Math.min(255, 255 * g * shade + 20);
      data[i * 3 + 1] = Math.min(255, 255 * g * shade * 0.9 + 25 * (face % 3));
      data[i * 3 + 2] = Math.min(255, 255 * g * shade * 0.8 + 15 * face);
      depth[i] = tBest; // rc has z = 1, so the ray parameter is the z-depth
    }
  return {
    rgb: { index, time: index / 25, width: w, height: h, data },
    depth: { index, width: w, height: h, kind: 'metric', data: depth },
    c2w,
  };
}

/** Camera-to-world from yaw (about y) and a position. */
export function poseYaw(yaw: number, pos: [number, number, number], pitch = 0): Mat4 {
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  // R = Ry(yaw) * Rx(pitch)
  const R = [cy, sy * sp, sy * cp, 0, cp, -sp, -sy, cy * sp, cy * cp];
  return [R[0], R[1], R[2], pos[0], R[3], R[4], R[5], pos[1], R[6], R[7], R[8], pos[2], 0, 0, 0, 1];
}

/**
 * The depth a small model would give: right on average but with a smooth shape error and a per-frame
 * scale wobble, so the test exercises alignment rather than copying ground truth.
 */
export function corruptDepth(d: DepthMap, frame: number): DepthMap {
  const out = new Float32Array(d.data.length);
  const scale = 1 + 0.08 * Math.sin(frame * 1.3);
  for (let y = 0; y < d.height; y++)
    for (let x = 0; x < d.width; x++) {
      const i = y * d.width + x;
      out[i] = d.data[i] * scale * (1 + 0.15 * Math.sin((x / d.width) * 3 + frame * 0.1) * Math.cos((y / d.height) * 2));
    }
  return { ...d, data: out };
}
