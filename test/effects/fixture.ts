import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { depthRangeOf, prepareDepth, type DepthRange, type PreparedDepth } from '../../src-main/engine/effects/index.ts';
import { scaleIntrinsics } from '../../src-main/common/camera/intrinsics.ts';
import type { DepthMap, Intrinsics, RgbFrame } from '../../src-main/common/types.ts';
import { clip } from '../helpers/shared.ts';

/** One shared depth cache for the effects tests: the analysis of a frame is computed once per machine. */
export const TEST_CACHE = join(tmpdir(), 'gemdepth-effects-test-cache');

export interface RealFrame {
  frame: RgbFrame;
  depth: DepthMap;
  range: DepthRange;
  K: Intrinsics;
  prep: PreparedDepth;
}

/** A real clip frame (optionally resized) with its real FastDepth depth from the engine. */
export async function realFrame(name = 'cockatoo.mp4', index = 0, size?: { width: number; height: number }): Promise<RealFrame> {
  const a = await runAnalysis({ input: clip(name), start: index, end: index, cacheDir: TEST_CACHE, preview: false });
  const depth = await a.readDepth(index);
  const frame = await readFrame(a.info, index, size ?? {});
  const range = depthRangeOf(depth);
  return { frame, depth, range, K: scaleIntrinsics(a.intrinsics, frame.width, frame.height), prep: prepareDepth(depth, frame, range) };
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Mean squared luminance gradient over the pixels where mask is true. */
export function gradientEnergy(rgb: Uint8Array, W: number, H: number, mask: (i: number) => boolean): number {
  const lum = (i: number) => 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  let e = 0;
  let n = 0;
  for (let y = 0; y < H - 1; y++)
    for (let x = 0; x < W - 1; x++) {
      const i = y * W + x;
      if (!mask(i)) continue;
      const gx = lum(i + 1) - lum(i);
      const gy = lum(i + W) - lum(i);
      e += gx * gx + gy * gy;
      n++;
    }
  return n ? e / n : 0;
}
