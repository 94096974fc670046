import type { EffectDef, EffectId } from '../../common/effects/types.ts';
import { fogEffect } from './fog.ts';
import { refocusEffect } from './refocus.ts';
import { relightEffect } from './relight.ts';

/** Every effect's spec (common/effects/specs.ts) with its CPU kernel: what export runs. */
export const effectRegistry: Readonly<Record<EffectId, EffectDef>> = {
  fog: fogEffect,
  refocus: refocusEffect,
  relight: relightEffect,
};

export { effectIds } from '../../common/effects/specs.ts';

export function getEffect(id: string): EffectDef | undefined {
  return Object.prototype.hasOwnProperty.call(effectRegistry, id) ? effectRegistry[id as EffectId] : undefined;
}
