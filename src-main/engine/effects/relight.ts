import type { ParamSpec, ResolvedParams } from './params.ts';
import { SHADOW_BIAS, SHADOW_STEPS, SHADOW_THICKNESS, type SurfaceLights, type SurfaceMaps } from './surface.ts';
import type { EffectDef, EffectInput, LowDistance } from './types.ts';
import { splineKernels } from './upsample.ts';
import type { Kernels } from './wasm-kernels.ts';
import type { Intrinsics } from '../types.ts';

/**
 * Relighting from geometry. Scene points P = z * ((x+.5-cx)/fx, (y+.5-cy)/fy, 1) with
 * z = nearRatio + s * (1 - nearRatio) (far plane at 1; camera axes x right, y down, z forward). Normals
 * and shadow visibility come from surface.ts at the analysis resolution (surface-scale normals under the
 * "surface smoothing" control, screen-space cast shadows), B-spline interpolated to each pixel (export runs
 * both in WebAssembly: wasm/low-res.as.ts surfaceLow, wasm/relight.as.ts relightApply). Lights: a
 * point light that becomes a spot when its cone is narrower than 180 degrees (falloff
 * intensity / (1 + falloff * d^2)), and a directional light, plus ambient. The frame is multiplied by
 * mix(1, shading, strength), so ambient 1 with both lights at 0 is the identity.
 */
export const relightParams: ParamSpec[] = [
  { name: 'ambient', type: 'number', label: 'Ambient', default: 0.85, min: 0, max: 2, step: 0.01, description: 'light everywhere; 1 keeps unlit areas as they are' },
  { name: 'strength', type: 'number', label: 'Strength', default: 1, min: 0, max: 1, step: 0.01 },
  { name: 'smoothing', type: 'number', label: 'Surface smoothing', default: 5, min: 0, max: 10, step: 0.1, unit: '% of height', description: 'scale of the surfaces the light follows; larger ignores small depth detail' },
  { name: 'pointPosition', type: 'vec3', label: 'Point light position', default: [-0.35, -0.45, 0.1], min: -5, max: 5, step: 0.01, unit: 'scene units (x right, y down, z forward)' },
  { name: 'pointColor', type: 'color', label: 'Point light colour', default: '#fff2dc' },
  { name: 'pointIntensity', type: 'number', label: 'Point light intensity', default: 0.8, min: 0, max: 10, step: 0.05 },
  { name: 'pointFalloff', type: 'number', label: 'Point light falloff', default: 1, min: 0, max: 20, step: 0.05, unit: 'per scene unit squared' },
  { name: 'spotAngle', type: 'number', label: 'Spot cone angle', default: 180, min: 1, max: 180, step: 1, unit: 'degrees (180 = point light)' },
  { name: 'spotDirection', type: 'vec3', label: 'Spot direction', default: [0.3, 0.4, 1], min: -1, max: 1, step: 0.01, unit: 'direction the spot points' },
  { name: 'spotSoftness', type: 'number', label: 'Spot edge softness', default: 0.3, min: 0, max: 1, step: 0.01 },
  { name: 'dirDirection', type: 'vec3', label: 'Directional light direction', default: [0.5, 0.5, 1], min: -1, max: 1, step: 0.01, unit: 'direction the light travels' },
  { name: 'dirColor', type: 'color', label: 'Directional light colour', default: '#ffffff' },
  { name: 'dirIntensity', type: 'number', label: 'Directional light intensity', default: 0, min: 0, max: 10, step: 0.05 },
  { name: 'shadows', type: 'number', label: 'Shadow strength', default: 0.8, min: 0, max: 1, step: 0.01, description: 'cast shadows marched through the depth map; 0 turns them off' },
  { name: 'shadowSoftness', type: 'number', label: 'Shadow softness', default: 0.15, min: 0.01, max: 1, step: 0.01, unit: 'penumbra per distance' },
  { name: 'shadowLength', type: 'number', label: 'Shadow reach', default: 0.5, min: 0.01, max: 2, step: 0.01, unit: 'scene units' },
];

