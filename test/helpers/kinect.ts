import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quatToMat3 } from '../../src-main/engine/geometry/linalg.ts';
import type { Mat4 } from '../../src-main/common/types.ts';

/**
 * Reading a Kinect sequence of ../shared/datasets (kinect-room-5: depth/<k>.pgm, 16-bit mm; pose.txt,
 * "tx ty tz qx qy qz qw" camera-to-world a line) for the kernels' bit-equality tests on real frames.
 */

/** Frame k's depth in metres, every other pixel (w x h: half the PGM's size), 0 where the sensor had none. */
export function kinectDepth(dir: string, k: number, w: number, h: number): Float32Array {
  const buf = readFileSync(join(dir, 'depth', `${k}.pgm`));
  const header = buf.toString('latin1', 0, 20).match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/)!;
  const W = Number(header[1]), at = header[0].length;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = buf.readUInt16BE(at + 2 * (2 * y * W + 2 * x)) / 1000;
  return out;
}

/** The sequence's camera-to-world poses, row-major 4x4. */
export function kinectPoses(dir: string): Mat4[] {
  return readFileSync(join(dir, 'pose.txt'), 'utf8').trim().split('\n').map((l) => {
    const [tx, ty, tz, qx, qy, qz, qw] = l.trim().split(/\s+/).map(Number);
    const R = quatToMat3(qx, qy, qz, qw);
    return [R[0], R[1], R[2], tx, R[3], R[4], R[5], ty, R[6], R[7], R[8], tz, 0, 0, 0, 1];
  });
}

/** A typed array's bytes, to compare two arrays bit for bit. */
export const bits = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength);
