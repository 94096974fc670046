import { UserError } from '../errors.ts';
import type { Intrinsics } from '../types.ts';

/** A typical phone/camcorder horizontal field of view; used only when nothing better is known. */
export const DEFAULT_FOV_DEG = 60;

/** Where a clip's intrinsics came from: given by the user, predicted by the model, estimated from the footage, or the default. */
export type IntrinsicsSource = 'user' | 'model' | 'estimated' | 'default';

/**
 * Pinhole intrinsics for a width x height image. Precedence: the user's focal length, then the user's
 * FOV, then the model's predicted FOV ([fovH, fovW] in radians, as GemDepth outputs), then the default.
 */
export function intrinsicsFor(
  width: number,
  height: number,
  o: { fx?: number; fovDeg?: number; modelFov?: [number, number] } = {},
): Intrinsics {
  return cameraFor(width, height, o).K;
}

/** intrinsicsFor, and which of its sources gave them ('default': the footage may still tell, see calibrated-stage.ts). */
export function cameraFor(
  width: number,
  height: number,
  o: { fx?: number; fovDeg?: number; modelFov?: [number, number] } = {},
): { K: Intrinsics; source: Exclude<IntrinsicsSource, 'estimated'> } {
  if (!(width > 0 && height > 0)) throw new UserError(`image size ${width}x${height} is not valid for intrinsics`);
  const cx = width / 2, cy = height / 2;
  if (o.fx !== undefined) {
    if (!(o.fx > 0 && Number.isFinite(o.fx))) throw new UserError(`focal length ${o.fx} px is not valid: give a positive number of pixels`);
    return { K: { fx: o.fx, fy: o.fx, cx, cy, width, height }, source: 'user' };
  }
  if (o.fovDeg !== undefined) {
    if (!(o.fovDeg > 1 && o.fovDeg < 179)) throw new UserError(`field of view ${o.fovDeg} deg is not valid: give 1..179 degrees`);
    const fx = width / 2 / Math.tan((o.fovDeg * Math.PI) / 360);
    return { K: { fx, fy: fx, cx, cy, width, height }, source: 'user' };
  }
  const m = o.modelFov;
  // Predicted FOVs can be degenerate (0 or ~pi): fall back rather than produce infinite focal lengths.
  const ok = (f: number) => Number.isFinite(f) && f > 0.05 && f < 3.0;
  if (m && ok(m[0]) && ok(m[1])) {
    return { K: { fx: width / 2 / Math.tan(m[1] / 2), fy: height / 2 / Math.tan(m[0] / 2), cx, cy, width, height }, source: 'model' };
  }
  const fx = width / 2 / Math.tan((DEFAULT_FOV_DEG * Math.PI) / 360);
  return { K: { fx, fy: fx, cx, cy, width, height }, source: 'default' };
}

/** Horizontal field of view of intrinsics, degrees. */
export const fovDegOf = (K: Intrinsics): number => (360 / Math.PI) * Math.atan(K.width / 2 / K.fx);

/** The same camera seen on a resampled grid (pixel-centre convention: cx scales with the size). */
export function scaleIntrinsics(K: Intrinsics, width: number, height: number): Intrinsics {
  const sx = width / K.width, sy = height / K.height;
  return { fx: K.fx * sx, fy: K.fy * sy, cx: K.cx * sx, cy: K.cy * sy, width, height };
}
