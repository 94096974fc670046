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

/** The fog amount `t` past the start (0 before it), for the given density and falloff. */
export function fogAmount(t: number, density: number, falloff: number): number {
  return t <= 0 ? 0 : 1 - Math.exp(-density * Math.pow(t, falloff));
}

/**
 * Without height fog the amount depends on the distance alone: `into[k]` = 256 x the amount at distance
 * k / size (k = 0..size), for a blend in integers (export's kernel, the CPU playback of cpu-fog.ts).
 */
export function fogAmountTable(size: number, density: number, start: number, falloff: number, into: Int32Array = new Int32Array(size + 1)): Int32Array {
  for (let k = 0; k <= size; k++) into[k] = Math.round(256 * fogAmount(k / size - start, density, falloff));
  return into;
}

/** The integer blend's fog term with its rounding half: `into[c * 257 + f]` = round(colour_c x f) + 128 for f = 0..256 (colour in 0..255). */
export function fogAddTable(color: number[], into: Int32Array = new Int32Array(3 * 257)): Int32Array {
  for (let c = 0; c < 3; c++) for (let f = 0; f <= 256; f++) into[c * 257 + f] = Math.round(color[c] * f) + 128;
  return into;
}

export const fogSpec: EffectSpec = {
  id: 'fog',
  label: 'Fog',
  description: 'atmospheric fog that thickens with distance, optionally thinning with height',
  params: fogParams,
};
