import type { Mat4 } from '../../common/types.ts';

/** Angular cell of the depth test, in normalised image coordinates (x/z, y/z): about 1/100 of a 60-degree view. */
const CELL = 1 / 96;
/** At most this many fused points are projected per test (the test needs the surface, not every point). */
const SAMPLE = 150_000;

export interface SurfaceAgreement {
  /** Points of the frame that fall where the fused surface is seen. */
  overlap: number;
  /** Their share of the frame's points. */
  share: number;
  /** Median of log(frame depth / fused surface depth) over them: 0 = same surface, > 0 = frame behind. */
  logRatio: number;
}

/**
 * How a frame's points sit against the cloud fused so far, seen from the frame's camera: the fused
 * points are splatted into a coarse z-buffer of ray directions (nearest depth per cell), and each of the
 * frame's points is compared with the nearest fused depth along its ray. A frame whose depth is at
 * another scale or offset (a model's scale jump, a pose off) shows a median ratio away from 0: fused in,
 * it would lay a second, shifted copy of the surface over the first (the "fan of layers").
 */
export function surfaceAgreement(fused: Float32Array, frame: Float32Array, c2w: Mat4): SurfaceAgreement {
  const toCam = (p: Float32Array, i: number): [number, number, number] => {
    const dx = p[i] - c2w[3], dy = p[i + 1] - c2w[7], dz = p[i + 2] - c2w[11];
    return [c2w[0] * dx + c2w[4] * dy + c2w[8] * dz, c2w[1] * dx + c2w[5] * dy + c2w[9] * dz, c2w[2] * dx + c2w[6] * dy + c2w[10] * dz];
  };
  const key = (x: number, y: number, z: number) => (Math.floor(x / z / CELL) + 32768) * 65536 + (Math.floor(y / z / CELL) + 32768);
  const zbuf = new Map<number, number>();
  const step = 3 * Math.max(1, Math.ceil(fused.length / 3 / SAMPLE));
  for (let i = 0; i < fused.length; i += step) {
    const [x, y, z] = toCam(fused, i);
    if (!(z > 0) || Math.abs(x) > 4 * z || Math.abs(y) > 4 * z) continue;
    const k = key(x, y, z), old = zbuf.get(k);
    if (old === undefined || z < old) zbuf.set(k, z);
  }
  const logs: number[] = [];
  let n = 0;
  for (let i = 0; i < frame.length; i += 3) {
    const [x, y, z] = toCam(frame, i);
    if (!(z > 0)) continue;
    n++;
    const f = zbuf.get(key(x, y, z));
    if (f !== undefined) logs.push(Math.log(z / f));
  }
  logs.sort((a, b) => a - b);
  return { overlap: logs.length, share: n ? logs.length / n : 0, logRatio: logs.length ? logs[logs.length >> 1] : 0 };
}
