import { open } from 'node:fs/promises';
import { withAtomicFile } from '../../util/atomic.ts';
import { UserError } from '../../common/errors.ts';
import type { OutputPolicy } from '../../util/output-guard.ts';
import type { DepthMap, Intrinsics, Mat4, RgbFrame } from '../../common/types.ts';
import { surfaceAgreement } from './cloud-gate.ts';

export interface PointCloud {
  positions: Float32Array;
  colors: Uint8Array;
}

/**
 * World-space points of one frame. Relative inverse depth is turned into depth as 1/x (the stage's
 * output is already consistent over the shot, so these land in one world). K is for the depth grid;
 * the RGB frame may be any size.
 */
export function backproject(depth: DepthMap, rgb: RgbFrame | null, K: Intrinsics, pose: Mat4, stride = 1): PointCloud {
  const w = depth.width, h = depth.height;
  const sx = K.width / w, sy = K.height / h;
  const pos: number[] = [];
  const col: number[] = [];
  for (let y = 0; y < h; y += stride)
    for (let x = 0; x < w; x += stride) {
      const v = depth.data[y * w + x];
      if (!(v > 0) || !Number.isFinite(v)) continue;
      const z = depth.kind === 'metric' ? v : 1 / v;
      if (!Number.isFinite(z)) continue;
      const u = (x + 0.5) * sx - 0.5, vv = (y + 0.5) * sy - 0.5;
      const X = ((u - K.cx) / K.fx) * z, Y = ((vv - K.cy) / K.fy) * z;
      pos.push(
        pose[0] * X + pose[1] * Y + pose[2] * z + pose[3],
        pose[4] * X + pose[5] * Y + pose[6] * z + pose[7],
        pose[8] * X + pose[9] * Y + pose[10] * z + pose[11],
      );
      if (rgb) {
        const rx = Math.min(rgb.width - 1, Math.floor(((x + 0.5) * rgb.width) / w));
        const ry = Math.min(rgb.height - 1, Math.floor(((y + 0.5) * rgb.height) / h));
        const o = (ry * rgb.width + rx) * 3;
        col.push(rgb.data[o], rgb.data[o + 1], rgb.data[o + 2]);
      } else col.push(200, 200, 200);
    }
  return { positions: Float32Array.from(pos), colors: Uint8Array.from(col) };
}

/**
 * Accumulates clouds into voxels (mean position and colour per voxel), so a whole clip fuses into a
 * cloud whose size depends on the scene's extent, not on the number of frames.
 */
export function createVoxelGrid(voxel: number) {
  if (!(voxel > 0)) throw new UserError(`voxel size ${voxel} must be positive`);
  const cells = new Map<string, Float64Array>(); // sx, sy, sz, r, g, b, n
  return {
    add(c: PointCloud) {
      for (let i = 0; i < c.positions.length / 3; i++) {
        const x = c.positions[i * 3], y = c.positions[i * 3 + 1], z = c.positions[i * 3 + 2];
        const key = `${Math.floor(x / voxel)},${Math.floor(y / voxel)},${Math.floor(z / voxel)}`;
        let a = cells.get(key);
        if (!a) { a = new Float64Array(7); cells.set(key, a); }
        a[0] += x; a[1] += y; a[2] += z;
        a[3] += c.colors[i * 3]; a[4] += c.colors[i * 3 + 1]; a[5] += c.colors[i * 3 + 2]; a[6]++;
      }
    },
    get size() { return cells.size; },
    cloud(): PointCloud {
      const positions = new Float32Array(cells.size * 3), colors = new Uint8Array(cells.size * 3);
      let i = 0;
      for (const a of cells.values()) {
        for (let k = 0; k < 3; k++) { positions[i * 3 + k] = a[k] / a[6]; colors[i * 3 + k] = Math.round(a[3 + k] / a[6]); }
        i++;
      }
      return { positions, colors };
    },
  };
}

/**
 * Fuses a shot's per-frame clouds: the voxel is 1/100 of the first frame's median viewing distance,
 * fine enough to keep shapes in whatever unit the depth has, coarse enough to bound the cloud.
 * A frame whose depth sits at another scale than the surface fused so far (cloud-gate.ts) would lay a
 * shifted copy over it (the "fan of layers"): within ALIGN_MAX_LOG it is scaled along its camera's rays
 * onto that surface (it still projects to the same pixels of its own frame), further off it is left out.
 * Leaving every disagreeing frame out instead kept only a long shot's first frames, as the depth's scale
 * drifts slowly along it. `aligned` and `left` count them.
 */
