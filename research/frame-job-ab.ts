/**
 * A worker's frame job through YUV pipes (effects/frame-job.ts renderFrame) against the same steps on
 * buffers of their own, as it ran before the kernels' slots held the frame and the result: CPU ms a
 * frame, alternated in one process, and whether the bytes agree (not a test):
 * `npx tsx research/frame-job-ab.ts [--clip cockatoo.mp4] [--frames 20] [--effect relight]`.
 */
import { cpuUsage } from 'node:process';
import { applyStack, parseEffectSpec, prepareDepth, renderFrame } from '../src-main/engine/effects/index.ts';
import { depthPlane } from '../src-main/engine/effects/upsample.ts';
import { rgbToYuv420, yuvToRgb } from '../src-main/engine/effects/yuv.ts';
import { clipDepthRange } from '../src-main/engine/jobs/depth-range.ts';
import type { PipeFormats } from '../src-main/engine/decode/pipe-format.ts';
import { arg, loadClip } from './relight-clip.ts';

const cpu = (f: () => void) => {
  const c = cpuUsage();
  f();
  const d = cpuUsage(c);
  return (d.user + d.system) / 1000;
};

const n = Number(arg('--frames') ?? 20);
const { info, analysis, K, frames } = await loadClip(arg('--clip') ?? 'cockatoo.mp4', 0, n + 1);
const range = await clipDepthRange(analysis);
const { width: W, height: H } = info;
const colour = { matrix: 'bt709', full: false } as const;
const pipes: PipeFormats = { decode: 'yuv420p', encode: 'yuv420p', colour, outColour: colour };
const stack = [parseEffectSpec(arg('--effect') ?? 'relight')];
let scratch: Uint8Array | null = null;
const t = [0, 0];
let same = 0;
for (let i = 0; i < frames.length; i++) {
  const depth = await analysis.readDepth(frames[i].index);
  const yuv = rgbToYuv420(frames[i].data, W, H, colour);
  const out: Uint8Array[] = [new Uint8Array(yuv.length), new Uint8Array(yuv.length)];
  const runs = [
    // Before: the converted frame left in the conversion's memory, the stack rendered into a buffer of its own.
    () => {
      const frame = { width: W, height: H, data: yuvToRgb(yuv, 'yuv420p', W, H, colour) };
      const prep = prepareDepth(depth, frame, range, false, depthPlane(W, H, depth.width, depth.height));
      scratch ??= new Uint8Array(W * H * 3);
      rgbToYuv420(applyStack(frame, prep, K, stack, 0, scratch), W, H, colour, out[0]);
    },
    () => renderFrame({ frame: { width: W, height: H, data: yuv }, depth, range, K, stack, time: 0, pipes, into: out[1] }),
  ];
  for (const k of i % 2 ? [1, 0] : [0, 1]) {
    const ms = cpu(runs[k]);
    if (i > 0) t[k] += ms;
  }
  if (Buffer.from(out[0]).equals(Buffer.from(out[1]))) same++;
}
console.log(`${W}x${H} ${stack[0].effect}, ${n} timed frames (alternated), CPU ms a frame: before ${(t[0] / n).toFixed(2)}, slots ${(t[1] / n).toFixed(2)} (${(t[1] / t[0]).toFixed(3)}x); identical bytes on ${same} of ${frames.length} frames`);
