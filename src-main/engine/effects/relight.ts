import type { ResolvedParams } from '../../common/effects/params.ts';
import { lightsOf, relightSpec, spotCones } from '../../common/effects/relight.ts';
import { splineUpsample, surfaceMaps } from '../../common/effects/surface.ts';
import type { EffectDef, EffectInput } from '../../common/effects/types.ts';

/** The CPU kernel of relight (common/effects/relight.ts holds its parameters and lights). */
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

export const relightEffect: EffectDef = { ...relightSpec, apply: applyRelight };