export function createCloudFuser() {
  let grid: ReturnType<typeof createVoxelGrid> | null = null;
  let left = 0, kept = 0, aligned = 0;
  return {
    /** Returns false when the frame was left out. */
    add(c: PointCloud, pose: Mat4): boolean {
      if (grid && grid.size) {
        const a = surfaceAgreement(grid.cloud().positions, c.positions, pose);
        if (a.overlap >= GATE_MIN_OVERLAP && a.share >= GATE_MIN_SHARE && Math.abs(a.logRatio) > GATE_MAX_LOG) {
          if (Math.abs(a.logRatio) > ALIGN_MAX_LOG) { left++; return false; }
          c = scaleAlongRays(c, pose, Math.exp(-a.logRatio));
          aligned++;
        }
      }
      grid ??= createVoxelGrid(voxelSizeFor(c, pose));
      grid.add(c);
      kept++;
      return true;
    },
    cloud(): PointCloud {
      return grid ? grid.cloud() : { positions: new Float32Array(0), colors: new Uint8Array(0) };
    },
    get stats() { return { kept, aligned, left }; },
  };
}

/** The cloud with every point's distance from the camera centre multiplied by `s`. */
function scaleAlongRays(c: PointCloud, c2w: Mat4, s: number): PointCloud {
  const p = new Float32Array(c.positions.length);
  const o = [c2w[3], c2w[7], c2w[11]];
  for (let i = 0; i < p.length; i++) p[i] = o[i % 3] + (c.positions[i] - o[i % 3]) * s;
  return { positions: p, colors: c.colors };
}

/**
 * The disagreement gate: a frame is judged where at least this many of its points (and this share) see
 * the fused surface, and left out when its median depth there is off by more than GATE_MAX_LOG (log
 * ratio; 0.05 = 5%).
 */
const GATE_MIN_OVERLAP = 200;
const GATE_MIN_SHARE = 0.2;
const GATE_MAX_LOG = 0.05;
/** Beyond this (about 1.5x) a frame's depth is not a slow drift of the same surface but a failure: left out. */
const ALIGN_MAX_LOG = 0.4;

function voxelSizeFor(c: PointCloud, pose: Mat4): number {
  const d: number[] = [];
  for (let i = 0; i < c.positions.length; i += 3 * 16) {
    d.push(Math.hypot(c.positions[i] - pose[3], c.positions[i + 1] - pose[7], c.positions[i + 2] - pose[11]));
  }
  d.sort((x, y) => x - y);
  const median = d[d.length >> 1] ?? 1;
  return median > 0 && Number.isFinite(median) ? median / 100 : 0.01;
}

/** Binary little-endian PLY, vertices with float x,y,z and uchar red,green,blue; written atomically. */
export async function writePly(path: string, cloud: PointCloud, o: { unit?: string; policy?: OutputPolicy } = {}): Promise<void> {
  const unit = o.unit;
  const n = cloud.positions.length / 3;
  if (cloud.colors.length !== n * 3) throw new Error(`point cloud has ${n} positions but ${cloud.colors.length / 3} colours`);
  const header =
    'ply\nformat binary_little_endian 1.0\ncomment GemDepth Studio\n' +
    (unit ? `comment units: ${unit.replace(/\n/g, ' ')}\n` : '') +
    `element vertex ${n}\nproperty float x\nproperty float y\nproperty float z\n` +
    'property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n';
  await withAtomicFile(path, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      await fh.write(Buffer.from(header, 'ascii'));
      const chunk = 65536;
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        const buf = Buffer.alloc(m * 15);
        for (let i = 0; i < m; i++) {
          const o = i * 15, j = (s + i) * 3;
          buf.writeFloatLE(cloud.positions[j], o);
          buf.writeFloatLE(cloud.positions[j + 1], o + 4);
          buf.writeFloatLE(cloud.positions[j + 2], o + 8);
          buf[o + 12] = cloud.colors[j]; buf[o + 13] = cloud.colors[j + 1]; buf[o + 14] = cloud.colors[j + 2];
        }
        await fh.write(buf);
      }
    } finally {
      await fh.close();
    }
  }, o.policy);
}

/** Parses a binary PLY written by writePly (tests and tools that re-read exports). */
export function readPly(buf: Buffer): PointCloud {
  const end = buf.indexOf('end_header\n');
  if (end < 0 || !buf.subarray(0, 4).equals(Buffer.from('ply\n'))) throw new Error('not a PLY file');
  const header = buf.subarray(0, end).toString('ascii');
  if (!header.includes('format binary_little_endian 1.0')) throw new Error('PLY is not binary little-endian');
  const n = Number(/element vertex (\d+)/.exec(header)?.[1] ?? NaN);
  const body = buf.subarray(end + 'end_header\n'.length);
  if (!Number.isInteger(n) || body.length !== n * 15) throw new Error(`PLY body has ${body.length} bytes, expected ${n * 15}`);
  const positions = new Float32Array(n * 3), colors = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) { positions[i * 3 + k] = body.readFloatLE(i * 15 + k * 4); colors[i * 3 + k] = body[i * 15 + 12 + k]; }
  }
  return { positions, colors };
}
