import type { Intrinsics } from '../../common/types.ts';
import { hypot2 } from './linalg.ts';
import type { WindowObservation, WindowProblem } from './window-ba.ts';

/** Reprojection error (pixels) of each observation of one frame under the problem's current depths (and the window's focal scale, exp(s)). */
export function windowErrors(pb: WindowProblem, ob: WindowObservation, K: Intrinsics, focalScale = 1): Float32Array {
  // The pose copied into typed scratch (the same values): callers' observations and poses come in several
  // shapes and element kinds, read here; the loop (frameErrors) reads only typed arrays and numbers.
  const T = ob.T, Rt = weRt;
  Rt[0] = T[0]; Rt[1] = T[1]; Rt[2] = T[2]; Rt[3] = T[4]; Rt[4] = T[5]; Rt[5] = T[6]; Rt[6] = T[8]; Rt[7] = T[9]; Rt[8] = T[10];
  Rt[9] = T[3]; Rt[10] = T[7]; Rt[11] = T[11];
  return frameErrors(ob.ids, ob.uv, pb.rays, pb.q, Rt, K.fx, K.fy, K.cx, K.cy, focalScale);
}
const weRt = new Float64Array(12);

function frameErrors(ids: Int32Array, uv: Float32Array, rays: Float32Array, q: Float64Array, Rt: Float64Array, Kfx: number, Kfy: number, cx: number, cy: number, focalScale: number): Float32Array {
  const e = new Float32Array(ids.length);
  const fx = Kfx * focalScale, fy = Kfy * focalScale;
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k], z = 1 / q[i], x = (rays[2 * i] * z) / focalScale, y = (rays[2 * i + 1] * z) / focalScale;
    const Zc = Rt[6] * x + Rt[7] * y + Rt[8] * z + Rt[11];
    // One store for both cases (as robustCost's one add): a store only a point behind reached had no feedback.
    let err = Infinity;
    if (!(Zc <= 1e-6)) {
      const eu = (fx * (Rt[0] * x + Rt[1] * y + Rt[2] * z + Rt[9])) / Zc + cx - uv[2 * k];
      const ev = (fy * (Rt[3] * x + Rt[4] * y + Rt[5] * z + Rt[10])) / Zc + cy - uv[2 * k + 1];
      err = hypot2(eu, ev);
    }
    e[k] = err;
  }
  return e;
}
