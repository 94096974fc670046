import type { ResolvedParams } from '../../common/effects/params.ts';
import { fogAddTable, fogAmount, fogAmountTable, fogSpec, fogStart } from '../../common/effects/fog.ts';
import type { EffectDef, EffectInput } from '../../common/effects/types.ts';
import { FOG_TABLE_SIZE, kernelsFor } from './wasm-kernels.ts';

/** The CPU kernel of fog (common/effects/fog.ts holds its parameters; glsl/fog.glsl the preview's). */
const L = FOG_TABLE_SIZE;

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
  k.fill('amount', `${density} ${start} ${falloff}`, () => fogAmountTable(L, density, start, falloff, k.i32('amount', L + 1)));
  k.fill('add', color.join(' '), () => fogAddTable(color, k.i32('add', 3 * 257)));
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  k.exports.fogTable(k.input(rgb, 'rgb'), k.input(dist, 'ftmp'), dst, n, k.at('amount'), k.at('add'), L);
  if (!k.owns(out)) out.set(k.u8('rgbOut', n * 3));
}

export const fogEffect: EffectDef = { ...fogSpec, apply: applyFog };
