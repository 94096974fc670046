import { DEFAULT_FUSION, type GeometryRequest } from '../common/api/geometry.ts';
import type { GeometrySettings } from '../engine/jobs/analyze.ts';

/** A front end's geometry request as the engine's settings (unset: the defaults, fusion on, the model's or the default field of view). */
export function settingsOf(g: GeometryRequest | undefined): GeometrySettings {
  const intrinsics = g?.focalPx !== undefined || g?.fovDeg !== undefined ? { fx: g.focalPx, fovDeg: g.fovDeg } : undefined;
  return { ...(g?.multiview !== undefined && { multiview: g.multiview }), fusion: g?.fusion ?? DEFAULT_FUSION, intrinsics };
}
