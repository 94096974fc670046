import type { SizeRule } from '../infer/manifest.ts';

export interface Size {
  width: number;
  height: number;
}

/**
 * The analysis grid's long side is at most this many times the network's own: a 16000x16 strip would
 * otherwise get 224 000-pixel-wide depth maps (200 MB a frame). Beyond this aspect the short side shrinks.
 */
const MAX_ASPECT = 4;

/** Nearest multiple of m, but never under `min` (Depth-Anything's constrain_to_multiple_of). */
function toMultiple(x: number, m: number, min = 0): number {
  let y = Math.round(x / m) * m;
  if (y < min) y = Math.ceil(x / m) * m;
  return Math.max(m, y);
}

/** The network's input size for a source of srcW x srcH, per the manifest's size rule. */
export function modelInputSize(rule: SizeRule, srcW: number, srcH: number): Size {
  if ('fixed' in rule) return { height: rule.fixed[0], width: rule.fixed[1] };
  if ('shortSide' in rule) {
    // Depth-Anything's 'lower_bound' resize: keep aspect, both sides at least S, multiples of m.
    const s = Math.min(Math.max(rule.shortSide / srcW, rule.shortSide / srcH), (MAX_ASPECT * rule.shortSide) / Math.max(srcW, srcH));
    return {
      width: toMultiple(srcW * s, rule.multiple, rule.shortSide),
      height: toMultiple(srcH * s, rule.multiple, rule.shortSide),
    };
  }
  const s = rule.maxSide ? Math.min(1, rule.maxSide / Math.max(srcW, srcH)) : 1;
  const fit = (x: number) => {
    const y = toMultiple(x * s, rule.multiple);
    return rule.maxSide && y > rule.maxSide ? Math.floor(rule.maxSide / rule.multiple) * rule.multiple : y;
  };
  return { width: fit(srcW), height: fit(srcH) };
}

/**
 * The depth maps' resolution. Aspect-keeping rules give the network size itself; a fixed-size network
 * squashes the frame, so its output is resampled to the source's aspect with the network's short side,
 * keeping intrinsics and effects free of that distortion.
 */
export function depthSize(rule: SizeRule, srcW: number, srcH: number): Size {
  if (!('fixed' in rule)) return modelInputSize(rule, srcW, srcH);
  const short = Math.min(rule.fixed[0], rule.fixed[1]);
  const s = Math.min(short / Math.min(srcW, srcH), (MAX_ASPECT * Math.max(rule.fixed[0], rule.fixed[1])) / Math.max(srcW, srcH));
  // Even sides: the preview is H.264 4:2:0, which needs them.
  const even = (x: number) => Math.max(2, 2 * Math.round(x / 2));
  return { width: even(srcW * s), height: even(srcH * s) };
}
