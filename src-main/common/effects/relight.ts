import type { ParamSpec, ResolvedParams } from './params.ts';
import type { SurfaceLights } from './surface.ts';
import type { EffectSpec } from './types.ts';

/**
 * Relighting from geometry. Scene points P = z * ((x+.5-cx)/fx, (y+.5-cy)/fy, 1) with
 * z = nearRatio + s * (1 - nearRatio) (far plane at 1; camera axes x right, y down, z forward). Normals
 * and shadow visibility come from surface.ts at the analysis resolution (surface-scale normals under the
 * "surface smoothing" control, screen-space cast shadows), B-spline interpolated to each pixel. Lights: a
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
  { name: 'skyFrom', type: 'number', label: 'Sky from', default: 0.6, min: 0.05, max: 1, step: 0.01, unit: 'of the distance range', description: 'farther than this fades into sky at infinity: no light or shadow of the scene reaches it (1: none is sky)' },
];

export const lightsOf = (p: ResolvedParams): SurfaceLights => ({
  pointPosition: p.pointPosition as [number, number, number],
  dirDirection: p.dirDirection as [number, number, number],
  pointOn: (p.pointIntensity as number) > 0,
  dirOn: (p.dirIntensity as number) > 0,
  shadows: (p.shadows as number) > 0,
  shadowSoftness: p.shadowSoftness as number,
  shadowLength: p.shadowLength as number,
  skyFrom: p.skyFrom as number,
});

/** Cosines of the spot's outer and inner half-angles (the cone edge is a smoothstep between them). */
export function spotCones(p: ResolvedParams): [number, number] {
  const half = ((p.spotAngle as number) * Math.PI) / 360;
  return [Math.cos(half), Math.cos(half * (1 - (p.spotSoftness as number)))];
}

export const relightSpec: EffectSpec = {
  id: 'relight',
  label: 'Relight',
  description: 'point, spot and directional lights shaded by surface-scale normals from the depth, with cast shadows',
  params: relightParams,
};
