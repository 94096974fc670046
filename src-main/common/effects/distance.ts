import { depthRange } from './colormap.ts';
import type { DepthKind, DepthMap } from '../types.ts';

/**
 * Effects never see raw depth. They work on a normalised distance s in [0, 1] (0 = nearest, 1 = farthest
 * of the clip), so one set of parameter values behaves the same on metric and on relative-inverse depth:
 *
 *   metric (metres):          z = v                      s = (z - near) / (far - near)
 *   relative-inverse (disp.): z = 1 / v (up to scale)    s = (1/v - 1/near) / (1/far - 1/near)
 *
 * where near/far come from a DepthRange in the depth's own units (for disparity, `near` is the LARGE
 * value). Inverting disparity first keeps s linear in scene depth for both kinds, so fog thickens
 * with real distance rather than with disparity. `nearRatio` = z_near / z_far lets kernels rebuild
 * scene points with the far plane at z = 1 (the unknown global scale of relative depth cancels).
 * The range is fixed per clip (computeClipRange), not per frame, so effects do not pump over time.
 */
export interface DepthRange {
  kind: DepthKind;
  near: number;
  far: number;
}

/** Robust 2nd/98th percentile range of one map (the same estimate the depth previews use). */
export function depthRangeOf(depth: Pick<DepthMap, 'data' | 'kind'>): DepthRange {
  const [lo, hi] = depthRange(depth.data);
  return sanitizeRange(depth.kind === 'metric' ? { kind: 'metric', near: lo, far: hi } : { kind: 'relative-inverse', near: hi, far: lo });
}

/** One range covering a clip's per-frame ranges. */
export function mergeRanges(ranges: readonly DepthRange[]): DepthRange {
  if (!ranges.length) throw new Error('mergeRanges: no ranges');
  const kind = ranges[0].kind;
  const nears = ranges.map((r) => r.near);
  const fars = ranges.map((r) => r.far);
  return kind === 'metric'
    ? sanitizeRange({ kind, near: Math.min(...nears), far: Math.max(...fars) })
    : sanitizeRange({ kind, near: Math.max(...nears), far: Math.min(...fars) });
}

/** Guards degenerate maps (flat, zero or negative values) so the mapping never divides by zero. */
export function sanitizeRange(r: DepthRange): DepthRange {
  if (r.kind === 'metric') {
    const far = r.far > 1e-6 ? r.far : 1;
    let near = Math.max(r.near, far * 0.01);
    if (far - near < far * 1e-3) near = far * 0.5;
    return { kind: 'metric', near, far };
  }
  const near = r.near > 1e-9 ? r.near : 1;
  let far = Math.max(r.far, near * 0.02);
  if (near - far < near * 1e-3) far = near * 0.5;
  return { kind: 'relative-inverse', near, far };
}

/** Scene-depth span of the range as z_near / z_far (0 < ratio < 1). */
export function nearRatioOf(r: DepthRange): number {
  return r.kind === 'metric' ? r.near / r.far : r.far / r.near;
}

/** The mapping of the module comment, as the constants the kernels and the GLSL share: s = a * lin(v) + b. */
export function distanceMapping(r: DepthRange): { inverse: boolean; lo: number; hi: number; a: number; b: number } {
  const inverse = r.kind === 'relative-inverse';
  const zNear = inverse ? 1 / r.near : r.near;
  const zFar = inverse ? 1 / r.far : r.far;
  const a = 1 / (zFar - zNear);
  // lo/hi clamp the raw value before the transform: disparities below `far` would explode under 1/v.
  const lo = inverse ? r.far : r.near;
  const hi = inverse ? r.near : r.far;
  return { inverse, lo, hi, a, b: -zNear * a };
}

export function toDistance(raw: Float32Array, r: DepthRange, out = new Float32Array(raw.length)): Float32Array {
  const { inverse, lo, hi, a, b } = distanceMapping(r);
  for (let i = 0; i < raw.length; i++) {
    let v = raw[i];
    v = v < lo ? lo : v > hi ? hi : v !== v ? hi : v;
    const s = a * (inverse ? 1 / v : v) + b;
    out[i] = s < 0 ? 0 : s > 1 ? 1 : s;
  }
  return out;
}

/** Distance s back to the depth's own units (for a focus read-out in metres or disparity). */
export function fromDistance(s: number, r: DepthRange): number {
  const { inverse, a, b } = distanceMapping(r);
  const lin = (s - b) / a;
  return inverse ? 1 / lin : lin;
}

/**
 * Focus picking: the distance under a clicked point, as the median of a small window so a click
 * on a thin edge does not grab the background. x, y in 0..1 of the image, resolution independent.
 */
export function focusFromPixel(dist: Float32Array, width: number, height: number, x: number, y: number, radius = 2): number {
  const cx = Math.min(width - 1, Math.max(0, Math.floor(x * width)));
  const cy = Math.min(height - 1, Math.max(0, Math.floor(y * height)));
  const vals: number[] = [];
  for (let j = Math.max(0, cy - radius); j <= Math.min(height - 1, cy + radius); j++)
    for (let i = Math.max(0, cx - radius); i <= Math.min(width - 1, cx + radius); i++) vals.push(dist[j * width + i]);
  vals.sort((a, b) => a - b);
  return vals[vals.length >> 1];
}