export const lightsOf = (p: ResolvedParams): SurfaceLights => ({
  pointPosition: p.pointPosition as [number, number, number],
  dirDirection: p.dirDirection as [number, number, number],
  pointOn: (p.pointIntensity as number) > 0,
  dirOn: (p.dirIntensity as number) > 0,
  shadows: (p.shadows as number) > 0,
  shadowSoftness: p.shadowSoftness as number,
  shadowLength: p.shadowLength as number,
});

/** Cosines of the spot's outer and inner half-angles (the cone edge is a smoothstep between them). */
export function spotCones(p: ResolvedParams): [number, number] {
  const half = ((p.spotAngle as number) * Math.PI) / 360;
  return [Math.cos(half), Math.cos(half * (1 - (p.spotSoftness as number)))];
}

/**
 * surface.ts surfaceMaps in WebAssembly (wasm/low-res.as.ts surfaceLow, the same steps): normals and shadow
 * visibility in the kernels' normalVis and dirVis slots (views valid until the next call on this thread).
 */
export function surfaceMapsFast(k: Kernels, low: LowDistance, Kfull: Intrinsics, nr: number, smoothing: number, L: SurfaceLights): SurfaceMaps {
  const { width: lw, height: lh } = low;
  const sx = lw / Kfull.width, sy = lh / Kfull.height;
  const dl = Math.hypot(...L.dirDirection) || 1;
  const [px, py, pz] = L.pointPosition;
  // prettier-ignore
  k.f64('surfPrm', 19).set([
    Kfull.fx * sx, Kfull.fy * sy, Kfull.cx * sx, Kfull.cy * sy, nr, px, py, pz,
    -L.dirDirection[0] / dl, -L.dirDirection[1] / dl, -L.dirDirection[2] / dl,
    +L.pointOn, +L.dirOn, +L.shadows, L.shadowSoftness, L.shadowLength, SHADOW_STEPS, SHADOW_THICKNESS, SHADOW_BIAS,
  ]);
  const r = Math.round((smoothing / 100) * lh);
  k.exports.surfaceLow(k.input(low.dist, 'lowIn'), lw, lh, r, k.at('surfPrm'), k.at('zLow'), k.at('lowScratch'), k.at('normalVis'), k.at('dirVis'));
  return { width: lw, height: lh, normalVis: k.f32('normalVis', lw * lh * 4), dirVis: k.f32('dirVis', lw * lh) };
}

export function applyRelight(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K, low } = inp;
  const k = splineKernels(low.width, low.height, W, H);
  surfaceMapsFast(k, low, K, nr, p.smoothing as number, lightsOf(p));
  const sd = p.spotDirection as number[];
  const sn = Math.hypot(sd[0], sd[1], sd[2]) || 1;
  const dd = p.dirDirection as number[];
  const dn = Math.hypot(dd[0], dd[1], dd[2]) || 1;
  const [cosOut, cosIn] = spotCones(p);
  // The slots of wasm/relight.as.ts's parameter block, in its order.
  // prettier-ignore
  k.f64('prm', 29).set([
    p.ambient as number, p.strength as number, ...(p.pointPosition as number[]), ...(p.pointColor as number[]),
    p.pointIntensity as number, p.pointFalloff as number, +((p.spotAngle as number) < 180), cosOut, cosIn,
    sd[0] / sn, sd[1] / sn, sd[2] / sn, -dd[0] / dn, -dd[1] / dn, -dd[2] / dn, ...(p.dirColor as number[]),
    p.dirIntensity as number, p.shadows as number, K.fx, K.fy, K.cx, K.cy, nr,
  ]);
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  // prettier-ignore
  k.exports.relightApply(
    k.input(rgb, 'rgb'), k.input(dist, 'ftmp'), W, H, k.at('normalVis'), k.at('dirVis'), low.width, low.height,
    k.at('colIdx'), k.at('colW'), k.at('rowIdx'), k.at('rowW'), k.at('tmp'), k.at('prm'), dst,
  );
  if (!k.owns(out)) out.set(k.u8('rgbOut', W * H * 3));
}

export const relightEffect: EffectDef = {
  id: 'relight',
  label: 'Relight',
  description: 'point, spot and directional lights shaded by surface-scale normals from the depth, with cast shadows',
  params: relightParams,
  apply: applyRelight,
};
