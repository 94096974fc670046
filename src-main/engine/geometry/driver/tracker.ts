import type { Mat4 } from '../../../common/types.ts';
import { trackKLT } from '../features.ts';
import { scaleIntrinsics } from '../../../common/camera/intrinsics.ts';
import { identity4, invRigid, mul4, rotationAngle, rotOf, hypot2 } from '../linalg.ts';
import { estimatePose, preferRotationOnly } from '../pose.ts';
import { bundleAdjustWindow, windowErrors, type WindowFocal } from '../window-ba.ts';
import type { FrameState, FrameWindow, Keyframe, KeyframeObservation } from './frame-window.ts';
import { makeKeyframe } from './keyframes.ts';

/**
 * The front end: each new frame's pose against the current keyframe (KLT tracks of its corners, a
 * robust pose, the sliding-window bundle adjustment). Returns false when the picture changed too much
 * to follow (a cut); a lost track (blur, occlusion) keeps the previous pose and says so (track 0).
 */
export function estimateMotion(w: FrameWindow, prev: FrameState, cur: FrameState): boolean {
  if (!w.kf || w.kf.frame.shotId !== prev.shotId) w.kf = makeKeyframe(w, prev);
  let r = trackAgainst(w, w.kf, prev, cur);
  // The keyframe's view may be used up (too few corners left, or a wild solution): one more try
  // against the previous frame as a fresh keyframe before declaring the track lost.
  if (r === 'lost' && w.kf.frame !== prev) { w.kf = makeKeyframe(w, prev); r = trackAgainst(w, w.kf, prev, cur); }
  if (r === 'cut') { w.kf = null; return false; }
  if (r !== 'ok') {
    // Lost track (blur, occlusion): assume no motion rather than invent one, and say so.
    cur.c2w = prev.c2w.slice();
    cur.anchor = prev.anchor;
    cur.track = 0;
    w.kf = null;
  }
  return true;
}

