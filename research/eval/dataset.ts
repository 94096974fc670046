import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { UserError } from '../../src-main/common/errors.ts';
import type { Intrinsics, Mat4, RgbFrame } from '../../src-main/common/types.ts';

/**
 * An evaluation sequence in the harness layout: frames/ (images), gt_depth/%06d.png (uint16 mm, 0 invalid),
 * gt_poses.txt (16 numbers a row, camera-to-world, OpenCV axes), K.txt (fx fy cx cy).
 */
export interface EvalDataset {
  dir: string;
  frames: string[];
  K: Intrinsics;
  gtPoses: Mat4[];
  width: number;
  height: number;
}

export async function openDataset(dir: string, limit?: number): Promise<EvalDataset> {
  for (const p of ['frames', 'gt_depth', 'gt_poses.txt', 'K.txt']) {
    if (!existsSync(join(dir, p))) {
      throw new UserError(`${dir} is not an eval dataset: ${p} is missing (convert one with research/convert-dataset.ts)`);
    }
  }
  let frames = (await readdir(join(dir, 'frames'))).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  if (!frames.length) throw new UserError(`${join(dir, 'frames')} holds no PNG/JPG frames`);
  if (limit) frames = frames.slice(0, limit);
  const k = (await readFile(join(dir, 'K.txt'), 'utf8')).trim().split(/\s+/).map(Number);
  if (k.length < 4 || k.some((v) => !Number.isFinite(v))) throw new UserError(`${join(dir, 'K.txt')} must hold 4 numbers: fx fy cx cy`);
  const poses = (await readFile(join(dir, 'gt_poses.txt'), 'utf8'))
    .split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(/\s+/).map(Number));
  if (poses.length < frames.length || poses.some((p) => p.length !== 16 || p.some((v) => !Number.isFinite(v)))) {
    throw new UserError(`${join(dir, 'gt_poses.txt')} must hold one row of 16 numbers per frame (${frames.length} frames)`);
  }
  const first = await readRgb(join(dir, 'frames', frames[0]), 0);
  return {
    dir, frames, gtPoses: poses.slice(0, frames.length), width: first.width, height: first.height,
    K: { fx: k[0], fy: k[1], cx: k[2], cy: k[3], width: first.width, height: first.height },
  };
}

export async function readRgb(path: string, index: number): Promise<RgbFrame> {
  if (!/\.png$/i.test(path)) throw new UserError(`${path}: the eval harness reads PNG frames (convert JPG first)`);
  const png = PNG.sync.read(await readFile(path));
  const n = png.width * png.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) { data[i * 3] = png.data[i * 4]; data[i * 3 + 1] = png.data[i * 4 + 1]; data[i * 3 + 2] = png.data[i * 4 + 2]; }
  return { index, time: index, width: png.width, height: png.height, data };
}

/** Ground-truth depth in metres (0 = invalid). */
export async function readGtDepth(ds: EvalDataset, i: number): Promise<Float32Array> {
  const name = join(ds.dir, 'gt_depth', `${String(i).padStart(6, '0')}.png`);
  const png = PNG.sync.read(await readFile(name), { skipRescale: true } as object);
  if (png.width !== ds.width || png.height !== ds.height) throw new UserError(`${name} is ${png.width}x${png.height}, frames are ${ds.width}x${ds.height}`);
  const src = png.data as unknown as Uint16Array;
  if ((png as unknown as { depth: number }).depth !== 16) throw new UserError(`${name} must be a 16-bit PNG (millimetres)`);
  const out = new Float32Array(png.width * png.height);
  for (let p = 0; p < out.length; p++) out[p] = src[p * 4] / 1000;
  return out;
}

