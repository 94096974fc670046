import type { DepthMap, Intrinsics } from '../../common/types.ts';
import { applyStack, prepareDepth, type Picture } from './apply.ts';
import type { DepthRange } from '../../common/effects/distance.ts';
import type { EffectStack } from '../../common/effects/types.ts';
import { depthPlane, rgbSlots } from './upsample.ts';
import { rgbToYuv420, yuvToRgb } from './yuv.ts';
import type { PipeFormats } from '../decode/pipe-format.ts';

/** Everything needed to render one output frame: plain data, so it crosses to a worker thread as is. */
export interface FrameJob {
  frame: Picture;
  depth: Pick<DepthMap, 'data' | 'width' | 'height'>;
  range: DepthRange;
  /** For the depth's or the frame's resolution; rescaled as needed. */
  K: Intrinsics;
  stack: EffectStack;
  /** Seconds, for keyframes. */
  time: number;
  /** Also return the upsampled raw depth (for depth passes). */
  wantDepth?: boolean;
  /** A recycled buffer of the output's size to render into (see util/buffer-pool.ts). */
  into?: Uint8Array;
  /** The pipes' formats when not RGB both ways: the frame's data arrives, and the result leaves, as these say. */
  pipes?: PipeFormats;
}

export interface FrameResult {
  /** The rendered frame: RGB8, or planar 4:2:0 when the job's pipes say the encoder takes yuv420p. */
  rgb: Uint8Array;
  depth?: Float32Array;
  /** The job's source frame, handed back (from a worker, moved back) so its buffer can be recycled. */
  source: Uint8Array;
}

export function renderFrame(job: FrameJob): FrameResult {
  const { depth, pipes } = job;
  const { width, height } = job.frame;
  // The distance is scratch for this frame: kept in the kernels' memory, where the effects read it in place.
  const plane = depthPlane(width, height, depth.width, depth.height);
  const slots = rgbSlots(width, height, depth.width, depth.height);
  // A YUV frame is converted here, on the worker, and its RGB put where the kernels read it.
  const frame = pipes && pipes.decode !== 'rgb24' ? { width, height, data: inSlot(yuvToRgb(job.frame.data, pipes.decode, width, height, pipes.colour), slots.src) } : job.frame;
  const prep = prepareDepth(depth, frame, job.range, job.wantDepth, plane);
  const yuvOut = pipes?.encode === 'yuv420p';
  // Converted to YUV next, one effect's RGB result can stay in the kernels' result slot (with more, the
  // stack's ping-pong would give an effect that slot as both its input and its output).
  const one = job.stack.filter((e) => e.enabled).length === 1;
  const target = yuvOut ? (one ? slots.out : rgbScratch(width * height * 3)) : job.into;
  const rendered = applyStack(frame, prep, job.K, job.stack, job.time, target);
  const rgb = yuvOut ? rgbToYuv420(rendered, width, height, pipes.outColour, job.into) : rendered;
  return prep.raw ? { rgb, depth: prep.raw, source: job.frame.data } : { rgb, source: job.frame.data };
}

function inSlot(rgb: Uint8Array, slot: Uint8Array): Uint8Array {
  slot.set(rgb);
  return slot;
}

/** The effects' RGB result before its conversion to YUV: one buffer per thread, reused. */
let scratch: Uint8Array | null = null;
function rgbScratch(bytes: number): Uint8Array {
  if (scratch?.length !== bytes) scratch = new Uint8Array(bytes);
  return scratch;
}
