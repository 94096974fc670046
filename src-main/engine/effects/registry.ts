import { fogEffect } from './fog.ts';
import { isolateEffect } from './isolate.ts';
import { refocusEffect } from './refocus.ts';
import { relightEffect } from './relight.ts';
import type { EffectDef, EffectId } from './types.ts';

/** Every effect the product has, by id: the CLI, the app inspector and export all read this one table. */
export const effectRegistry: Readonly<Record<EffectId, EffectDef>> = {
  fog: fogEffect,
  refocus: refocusEffect,
  relight: relightEffect,
  isolate: isolateEffect,
};

export const effectIds = (): EffectId[] => Object.keys(effectRegistry) as EffectId[];

export function getEffect(id: string): EffectDef | undefined {
  return Object.prototype.hasOwnProperty.call(effectRegistry, id) ? effectRegistry[id as EffectId] : undefined;
}
