import type { ParamSpec, ResolvedParams } from './params.ts';
import type { EffectDef, EffectInput } from './types.ts';

/**
 * Relighting from geometry: scene points P = z * ((x+.5-cx)/fx, (y+.5-cy)/fy, 1) with
 * z = nearRatio + s * (1 - nearRatio) (far plane at 1, camera axes: x right, y down, z forward);
 * normals from the cross product of the one-sided differences with the smaller depth step, so depth
 * edges do not produce bogus grazing normals. Lambert shading by one point light (inverse-square-like
 * falloff intensity / (1 + falloff * d^2)) and one directional light, plus ambient; the frame is
 * multiplied by mix(1, shading, strength), so ambient 1 with both lights at 0 is the identity.
 */
export const relightParams: ParamSpec[] = [
  { name: 'ambient', type: 'number', label: 'Ambient', default: 0.45, min: 0, max: 2, step: 0.01 },
  { name: 'strength', type: 'number', label: 'Strength', default: 1, min: 0, max: 1, step: 0.01 },
  { name: 'pointPosition', type: 'vec3', label: 'Point light position', default: [-0.6, -0.4, 0.2], min: -5, max: 5, step: 0.01, unit: 'scene units (x right, y down, z forward)' },
  { name: 'pointColor', type: 'color', label: 'Point light colour', default: '#fff2dc' },
  { name: 'pointIntensity', type: 'number', label: 'Point light intensity', default: 1.2, min: 0, max: 10, step: 0.05 },
  { name: 'pointFalloff', type: 'number', label: 'Point light falloff', default: 1, min: 0, max: 20, step: 0.05, unit: 'per scene unit squared' },
  { name: 'dirDirection', type: 'vec3', label: 'Directional light direction', default: [0.5, 0.5, 1], min: -1, max: 1, step: 0.01, unit: 'direction the light travels' },
  { name: 'dirColor', type: 'color', label: 'Directional light colour', default: '#ffffff' },
  { name: 'dirIntensity', type: 'number', label: 'Directional light intensity', default: 0, min: 0, max: 10, step: 0.05 },
];

export function applyRelight(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, nearRatio: nr, K } = inp;
  const amb = p.ambient as number;
  const str = p.strength as number;
  const [lx, ly, lz] = p.pointPosition as number[];
  const pc = p.pointColor as number[];
  const pi = p.pointIntensity as number;
  const pf = p.pointFalloff as number;
  const dd = p.dirDirection as number[];
  const dn = Math.hypot(dd[0], dd[1], dd[2]) || 1;
  const [ux, uy, uz] = [-dd[0] / dn, -dd[1] / dn, -dd[2] / dn];
  const dc = p.dirColor as number[];
  const di = p.dirIntensity as number;
  const zs = new Float32Array(W * H);
  for (let i = 0; i < zs.length; i++) zs[i] = nr + dist[i] * (1 - nr);
  const z = (i: number) => zs[i];
  const rx = new Float32Array(W);
  const ry = new Float32Array(H);
  for (let x = 0; x < W; x++) rx[x] = (x + 0.5 - K.cx) / K.fx;
  for (let y = 0; y < H; y++) ry[y] = (y + 0.5 - K.cy) / K.fy;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const zc = z(i);
      const px = zc * rx[x], py = zc * ry[y];
      // d/dx: the neighbour on the side with the smaller depth jump (same surface).
      let ax: number, ay: number, az: number;
      {
        const zf = x + 1 < W ? z(i + 1) : NaN;
        const zb = x > 0 ? z(i - 1) : NaN;
        const useF = !(Math.abs(zf - zc) > Math.abs(zc - zb)) && x + 1 < W;
        if (useF) { ax = zf * rx[x + 1] - px; ay = zf * ry[y] - py; az = zf - zc; }
        else { ax = px - zb * rx[x - 1]; ay = py - zb * ry[y]; az = zc - zb; }
      }
      let bx: number, by: number, bz: number;
      {
        const zf = y + 1 < H ? z(i + W) : NaN;
        const zb = y > 0 ? z(i - W) : NaN;
        const useF = !(Math.abs(zf - zc) > Math.abs(zc - zb)) && y + 1 < H;
        if (useF) { bx = zf * rx[x] - px; by = zf * ry[y + 1] - py; bz = zf - zc; }
        else { bx = px - zb * rx[x]; by = py - zb * ry[y - 1]; bz = zc - zb; }
      }
      // N = normalize(dP/dy x dP/dx): faces the camera (-z) on a fronto-parallel plane.
      let nx = by * az - bz * ay;
      let ny = bz * ax - bx * az;
      let nz = bx * ay - by * ax;
      const nl = Math.sqrt(nx * nx + ny * ny + nz * nz);
      if (nl > 1e-20) { nx /= nl; ny /= nl; nz /= nl; } else { nx = 0; ny = 0; nz = -1; }
      const vx = lx - px, vy = ly - py, vz = lz - zc;
      const d2 = vx * vx + vy * vy + vz * vz;
      const d = Math.sqrt(d2) || 1e-9;
      const ndl = Math.max(0, (nx * vx + ny * vy + nz * vz) / d) * pi / (1 + pf * d2);
      const ndd = Math.max(0, nx * ux + ny * uy + nz * uz) * di;
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
  description: 'add point and directional lights shaded by normals from the depth',
  params: relightParams,
  apply: applyRelight,
};
