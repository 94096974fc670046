import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectDef, EffectInput, LowDistance } from './types.ts';
import { FOG_TABLE_SIZE, kernelsFor } from './wasm-kernels.ts';

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

const L = FOG_TABLE_SIZE;

export function fogAmount(t: number, density: number, falloff: number): number {
  return t <= 0 ? 0 : 1 - Math.exp(-density * Math.pow(t, falloff));
}

/** Where the fog starts, in distance 0..1: from the camera, or from the subject (subject.ts). */
export function fogStart(p: ResolvedParams, low: LowDistance): number {
  return (p.start as number) + (p.behindSubject ? subjectDistance(low.dist, low.width, low.height) : 0);
}

export function applyFog(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K } = inp;
  const [cr, cg, cb] = (p.color as number[]).map((c) => c * 255);
  const density = p.density as number;
  const start = fogStart(p, inp.low);
  const falloff = p.falloff as number;
  const height = p.heightFog as boolean;
  const level = p.heightLevel as number;
  const hFall = p.heightFalloff as number;
  if (!height) return fogByTable(inp, density, start, falloff, [cr, cg, cb], out);
  for (let y = 0; y < H; y++) {
    const ry = (y + 0.5 - K.cy) / K.fy;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const s = dist[i];
      const z = nr + s * (1 - nr);
      const h = -z * ry;
      const d = density * Math.exp(-hFall * Math.max(0, h - level));
      const f = fogAmount(s - start, d, falloff);
      const o = i * 3;
      const g = 1 - f;
      out[o] = (rgb[o] * g + cr * f + 0.5) | 0;
      out[o + 1] = (rgb[o + 1] * g + cg * f + 0.5) | 0;
      out[o + 2] = (rgb[o + 2] * g + cb * f + 0.5) | 0;
    }
  }
}

/**
 * Without height fog the amount depends on s alone, so it comes from a table, in 1/256 steps, and the
 * blend runs in integers (WebAssembly, wasm/kernels.as.ts): export's hottest loop after upsampling.
 * Error at most one 8-bit level.
 */
function fogByTable(inp: EffectInput, density: number, start: number, falloff: number, color: number[], out: Uint8Array): void {
  const { rgb, dist, width: W, height: H } = inp;
  const n = W * H;
  const k = kernelsFor({ w: W, h: H, low: 0 });
  k.fill('amount', `${density} ${start} ${falloff}`, () => {
    const amount = k.i32('amount', L + 1);
    for (let i = 0; i <= L; i++) amount[i] = Math.round(256 * fogAmount(i / L - start, density, falloff));
  });
  // Fog colour times amount, plus the rounding half, per channel and amount 0..256.
  k.fill('add', color.join(' '), () => {
    const add = k.i32('add', 3 * 257);
    for (let c = 0; c < 3; c++) for (let f = 0; f <= 256; f++) add[c * 257 + f] = Math.round(color[c] * f) + 128;
  });
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  k.exports.fogTable(k.input(rgb, 'rgb'), k.input(dist, 'ftmp'), dst, n, k.at('amount'), k.at('add'), L);
  if (!k.owns(out)) out.set(k.u8('rgbOut', n * 3));
}

export const fogEffect: EffectDef = {
  id: 'fog',
  label: 'Fog',
  description: 'atmospheric fog that thickens with distance, optionally thinning with height',
  params: fogParams,
  apply: applyFog,
};
