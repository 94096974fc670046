import type { DepthKind } from '../../common/types.ts';

/**
 * What unit an analysis's depth and camera path are in, said honestly. A metric model's metres are
 * its own estimate (FastDepth's are learned indoors and compressed toward ~1 m: skyscrapers come out
 * a few "metres" away), so nothing here calls them metres without that caveat; a relative model's
 * depth has no unit at all.
 */
export interface DepthUnit {
  unit: 'metric-unverified' | 'relative';
  /** For people: meta.json, the app, every export's header. */
  label: string;
}

export function depthUnit(kind: DepthKind): DepthUnit {
  return kind === 'metric'
    ? { unit: 'metric-unverified', label: "metric (model's scale, unverified)" }
    : { unit: 'relative', label: 'relative (arbitrary scale, one per shot)' };
}

/** One line for a depth file's mapping: what its values mean. */
export function depthMeaning(kind: DepthKind): string {
  return kind === 'metric'
    ? "depth along the optical axis in the model's metres, unverified (larger = farther)"
    : 'relative inverse depth (disparity, larger = nearer), arbitrary scale';
}
