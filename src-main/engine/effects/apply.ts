import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import type { DepthMap, Intrinsics } from '../../common/types.ts';
import { toDistance, nearRatioOf, type DepthRange } from '../../common/effects/distance.ts';
import { evaluateParams } from '../../common/effects/keyframes.ts';
import { getEffect } from './registry.ts';
import type { EffectInput, EffectStack, LowDistance } from '../../common/effects/types.ts';
import { guidedUpsample } from './upsample.ts';

export interface Picture {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PreparedDepth {
  /** Raw depth (the map's own units) at frame resolution, edges following the frame's colour edges. */
  raw?: Float32Array;
  /** Normalised distance 0..1 at frame resolution (distance.ts). */
  dist: Float32Array;
  /** Normalised distance at the analysis resolution. */
  low: LowDistance;
  nearRatio: number;
}

/**
 * Low-res analysis depth -> normalised distance at the frame's resolution (the low-res map is mapped
 * to distance first, then guided-upsampled: cheaper than mapping every output pixel). `wantRaw` also
 * upsamples the raw depth, in its own units, for the depth passes.
 */
export function prepareDepth(
  depth: Pick<DepthMap, 'data' | 'width' | 'height'>,
  frame: Picture,
  range: DepthRange,
  wantRaw = false,
  /** Where to put the distance (e.g. upsample.ts's depthPlane, read by the kernels without a copy). */
  distInto?: Float32Array,
): PreparedDepth {
  const same = depth.width === frame.width && depth.height === frame.height;
  const up = (v: Float32Array, out?: Float32Array) => (same ? v : guidedUpsample(v, depth.width, depth.height, frame.data, frame.width, frame.height, out));
  const low = { dist: toDistance(depth.data, range), width: depth.width, height: depth.height };
  const dist = up(low.dist, distInto);
  // Raw depth for the passes, in its own units (the guided filter is linear in the depth).
  const raw = wantRaw ? (same ? new Float32Array(depth.data) : up(depth.data)) : undefined;
  return { dist, low, nearRatio: nearRatioOf(range), raw };
}

/**
 * Applies the enabled effects in order at time `t` (seconds; keyframes evaluated there). Pure: the
 * input frame is not modified; returns the result in `into` when given (a recycled buffer: every
 * effect writes every pixel of its output), else in a new RGB8 buffer.
 */
export function applyStack(
  frame: Picture,
  prep: Pick<PreparedDepth, 'dist' | 'nearRatio'> & { low?: LowDistance },
  K: Intrinsics,
  stack: EffectStack,
  t: number,
  into?: Uint8Array,
): Uint8Array {
  const Kf = K.width === frame.width && K.height === frame.height ? K : scaleIntrinsics(K, frame.width, frame.height);
  const result = into && into.length === frame.data.length ? into : new Uint8Array(frame.data.length);
  const steps = stack.filter((inst) => inst.enabled);
  // A distance given at frame resolution only (synthetic scenes) is its own low-resolution map.
  const low = prep.low ?? { dist: prep.dist, width: frame.width, height: frame.height };
  // Effects ping-pong between the result and one scratch buffer, ordered so that the last writes the result.
  let scratch: Uint8Array | null = null;
  let src = frame.data;
  steps.forEach((inst, k) => {
    const def = getEffect(inst.effect);
    if (!def) throw new Error(`unknown effect ${inst.effect}`);
    const out = (steps.length - 1 - k) % 2 === 0 ? result : (scratch ??= new Uint8Array(frame.data.length));
    const input: EffectInput = { width: frame.width, height: frame.height, rgb: src, dist: prep.dist, low, nearRatio: prep.nearRatio, K: Kf };
    def.apply(input, evaluateParams(def.params, inst, t), out);
    src = out;
  });
  if (!steps.length) result.set(frame.data);
  return result;
}
