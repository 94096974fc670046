import { depthCorners, trackKLT } from '../features.ts';
import { scaleIntrinsics } from '../../../common/camera/intrinsics.ts';
import { identity4, invRigid, mul4 } from '../linalg.ts';
import { triangulateCorners, type CornerView } from '../triangulate.ts';
import type { WindowProblem } from '../window-ba.ts';
import { bestInv, type FrameState, type FrameWindow, type Keyframe } from './frame-window.ts';

/**
 * Tracking keyframe: its corners are followed frame to frame (chained KLT) and every later frame's
 * pose is estimated against the keyframe's 3D points. The longer baseline conditions the
 * rotation/translation split far better than consecutive frames (where lateral motion and rotation
 * are nearly ambiguous), and neighbouring frames share the keyframe's errors, so their RELATIVE
 * poses (what the stereo needs) are much more accurate than a chain of two-view estimates.
 */
export function makeKeyframe(w: FrameWindow, s: FrameState): Keyframe {
  const { rays, q, pix } = depthCorners(s.pyr[0], bestInv(s), w.K!, w.cfg.params.tracking.cornerCell);
  const n = q.length;
  const pb = (w.cfg.unitTransfer && transferUnits(w, s, rays, q, pix)) || { rays, q, q0: q.slice() };
  return {
    frame: s, pb,
    pix, pos: pix.slice(), alive: new Uint8Array(n).fill(1), n0: n, obs: [], lastT: identity4(),
  };
}

/**
 * A new keyframe's corners in the units of the path so far. Without this every keyframe restarts in
 * its own model depth's units, and the path's scale jumps with whatever the model gets wrong in that
 * view (FastDepth's depth is compressed toward ~1 m, so its units depend on what is in view). The
 * corners are tracked back through the frames before the keyframe, which are posed in the path's
 * units, and triangulated there; those that the views pin down keep their triangulated depth (a firm
 * prior in the window BA), the rest take the model's depth scaled by the triangulated ones. null: too
 * few corners triangulated (a blank stretch, a turn on the spot): the keyframe restarts in the model's
 * units, which measured better than carrying the last factor over (ATE 1.80% against 3.22%).
 */
function transferUnits(w: FrameWindow, s: FrameState, rays: Float32Array, q: Float64Array, pix: Float32Array): WindowProblem | null {
  const u = w.cfg.params.units;
  const chain: FrameState[] = [];
  for (let j = w.frames.length - 1; j >= 0 && chain.length < u.history; j--) {
    const f = w.frames[j];
    if (f.index >= s.index) continue;
    const next = chain.length ? chain[chain.length - 1].index : s.index;
    if (f.shotId !== s.shotId || !f.pyr.length || f.track === 0 || f.index !== next - 1) break;
    chain.push(f);
  }
  if (chain.length < 2) return null;
  const tk = scaleIntrinsics(w.K!, s.pyr[0].width, s.pyr[0].height);
  const n = q.length;
  const views: CornerView[] = [];
  // Only the corners still followed are tracked on, one frame further back each step.
  let ids = Array.from({ length: n }, (_, i) => i), pts = pix, from = s.pyr;
  for (const f of chain) {
    if (ids.length < u.minCorners) break;
    const tr = trackKLT(from, f.pyr, pts, w.cfg.params.tracking.kltWindow, u.kltBackError);
    const uv = new Float32Array(2 * n).fill(NaN);
    const kept: number[] = [], next: number[] = [];
    // A loop, not a forEach closure made per step: V8 drops such a closure's code at each collection.
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j];
      if (!tr.ok[j]) continue;
      uv[2 * id] = tr.pts[2 * j]; uv[2 * id + 1] = tr.pts[2 * j + 1];
      kept.push(id); next.push(tr.pts[2 * j], tr.pts[2 * j + 1]);
    }
    views.push({ T: mul4(invRigid(f.c2w), s.c2w), uv });
    ids = kept; pts = Float32Array.from(next); from = f.pyr;
  }
  const tri = triangulateCorners(rays, q, views, tk);
  if (tri.count < u.minCorners) return null;
  const logs: number[] = [];
  for (let i = 0; i < n; i++) if (tri.q[i] > 0) logs.push(Math.log(tri.q[i] / q[i]));
  const unit = Math.exp(logs.sort(ascending)[logs.length >> 1]);
  const q0 = new Float64Array(n), w0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    q0[i] = tri.q[i] > 0 ? tri.q[i] : q[i] * unit;
    w0[i] = tri.q[i] > 0 ? u.weight : 1;
  }
  return { rays, q: q0.slice(), q0, w0 };
}

function ascending(a: number, b: number): number {
  return a - b;
}
