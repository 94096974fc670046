import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectSpec, LowDistance } from './types.ts';

/**
 * Fog by distance: amount f = 1 - exp(-density * max(0, s - start)^falloff), s the normalised distance.
 * Height fog thins it with height above the camera in scene units (y up; see distance.ts):
 * density *= exp(-heightFalloff * max(0, h - heightLevel)). Density 0 is an exact identity.
 */
export const fogParams: ParamSpec[] = [
  { name: 'color', type: 'color', label: 'Colour', default: '#c8d2e0' },
  { name: 'density', type: 'number', label: 'Density', default: 1.5, min: 0, max: 10, step: 0.05, unit: 'per distance' },
  { name: 'behindSubject', type: 'bool', label: 'Start behind the subject', default: true, description: 'start distance counts from the subject (nearest large region near the centre), not the camera', offWhenSet: ['start'] },
  { name: 'start', type: 'number', label: 'Start distance', default: 0.05, min: 0, max: 1, step: 0.01, unit: 'distance 0..1' },
  { name: 'falloff', type: 'number', label: 'Falloff', default: 1, min: 0.2, max: 4, step: 0.05, unit: 'exponent' },
  { name: 'heightFog', type: 'bool', label: 'Height fog', default: false },
  { name: 'heightLevel', type: 'number', label: 'Fog top', default: 0, min: -1, max: 1, step: 0.01, unit: 'scene units above camera' },
  { name: 'heightFalloff', type: 'number', label: 'Height falloff', default: 4, min: 0, max: 50, step: 0.1, unit: 'per scene unit' },
];

/** Where the fog starts, in distance 0..1: from the camera, or from the subject (subject.ts). */
export function fogStart(p: ResolvedParams, low: LowDistance): number {
  return (p.start as number) + (p.behindSubject ? subjectDistance(low.dist, low.width, low.height) : 0);
}

export const fogSpec: EffectSpec = {
  id: 'fog',
  label: 'Fog',
  description: 'atmospheric fog that thickens with distance, optionally thinning with height',
  params: fogParams,
};
