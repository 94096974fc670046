import type { ParamSpec, ResolvedParams } from './params.ts';
import { splineUpsample, surfaceMaps, type SurfaceLights } from './surface.ts';
import type { EffectDef, EffectInput } from './types.ts';

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

const smoothstep = (a: number, b: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a || 1e-9)));
  return t * t * (3 - 2 * t);
};

export function applyRelight(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K, low } = inp;
  const amb = p.ambient as number;
  const str = p.strength as number;
  const [lx, ly, lz] = p.pointPosition as number[];
  const pc = p.pointColor as number[];
  const pi = p.pointIntensity as number;
  const pf = p.pointFalloff as number;
  const spot = (p.spotAngle as number) < 180;
  const [cosOut, cosIn] = spotCones(p);
  const sd = p.spotDirection as number[];
  const sn = Math.hypot(sd[0], sd[1], sd[2]) || 1;
  const [sx, sy, sz] = [sd[0] / sn, sd[1] / sn, sd[2] / sn];
  const dd = p.dirDirection as number[];
  const dn = Math.hypot(dd[0], dd[1], dd[2]) || 1;
  const [ux, uy, uz] = [-dd[0] / dn, -dd[1] / dn, -dd[2] / dn];
  const dc = p.dirColor as number[];
  const di = p.dirIntensity as number;
  const sh = p.shadows as number;
  const maps = surfaceMaps(low.dist, low.width, low.height, K, nr, p.smoothing as number, lightsOf(p));
  const nv = splineUpsample(maps.normalVis, 4, low.width, low.height, W, H);
  const dv = splineUpsample(maps.dirVis, 1, low.width, low.height, W, H);
  for (let y = 0; y < H; y++) {
    const ry = (y + 0.5 - K.cy) / K.fy;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const zc = nr + dist[i] * (1 - nr);
      const px = zc * ((x + 0.5 - K.cx) / K.fx), py = zc * ry;
      let nx = nv[i * 4], ny = nv[i * 4 + 1], nz = nv[i * 4 + 2];
      const nl = Math.sqrt(nx * nx + ny * ny + nz * nz);
      if (nl > 1e-12) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      let ndl = 0;
      if (pi > 0) {
        const vx = lx - px, vy = ly - py, vz = lz - zc;
        const d2 = vx * vx + vy * vy + vz * vz;
        const d = Math.sqrt(d2) || 1e-9;
        ndl = (Math.max(0, (nx * vx + ny * vy + nz * vz) / d) * pi) / (1 + pf * d2);
        if (spot) ndl *= smoothstep(cosOut, cosIn, -(vx * sx + vy * sy + vz * sz) / d);
        ndl *= 1 - sh * (1 - Math.min(1, Math.max(0, nv[i * 4 + 3])));
      }
      const ndd = Math.max(0, nx * ux + ny * uy + nz * uz) * di * (1 - sh * (1 - Math.min(1, Math.max(0, dv[i]))));
      const o = i * 3;
      for (let c = 0; c < 3; c++) {
        const shade = amb + ndl * pc[c] + ndd * dc[c];
        const v = rgb[o + c] * (1 + str * (shade - 1)) + 0.5;
        out[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
      }
    }
  }
}

export const relightEffect: EffectDef = {
  id: 'relight',
  label: 'Relight',
  description: 'point, spot and directional lights shaded by surface-scale normals from the depth, with cast shadows',
  params: relightParams,
  apply: applyRelight,
};
