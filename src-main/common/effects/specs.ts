import { fogSpec } from './fog.ts';
import { refocusSpec } from './refocus.ts';
import { relightSpec } from './relight.ts';
import type { EffectId, EffectSpec } from './types.ts';

/**
 * Every effect the product has, by id, without its kernel: the CLI, the app inspector, project files and
 * the preview's shaders read this one table (the engine's registry adds the CPU kernels).
 */
export const effectSpecs: Readonly<Record<EffectId, EffectSpec>> = {
  fog: fogSpec,
  refocus: refocusSpec,
  relight: relightSpec,
};

export const effectIds = (): EffectId[] => Object.keys(effectSpecs) as EffectId[];

export function getEffectSpec(id: string): EffectSpec | undefined {
  return Object.prototype.hasOwnProperty.call(effectSpecs, id) ? effectSpecs[id as EffectId] : undefined;
}
