import { luma } from '../../common/effects/guided-filter.ts';
import type { ResolvedParams } from '../../common/effects/params.ts';
import { bokehPattern, cocPixels, focusOf, FOREGROUND_EPS, REFOCUS_MIN_COC, REFOCUS_SAMPLES, refocusSpec, searchRadii } from '../../common/effects/refocus.ts';
import type { EffectDef, EffectInput } from '../../common/effects/types.ts';
import { kernelsFor } from './wasm-kernels.ts';

/** The CPU kernel of refocus (common/effects/refocus.ts holds its parameters, pattern and search radii). */
/** Weight of a colour in the gather: 1, plus the highlight gain above the threshold. */
export function highlightWeight(r: number, g: number, b: number, gain: number, thr: number): number {
  const l = luma(r, g, b);
  return l > thr ? 1 + (gain * (l - thr)) / Math.max(1e-3, 1 - thr) : 1;
}

export function applyRefocus(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, low } = inp;
  const focus = focusOf(p, low);
  const search = searchRadii(low, focus, p, W, H);
  const pat = bokehPattern(p.blades as number, p.rotation as number);
  const gain = p.highlightGain as number, hthr = p.highlightThreshold as number;
  const thr = ((p.threshold as number) / 100) * H;
  const n = W * H;
  const k = kernelsFor({ w: W, h: H, low: low.width * low.height });
  const coc = k.f32('coc', n);
  const hw = k.f32('hw', n);
  for (let i = 0; i < n; i++) {
    coc[i] = cocPixels(dist[i], focus, p, H);
    hw[i] = highlightWeight(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], gain, hthr);
  }
  k.f32('search', search.length).set(search);
  k.f32('pattern', pat.length).set(pat);
  const lowCol = k.i32('lowCol', W), lowRow = k.i32('lowRow', H);
  for (let x = 0; x < W; x++) lowCol[x] = Math.min(low.width - 1, Math.floor(((x + 0.5) * low.width) / W));
  for (let y = 0; y < H; y++) lowRow[y] = Math.min(low.height - 1, Math.floor(((y + 0.5) * low.height) / H)) * low.width;
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  // prettier-ignore
  k.exports.refocusGather(
    k.input(rgb, 'rgb'), k.input(dist, 'ftmp'), k.at('coc'), k.at('hw'), k.at('search'), k.at('lowCol'), k.at('lowRow'), k.at('pattern'),
    REFOCUS_SAMPLES, W, H, thr, REFOCUS_MIN_COC, FOREGROUND_EPS, dst,
  );
  if (!k.owns(out)) out.set(k.u8('rgbOut', n * 3));
}

export const refocusEffect: EffectDef = { ...refocusSpec, apply: applyRefocus };