function trackAgainst(w: FrameWindow, key: Keyframe, prev: FrameState, cur: FrameState): 'ok' | 'lost' | 'cut' {
  const p = w.cfg.params.tracking;
  const k = w.K!;
  const tk0 = scaleIntrinsics(k, cur.pyr[0].width, cur.pyr[0].height);
  const sc = k.width / tk0.width;
  // With the focal length refined, the keyframe's window starts from the shot's shared value (the other keyframes').
  if (w.focal && !key.focal) { const pr = w.focal.prior(key.frame.index); key.focal = { s: pr.s0, ...pr }; }
  const fs = key.focal ? Math.exp(key.focal.s) : 1;
  const tk = fs === 1 ? tk0 : { ...tk0, fx: tk0.fx * fs, fy: tk0.fy * fs };
  const ids: number[] = [];
  for (let i = 0; i < key.n0; i++) if (key.alive[i]) ids.push(i);
  const from = new Float32Array(ids.length * 2);
  for (let j = 0; j < ids.length; j++) { const id = ids[j]; from[2 * j] = key.pos[2 * id]; from[2 * j + 1] = key.pos[2 * id + 1]; }
  const tr = trackKLT(prev.pyr, cur.pyr, from, p.kltWindow, p.kltBackError);
  const W = k.width, H = k.height;
  const at = (x: number, y: number) => Math.min(H - 1, Math.round(y * sc)) * W + Math.min(W - 1, Math.round(x * sc));
  // Keyframe points at their CURRENT (triangulation-refined) depths.
  const P: number[] = [], uv: number[] = [], Z: number[] = [], used: number[] = [];
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    if (!tr.ok[j]) { key.alive[id] = 0; continue; }
    const qx = tr.pts[2 * j], qy = tr.pts[2 * j + 1];
    key.pos[2 * id] = qx; key.pos[2 * id + 1] = qy;
    const z = 1 / key.pb.q[id];
    P.push((key.pb.rays[2 * id] * z) / fs, (key.pb.rays[2 * id + 1] * z) / fs, z);
    uv.push(qx, qy);
    used.push(id);
    const xc = cur.x[at(qx, qy)];
    const rc = prev.fit.s * xc + prev.fit.t;
    Z.push(xc > 0 && rc > 0 ? 1 / rc : 0);
  }
  const tracked = used.length;
  // A colour jump alone may be a light change; a cut also breaks tracking.
  // Judged frame to frame only: an old keyframe's corners may be used up for ordinary reasons.
  if (cur.histCut && tracked < p.cutTrackedFrac * ids.length) return key.frame === prev ? 'cut' : 'lost';
  if (tracked < p.minTracks) return 'lost';
  const P32 = Float32Array.from(P), uv32 = Float32Array.from(uv);
  // The last pose against the keyframe usually wins at once: the sampling stops when a better one is unlikely.
  const est = estimatePose(P32, uv32, Float32Array.from(Z), tk, { seed: cur.index + 1, init: key.lastT, confidence: POSE_RANSAC_CONFIDENCE });
  const ob: KeyframeObservation = { frame: cur, T: est.ok ? est.T : key.lastT, ids: Int32Array.from(used), uv: uv32 };
  // Pushed, not key.obs.map's (holey when this function runs optimised, packed before: the change of kind
  // threw its code away); loops, not closures made per call, whose code V8 drops at each collection.
  const savedT: Mat4[] = [];
  for (const o of key.obs) savedT.push(o.T);
  const saved = { q: key.pb.q.slice(), T: savedT };
  key.obs.push(ob);
  if (key.obs.length > p.baWindow) key.obs.shift();
  const focal: WindowFocal | undefined = key.focal ? { ...key.focal } : undefined;
  // All its iterations, no `stop`: on short shots the last small steps still move the poses enough to
  // decide which tracks triangulate within the COLMAP export's reprojection bound.
  bundleAdjustWindow(key.pb, key.obs, tk0, { priorSigma: p.baPriorSigma, focal });
  const err = windowErrors(key.pb, ob, tk0, focal ? Math.exp(focal.s) : 1);
  let inliers = 0;
  for (let j = 0; j < used.length; j++) if (err[j] < p.inlierPx) inliers++;
  const ratio = inliers / tracked;
  // Camera motion is smooth: a frame-to-frame turn far beyond any seen is a wrong solution.
  const prevC2w = prev === key.frame ? identity4() : mul4(invRigid(key.frame.c2w), prev.c2w);
  const turn = rotationAngle(rotOf(mul4(ob.T, prevC2w))) * (180 / Math.PI);
  if (inliers < p.minTracks / 2 || ratio < p.minInlierFrac || turn > p.maxTurnDeg) {
    // Undo: a failed frame must not bend the keyframe's geometry.
    key.obs.pop();
    key.pb.q.set(saved.q);
    const keep = key.obs.length;
    for (let i = 0; i < keep; i++) key.obs[i].T = saved.T[saved.T.length - keep + i];
    return 'lost';
  }
  const flows: number[] = [];
  for (let j = 0; j < used.length; j++) {
    // Tracks that disagree with the refined geometry have drifted (or sit on something moving): drop
    // them for good; but not before a third view, while the model's depth still dominates the geometry.
    if (!(err[j] < p.dropPx) && key.obs.length >= p.dropAfterViews) { key.alive[used[j]] = 0; continue; }
    flows.push(hypot2(uv32[2 * j] - key.pix[2 * used[j]], uv32[2 * j + 1] - key.pix[2 * used[j] + 1]));
  }
  flows.sort(ascending);
  const flow = flows.length ? flows[flows.length >> 1] : 0;
  const z = new Float32Array(used.length * 3);
  const fs1 = focal ? Math.exp(focal.s) : 1, tk1 = fs1 === 1 ? tk0 : { ...tk0, fx: tk0.fx * fs1, fy: tk0.fy * fs1 };
  for (let j = 0; j < used.length; j++) { const id = used[j], d = 1 / key.pb.q[id] / fs1; z[3 * j] = key.pb.rays[2 * id] * d; z[3 * j + 1] = key.pb.rays[2 * id + 1] * d; z[3 * j + 2] = d * fs1; }
  ob.T = preferRotationOnly(z, uv32, ob.T, tk1).T;
  if (focal && w.focal) {
    w.focal.set(key.frame.index, cur.index, { s: focal.s, info: focal.info ?? 0, s0: focal.s0, sigma: focal.sigma });
    key.focal!.s = focal.s;
  }
  key.lastT = ob.T;
  cur.track = Math.min(1, inliers / p.fullQualityInliers) * Math.min(1, ratio / p.fullQualityFrac);
  // The window re-estimated earlier frames too: those not yet emitted take the refined pose.
  for (const o of key.obs) {
    if (o.frame.index <= w.nextEmit || o.frame.shotId !== key.frame.shotId) continue;
    o.frame.c2w = mul4(key.frame.c2w, invRigid(o.T));
    o.frame.anchor = key.frame.index;
  }
  let alive = 0;
  for (let i = 0; i < key.n0; i++) alive += key.alive[i];
  // The next frame tracks against this one when the keyframe's view is used up.
  if (alive < Math.max(p.keyframeMinTracks, p.keyframeKeep * key.n0) || flow > p.keyframeFlow * tk.width) w.kf = null;
  return 'ok';
}

/** Probability that the pose RANSAC has drawn an all-inlier sample when it stops (adaptive count). */
const POSE_RANSAC_CONFIDENCE = 0.999;

function ascending(a: number, b: number): number {
  return a - b;
}
