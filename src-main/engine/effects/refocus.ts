import type { ResolvedParams } from '../../common/effects/params.ts';
import { bokehPattern, focusOf, FOREGROUND_EPS, REFOCUS_MIN_COC, REFOCUS_SAMPLE_COUNTS, refocusSpec, searchRadii } from '../../common/effects/refocus.ts';
import type { EffectDef, EffectInput } from '../../common/effects/types.ts';
import { kernelsFor } from './wasm-kernels.ts';

/**
 * The CPU kernel of refocus (common/effects/refocus.ts holds its parameters, pattern and search radii). The
 * per-pixel work runs in WebAssembly (wasm/refocus.as.ts: coc and highlight weight per pixel, then the
 * gather over a three-level pyramid); the tables are built here.
 */
/** Pattern samples the kernels' slot holds per coordinate and pattern (wasm/refocus.as.ts PATTERN_STRIDE). */
const PATTERN_STRIDE = 64;

/** Per pyramid level: pixels blurred by at least this many px (of the level) take the next level's gather. */
export const HALF_COC = [1.5, 2];
/** A 2x2 block whose cocs differ by less than this (px) is one surface; else it straddles a depth edge. */
export const HALF_PURE = 1;
/** A pixel takes a half-resolution block whose coc is within this (px) of its own. */
export const HALF_TOL = 1;

/** Each column's low-res column and each row's low-res row offset, for an image of cols.length x rows.length. */
function lowTables(cols: Int32Array, rows: Int32Array, lw: number, lh: number): void {
  for (let x = 0; x < cols.length; x++) cols[x] = Math.min(lw - 1, Math.floor(((x + 0.5) * lw) / cols.length));
  for (let y = 0; y < rows.length; y++) rows[y] = Math.min(lh - 1, Math.floor(((y + 0.5) * lh) / rows.length)) * lw;
}

export function applyRefocus(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, low } = inp;
  const focus = focusOf(p, low);
  const search = searchRadii(low, focus, p, W, H);
  const thr = ((p.threshold as number) / 100) * H;
  const n = W * H;
  const k = kernelsFor({ w: W, h: H, low: low.width * low.height });
  const src = k.input(rgb, 'rgb');
  const dst = k.owns(out) ? out.byteOffset : k.at('rgbOut');
  // Each pattern (x, y, r per sample) as three rows of PATTERN_STRIDE, read four samples at a time (wasm/refocus.as.ts).
  const rows = k.f32('pattern', PATTERN_STRIDE * 3 * REFOCUS_SAMPLE_COUNTS.length);
  REFOCUS_SAMPLE_COUNTS.forEach((n, j) => {
    const pat = bokehPattern(p.blades as number, p.rotation as number, n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rows[(j * 3 + c) * PATTERN_STRIDE + i] = pat[i * 3 + c];
  });
  // A pyramid of three levels (full, half, quarter resolution; 2x2 blocks averaged from level to level):
  // a pixel blurred by HALF_COC[level] px of its level or more takes the next level's gather, which is a
  // quarter of the work and aliases the pattern less on fine texture; in-focus pixels and depth
  // edges are gathered at full resolution (wasm/refocus.as.ts refocusCompose).
  const levels = [
    { rec: k.at('rec'), out: dst, search: 'search', col: 'lowCol', row: 'lowRow', W, H },
    { rec: k.at('rec1'), out: k.at('out1'), search: 'search1', col: 'lowCol1', row: 'lowRow1', W: (W + 1) >> 1, H: (H + 1) >> 1 },
    { rec: k.at('rec2'), out: k.at('out2'), search: 'search2', col: 'lowCol2', row: 'lowRow2', W: (((W + 1) >> 1) + 1) >> 1, H: (((H + 1) >> 1) + 1) >> 1 },
  ] as const;
  levels.forEach((l, lv) => {
    const s = k.f32(l.search, search.length);
    for (let i = 0; i < search.length; i++) s[i] = search[i] / 2 ** lv;
    lowTables(k.i32(l.col, l.W), k.i32(l.row, l.H), low.width, low.height);
  });
  const grain = p.grain as number;
  // The records, and (with regrain) where the full-resolution level may put the grain back.
  // prettier-ignore
  k.exports.refocusPrep(
    src, k.input(dist, 'ftmp'), W, H, focus, p.aperture as number, p.maxBlur as number, H, p.highlightGain as number, p.highlightThreshold as number, k.at('rec'), p.focusRange as number,
    k.at('search'), k.at('lowCol'), k.at('lowRow'), REFOCUS_MIN_COC, grain > 0 ? k.at('grainNeed') : 0,
  );
  for (let lv = 1; lv < levels.length; lv++) k.exports.refocusHalve(levels[lv - 1].rec, levels[lv - 1].W, levels[lv - 1].H, HALF_PURE, levels[lv].rec);
  // The source's grain, computed only where the full-resolution level may put it back (wasm/grain-plane.as.ts).
  if (grain > 0) k.exports.grainPlane(src, W, H, k.at('grainNeed'), k.at('grainRing'), k.at('grain'));
  for (let lv = levels.length - 1; lv >= 0; lv--) {
    const l = levels[lv], next = levels[lv + 1];
    // The level below reads this one only where its coc is HALF_COC - HALF_TOL or more (in its px: twice ours).
    const skip = lv > 0 ? (HALF_COC[lv - 1] - HALF_TOL) / 2 : -1;
    // prettier-ignore
    k.exports.refocusCompose(
      l.rec, next ? next.rec : 0, next ? next.out : 0, k.at(l.search), k.at(l.col), k.at(l.row), k.at('pattern'),
      l.W, l.H, thr / 2 ** lv, REFOCUS_MIN_COC / 2 ** lv, FOREGROUND_EPS, HALF_COC[lv] ?? Infinity, HALF_TOL, skip, lv > 0, l.out,
      lv === 0 ? grain : 0, k.at('grain'),
    );
  }
  if (!k.owns(out)) out.set(k.u8('rgbOut', n * 3));
}

export const refocusEffect: EffectDef = { ...refocusSpec, apply: applyRefocus };
