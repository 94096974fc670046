import type { Intrinsics } from '../types.ts';
import type { ParamSpec, ParamValue, ResolvedParams } from './params.ts';

export type EffectId = 'fog' | 'refocus' | 'relight';
export const EFFECT_IDS: readonly EffectId[] = ['fog', 'refocus', 'relight'];

export type Easing = 'linear' | 'ease-in' | 'ease-out' | 'ease-in-out' | 'hold';
export const EASINGS: readonly Easing[] = ['linear', 'ease-in', 'ease-out', 'ease-in-out', 'hold'];

/** `ease` shapes the segment from this keyframe to the next one. */
export interface Keyframe {
  /** Seconds from the start of the clip (frame index / fps), so keys survive a frame-rate change. */
  t: number;
  value: ParamValue;
  ease: Easing;
}

/** One entry of a stack: the preset and project-file format (plain JSON). */
export interface EffectInstance {
  effect: EffectId;
  enabled: boolean;
  /** Every parameter of the effect, defaults filled in on load. */
  params: Record<string, ParamValue>;
  /** Optional animation per numeric/colour/vec3 parameter, sorted by time. */
  keyframes: Record<string, Keyframe[]>;
}
export type EffectStack = EffectInstance[];

/**
 * What a kernel sees. `dist` is the normalised distance (0 = near, 1 = far) at frame resolution, the
 * same for metric and relative-inverse depth (see distance.ts); `nearRatio` = z_near / z_far lets
 * kernels rebuild scene-space points z = nearRatio + dist * (1 - nearRatio) (far plane at z = 1).
 */
export interface EffectInput {
  width: number;
  height: number;
  rgb: Uint8Array;
  dist: Float32Array;
  nearRatio: number;
  K: Intrinsics;
  /** The same distance at the analysis resolution (surface-scale work: relight's normals and shadows). */
  low: LowDistance;
}

export interface LowDistance {
  dist: Float32Array;
  width: number;
  height: number;
}

/** What the app, CLI and project files know of an effect: its id, names and one parameter schema. */
export interface EffectSpec {
  id: EffectId;
  label: string;
  description: string;
  params: ParamSpec[];
}

/** A spec with its CPU kernel (engine/effects/registry.ts). */
export interface EffectDef extends EffectSpec {
  /** Pure: reads `input`, writes RGB8 into `out` (same size; never aliases input.rgb). */
  apply(input: EffectInput, params: ResolvedParams, out: Uint8Array): void;
}
