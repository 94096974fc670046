import type { ParamSpec, ResolvedParams } from './params.ts';
import type { EffectDef, EffectInput } from './types.ts';

/**
 * Fog by distance: amount f = 1 - exp(-density * max(0, s - start)^falloff), s the normalised distance.
 * Height fog thins it with height above the camera in scene units (y up; see distance.ts):
 * density *= exp(-heightFalloff * max(0, h - heightLevel)). Density 0 is an exact identity.
 */
export const fogParams: ParamSpec[] = [
  { name: 'color', type: 'color', label: 'Colour', default: '#c8d2e0' },
  { name: 'density', type: 'number', label: 'Density', default: 1.5, min: 0, max: 10, step: 0.05, unit: 'per distance' },
  { name: 'start', type: 'number', label: 'Start distance', default: 0.1, min: 0, max: 1, step: 0.01, unit: 'distance 0..1' },
  { name: 'falloff', type: 'number', label: 'Falloff', default: 1, min: 0.2, max: 4, step: 0.05, unit: 'exponent' },
  { name: 'heightFog', type: 'bool', label: 'Height fog', default: false },
  { name: 'heightLevel', type: 'number', label: 'Fog top', default: 0, min: -1, max: 1, step: 0.01, unit: 'scene units above camera' },
  { name: 'heightFalloff', type: 'number', label: 'Height falloff', default: 4, min: 0, max: 50, step: 0.1, unit: 'per scene unit' },
];

const LUT_SIZE = 4096;

export function fogAmount(t: number, density: number, falloff: number): number {
  return t <= 0 ? 0 : 1 - Math.exp(-density * Math.pow(t, falloff));
}

export function applyFog(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K } = inp;
  const [cr, cg, cb] = (p.color as number[]).map((c) => c * 255);
  const density = p.density as number;
  const start = p.start as number;
  const falloff = p.falloff as number;
  const height = p.heightFog as boolean;
  const level = p.heightLevel as number;
  const hFall = p.heightFalloff as number;
  // Without height fog the amount depends on s alone: a small table with linear interpolation
  // replaces a pow and an exp per pixel (error far below one 8-bit level).
  const lut = new Float32Array(LUT_SIZE + 2);
  for (let i = 0; i <= LUT_SIZE + 1; i++) lut[i] = fogAmount(Math.min(1, i / LUT_SIZE) - start, density, falloff);
  for (let y = 0; y < H; y++) {
    const ry = (y + 0.5 - K.cy) / K.fy;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const s = dist[i];
      let f: number;
      if (!height) {
        const u = s * LUT_SIZE;
        const k = u | 0;
        f = lut[k] + (lut[k + 1] - lut[k]) * (u - k);
      } else {
        const z = nr + s * (1 - nr);
        const h = -z * ry;
        const d = density * Math.exp(-hFall * Math.max(0, h - level));
        f = fogAmount(s - start, d, falloff);
      }
      const o = i * 3;
      const g = 1 - f;
      out[o] = (rgb[o] * g + cr * f + 0.5) | 0;
      out[o + 1] = (rgb[o + 1] * g + cg * f + 0.5) | 0;
      out[o + 2] = (rgb[o + 2] * g + cb * f + 0.5) | 0;
    }
  }
}

export const fogEffect: EffectDef = {
  id: 'fog',
  label: 'Fog',
  description: 'atmospheric fog that thickens with distance, optionally thinning with height',
  params: fogParams,
  apply: applyFog,
};
