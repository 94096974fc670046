import type { DepthKind } from './types.ts';

/**
 * Inverse depth (disparity, up to scale) of one depth value: metric depth inverted, 0 where there is
 * none (a zero or negative depth); relative-inverse depth is already inverse and is returned as it is.
 * The one conversion the colour map, tracking and fusion share.
 */
export const inverseDepthOf = (v: number, kind: DepthKind): number => (kind === 'metric' ? (v > 0 ? 1 / v : 0) : v);

/** inverseDepthOf over a whole map: a new array for metric depth, the map itself for relative-inverse depth. */
export function toInverseDepth(data: Float32Array, kind: DepthKind): Float32Array {
  if (kind !== 'metric') return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = inverseDepthOf(data[i], kind);
  return out;
}
