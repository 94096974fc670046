import type { DepthMap, Intrinsics } from '../../common/types.ts';
import { applyStack, prepareDepth, type Picture } from './apply.ts';
import type { DepthRange } from '../../common/effects/distance.ts';
import type { EffectStack } from '../../common/effects/types.ts';
import { depthPlane } from './upsample.ts';

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
  /** A recycled buffer of the frame's size to render into (see util/buffer-pool.ts). */
  into?: Uint8Array;
}

export interface FrameResult {
  rgb: Uint8Array;
  depth?: Float32Array;
  /** The job's source frame, handed back (from a worker, moved back) so its buffer can be recycled. */
  source: Uint8Array;
}

export function renderFrame(job: FrameJob): FrameResult {
  const { depth, frame } = job;
  // The distance is scratch for this frame: kept in the kernels' memory, where the effects read it in place.
  const plane = depthPlane(frame.width, frame.height, depth.width, depth.height);
  const prep = prepareDepth(depth, frame, job.range, job.wantDepth, plane);
  const rgb = applyStack(job.frame, prep, job.K, job.stack, job.time, job.into);
  return prep.raw ? { rgb, depth: prep.raw, source: job.frame.data } : { rgb, source: job.frame.data };
}
