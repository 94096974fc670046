import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectSpec, LowDistance } from './types.ts';

/**
 * Depth isolate (the idea of Resolve's Depth Map): a soft mask over the normalised distance s,
 *   band(s) = 1 - smoothstep(tolerance, tolerance + softness, |s - target|)
 * (1 within `tolerance` of the target, 0 beyond tolerance + softness), and a grade (saturation, exposure,
 * tint) and/or a blur applied where the mask says: outside the band (the default: the subject stays as
 * shot, the rest is toned down) or inside it. The target is the subject's distance (subject.ts) unless
 * one is given. The mask is read at frame resolution from the guided-upsampled distance, so its edges
 * follow the picture's edges; the blur gathers only from pixels of the same region (normalised
 * convolution), so the subject's colours do not smear into a blurred background.
 * The grade works on the encoded values: with a 2.2 power curve an exposure of e stops is a gain of
 * 2^(e / 2.2), exact, and saturation mixes with Rec. 709 luma; the tint is normalised to keep luma.
 */
export const isolateParams: ParamSpec[] = [
  { name: 'autoTarget', type: 'bool', label: 'Isolate the subject', default: true, description: 'target the nearest large region near the centre (ignores Target distance)', offWhenSet: ['target'] },
  { name: 'target', type: 'number', label: 'Target distance', default: 0.2, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'tolerance', type: 'number', label: 'Tolerance', default: 0.1, min: 0, max: 1, step: 0.005, unit: 'distance 0..1 either side' },
  { name: 'softness', type: 'number', label: 'Softness', default: 0.15, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'region', type: 'enum', label: 'Apply to', default: 'outside', options: ['outside', 'inside'], description: 'grade and blur outside the depth band (the rest of the picture) or inside it (inverts the mask)' },
  { name: 'exposure', type: 'number', label: 'Exposure', default: -1, min: -4, max: 4, step: 0.05, unit: 'stops' },
  { name: 'saturation', type: 'number', label: 'Saturation', default: 0.45, min: 0, max: 2, step: 0.01, unit: '1 = unchanged' },
  { name: 'tint', type: 'color', label: 'Tint colour', default: '#8fa8d0' },
  { name: 'tintAmount', type: 'number', label: 'Tint amount', default: 0.25, min: 0, max: 1, step: 0.01 },
  { name: 'blur', type: 'number', label: 'Blur', default: 0, min: 0, max: 3, step: 0.05, unit: '% of height' },
  { name: 'showMask', type: 'bool', label: 'Show mask', default: false, description: 'white where the grade and blur apply' },
];

/** Samples of the blur: a Vogel (golden-angle) disk; shared with the GLSL as a uniform array. */
export const ISOLATE_SAMPLES = 32;

/** x, y on the unit disk and a Gaussian weight (sigma = half the radius) per sample. */
export function isolateBlurPattern(): Float32Array {
  const a = new Float32Array(ISOLATE_SAMPLES * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < ISOLATE_SAMPLES; i++) {
    const r = Math.sqrt((i + 0.5) / ISOLATE_SAMPLES);
    a[i * 3] = r * Math.cos(i * golden);
    a[i * 3 + 1] = r * Math.sin(i * golden);
    a[i * 3 + 2] = Math.exp(-2 * r * r);
  }
  return a;
}

/** The target distance in use: the subject's or the parameter. */
export function isolateTarget(p: ResolvedParams, low: LowDistance): number {
  return p.autoTarget ? subjectDistance(low.dist, low.width, low.height) : (p.target as number);
}

/** Weight of the grade at distance s (0 = untouched, 1 = fully graded): the band, or its complement. */
export function isolateWeight(s: number, target: number, p: ResolvedParams): number {
  const tol = p.tolerance as number, soft = p.softness as number;
  const d = Math.abs(s - target);
  let band: number;
  if (soft < 1e-6) band = d <= tol ? 1 : 0;
  else {
    const t = Math.min(1, Math.max(0, (d - tol) / soft));
    band = 1 - t * t * (3 - 2 * t);
  }
  return p.region === 'inside' ? band : 1 - band;
}

export const isolateSpec: EffectSpec = {
  id: 'isolate',
  label: 'Depth isolate',
  description: 'a soft depth mask (target, tolerance, softness) with a grade (exposure, saturation, tint) and blur outside or inside it',
  params: isolateParams,
};
