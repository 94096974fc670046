import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { withAtomicDir } from '../../src-main/util/atomic.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { mul3, quatToMat3 } from '../../src-main/engine/geometry/linalg.ts';

/** NED body axes (x forward, y right, z down) to the optical frame (x right, y down, z forward). */
const NED_TO_CV = [0, 0, 1, 1, 0, 0, 0, 1, 0];

/** A sub-sequence: `count` frames from `start` (tests use short slices). */
export interface Range { start?: number; count?: number }
const pick = <T>(a: T[], r: Range) => a.slice(r.start ?? 0, (r.start ?? 0) + (r.count ?? a.length));

const name6 = (i: number) => `${String(i).padStart(6, '0')}.png`;

function poseRow(t: number[], R: number[]): string {
  return [R[0], R[1], R[2], t[0], R[3], R[4], R[5], t[1], R[6], R[7], R[8], t[2], 0, 0, 0, 1].join(' ');
}

/** Converts a shared dataset (tartanair-hospital or kinect-room-5 layout) into the harness layout. */
export async function convertDataset(src: string, out: string, range: Range = {}): Promise<{ layout: string; frames: number }> {
  if (existsSync(join(src, 'pose_left.txt'))) return withAtomicDir(out, (tmp) => convertTartan(src, tmp, range), { replace: true });
  if (existsSync(join(src, 'pose.txt')) && existsSync(join(src, 'depth'))) return withAtomicDir(out, (tmp) => convertKinect(src, tmp, range), { replace: true });
  throw new UserError(`${src}: unknown dataset layout (expected TartanAir rgb/ depth_mm/ pose_left.txt, or color/ depth/ pose.txt)`);
}

async function convertTartan(src: string, out: string, range: Range) {
  const all = (await readdir(join(src, 'rgb'))).filter((f) => f.endsWith('.png')).sort();
  const files = pick(all, range);
  await mkdir(join(out, 'frames')); await mkdir(join(out, 'gt_depth'));
  for (let i = 0; i < files.length; i++) {
    await copyFile(join(src, 'rgb', files[i]), join(out, 'frames', name6(i)));
    await copyFile(join(src, 'depth_mm', files[i]), join(out, 'gt_depth', name6(i)));
  }
  const rows = (await readFile(join(src, 'pose_left.txt'), 'utf8')).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const lines = pick(rows, range).map((r) => poseRow(r.slice(0, 3), mul3(quatToMat3(r[3], r[4], r[5], r[6]), NED_TO_CV)));
  await writeFile(join(out, 'gt_poses.txt'), lines.join('\n') + '\n');
  await writeFile(join(out, 'K.txt'), '320 320 320 240\n');
  return { layout: 'tartanair', frames: files.length };
}

/** 16-bit binary PGM (P5, big-endian) to raw values. */
function readPgm16(buf: Buffer): { width: number; height: number; data: Uint16Array } {
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!m || Number(m[3]) < 256) throw new UserError('depth file is not a 16-bit binary PGM');
  const width = Number(m[1]), height = Number(m[2]);
  const body = buf.subarray(m[0].length);
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = body.readUInt16BE(i * 2);
  return { width, height, data };
}

async function convertKinect(src: string, out: string, range: Range) {
  const files = pick((await readdir(join(src, 'color'))).filter((f) => f.endsWith('.png')).sort((a, b) => parseInt(a) - parseInt(b)), range);
  await mkdir(join(out, 'frames')); await mkdir(join(out, 'gt_depth'));
  for (let i = 0; i < files.length; i++) {
    await copyFile(join(src, 'color', files[i]), join(out, 'frames', name6(i)));
    const pgm = readPgm16(await readFile(join(src, 'depth', files[i].replace(/\.png$/, '.pgm'))));
    const png = PNG.sync.write({ width: pgm.width, height: pgm.height, data: pgm.data } as unknown as PNG, { colorType: 0, inputColorType: 0, bitDepth: 16, inputHasAlpha: false });
    await writeFile(join(out, 'gt_depth', name6(i)), png);
  }
  const rows = (await readFile(join(src, 'pose.txt'), 'utf8')).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const lines = pick(rows, range).map((r) => poseRow(r.slice(0, 3), quatToMat3(r[3], r[4], r[5], r[6])));
  await writeFile(join(out, 'gt_poses.txt'), lines.join('\n') + '\n');
  await writeFile(join(out, 'K.txt'), '518.0 519.0 325.5 253.5\n');
  return { layout: 'kinect', frames: files.length };
}
