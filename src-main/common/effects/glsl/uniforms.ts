import { nearRatioOf, type DepthRange } from '../distance.ts';
import type { ResolvedParams } from '../params.ts';
import { bokehPatterns, FOREGROUND_EPS, REFOCUS_MIN_COC } from '../refocus.ts';
import { extent } from '../guided-filter.ts';
import { GRAIN_CLAMP, GRAIN_FLAT_HI, GRAIN_FLAT_LO, GRAIN_SIGMA } from '../grain.ts';
import { isolateBlurPattern } from '../isolate.ts';
import { getEffectSpec } from '../specs.ts';
import { spotCones } from '../relight.ts';
import type { EffectId } from '../types.ts';
import type { Intrinsics } from '../../types.ts';

/**
 * The bridge between the parameter schema and the shaders: every parameter `name` of an effect is the
 * uniform `u_<name>` (number -> float, color/vec3 -> vec3, bool -> bool, enum -> int index), so the
 * CPU kernels and the GLSL read the same values with no hand-kept table. Also names the shader files
 * (the app imports them with Vite `?raw`; tests read them from disk) and how they are assembled.
 * Browser-safe: no Node imports.
 */
export const SHADER_FILES = {
  vertex: 'fullscreen.vert.glsl',
  common: 'common.glsl',
  upsample: 'upsample.glsl',
  guided: 'guided.glsl',
  fog: 'fog.glsl',
  refocus: 'refocus.glsl',
  relight: 'relight.glsl',
  isolate: 'isolate.glsl',
} as const;
export type ShaderSources = Record<keyof typeof SHADER_FILES, string>;

export function assembleFragment(common: string, body: string): string {
  return `#version 300 es\n${common}\n${body}`;
}

export type Uniform =
  | { name: string; kind: '1f'; value: number }
  | { name: string; kind: '1i'; value: number }
  | { name: string; kind: '2i'; value: [number, number] }
  | { name: string; kind: '2f'; value: [number, number] }
  | { name: string; kind: '3f'; value: [number, number, number] }
  | { name: string; kind: '4f'; value: [number, number, number, number] }
  | { name: string; kind: '3fv'; value: Float32Array };

export function paramUniforms(effect: EffectId, params: ResolvedParams): Uniform[] {
  const def = getEffectSpec(effect);
  if (!def) throw new Error(`unknown effect ${effect}`);
  const out: Uniform[] = def.params.map((p): Uniform => {
    const v = params[p.name];
    const name = `u_${p.name}`;
    switch (p.type) {
      case 'number':
        return { name, kind: '1f', value: v as number };
      case 'color':
      case 'vec3':
        return { name, kind: '3f', value: v as [number, number, number] };
      case 'bool':
        return { name, kind: '1i', value: v ? 1 : 0 };
      case 'enum':
        return { name, kind: '1i', value: Math.max(0, (p.options ?? []).indexOf(v as string)) };
    }
  });
  if (effect === 'refocus') {
    out.push(
      { name: 'u_pattern', kind: '3fv', value: bokehPatterns(params.blades as number, params.rotation as number) },
      { name: 'u_minCoc', kind: '1f', value: REFOCUS_MIN_COC },
      { name: 'u_fgEps', kind: '1f', value: FOREGROUND_EPS },
    );
  }
  if (effect === 'relight') out.push({ name: 'u_spotCones', kind: '2f', value: spotCones(params) }, { name: 'u_skyFrom', kind: '1f', value: params.skyFrom as number });
  if (effect === 'refocus' || effect === 'relight') out.push({ name: 'u_grainBand', kind: '4f', value: [GRAIN_FLAT_LO, GRAIN_FLAT_HI, GRAIN_CLAMP, GRAIN_SIGMA] });
  if (effect === 'isolate') out.push({ name: 'u_blurPattern', kind: '3fv', value: isolateBlurPattern() });
  return out;
}

export function frameUniforms(width: number, height: number, K: Intrinsics, range: DepthRange, flipY: boolean): Uniform[] {
  return [
    { name: 'u_size', kind: '2i', value: [width, height] },
    { name: 'u_K', kind: '4f', value: [K.fx, K.fy, K.cx, K.cy] },
    { name: 'u_nearRatio', kind: '1f', value: nearRatioOf(range) },
    { name: 'u_flipY', kind: '1i', value: flipY ? 1 : 0 },
  ];
}

export function upsampleUniforms(low: Float32Array, lowWidth: number, lowHeight: number): Uniform[] {
  return [{ name: 'u_lowSize', kind: '2i', value: [lowWidth, lowHeight] }, { name: 'u_extent', kind: '2f', value: extent(low) }];
}
