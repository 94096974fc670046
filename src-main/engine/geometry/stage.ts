import { throwIfAborted } from '../../common/errors.ts';
import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame } from '../../common/types.ts';
import { fitScaleShift, median, warpInvDepth } from './align.ts';
import { depthCorners, trackKLT } from './features.ts';
import { fillHoles, spikeLimit } from './depth-spikes.ts';
import { averagingWeight } from './averaging-weight.ts';
import { createTemporalFilter } from './temporal-filter.ts';
import { createScaleSmoother } from './scale-smoother.ts';
import { createViewFusion, fusionGrid, FUSION_RADIUS, FUSION_STEP, type FusionView } from './view-fusion.ts';
import { fuseWithPrior } from './fuse.ts';
import { boxDown, resizeWithHoles, downsampleRgbGray, trackingPyramid, type Plane } from './image.ts';
import { scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import { fromRt, identity4, invRigid, mul4, rotationAngle, rotOf, transOf } from './linalg.ts';
import { census5, planeSweep, sweepRange, STEREO_P2, STEREO_PRIOR } from './mvs.ts';
import { estimatePose, preferRotationOnly } from './pose.ts';
import { bundleAdjustWindow, windowErrors, type WindowObservation, type WindowProblem } from './window-ba.ts';
import { colorHistogram, createCutDetector } from './shot-cut.ts';
import { triangulateCorners, type CornerView } from './triangulate.ts';

export { intrinsicsFor } from '../../common/camera/intrinsics.ts';
export { backproject, createCloudFuser, writePly } from './pointcloud.ts';
export { writeCameraPath } from './camera-path.ts';

export interface GeometryFrame {
  index: number;
  rgb: RgbFrame;
  depth: DepthMap;
  /** A model's own pose prediction [tx,ty,tz,qx,qy,qz,qw,fovH,fovW]; not used yet (footage poses are more reliable for small models). */
  modelPose?: number[];
}

export interface GeometryOutput {
  index: number;
  /** 3D-consistent depth, same grid and kind as the input depth. */
  depth: DepthMap;
  /** Camera-to-world in the shot's world, OpenCV axes, row-major; units are the depth's. */
  pose: Mat4;
  /** 0..1: how well the pose (and with it the depth refinement) is constrained; ~0 for static/pure-rotation shots. */
  confidence: number;
  shotId: number;
  /** With `keepAligned`: the depth after scale/shift alignment only (no multi-view refinement), for evaluation. */
  aligned?: DepthMap;
}

export interface GeometryStageOptions {
  /** Intrinsics of the input depth's grid. */
  intrinsics: Intrinsics;
  /** Frames kept in memory (past and pending) at least; bounds memory whatever the clip length. The output's lag and the fusion's reach raise it. */
  window?: number;
  signal?: AbortSignal;
  /** Width frames are analysed at (poses, stereo). Default 256. */
  analysisWidth?: number;
  /**
   * Multi-view shape refinement (plane sweep + SGM, past/future consistency check). Default false:
   * measured on tartanair-hospital it barely changes AbsRel and delta1 and RAISES the temporal error
   * while the estimated poses are ~0.4 deg/frame off (it needs ~0.1 deg); see the README's figures.
   */
  mvs?: boolean;
  /** Frames of look-ahead the stereo may use (= output lag). Default 4. */
  lag?: number;
  keepAligned?: boolean;
  /** Pose-guided temporal filter on the output depth (temporal-filter.ts). Default true. */
  temporal?: boolean;
  /**
   * The depth's scale made one along the shot (scale-smoother.ts), for metric and relative models.
   * Default true. It delays the output by SCALE_LOOKAHEAD frames; the frames in between are held
   * without their tracking images, so memory stays a few MB per held frame. false: a metric model's
   * scale is left frame by frame, and relative depth is chained to the frames before it.
   */
  scale?: boolean;
  /**
   * Each frame's depth fused with its neighbours' (+-FUSION_RADIUS frames) moved into it along the
   * poses (view-fusion.ts). Default true; it delays the output by FUSION_RADIUS frames.
   */
  fusion?: boolean;
  /**
   * Each new keyframe takes the path's units from the frames before it (its corners triangulated on
   * their poses) instead of restarting in its own model depth's units; the path is then in one unit
   * along the shot and is not rescaled by the depth's scale. Default true; false shows what it adds.
   */
  unitTransfer?: boolean;
}

interface KeyframeObservation extends WindowObservation { frame: FrameState }

interface Keyframe {
  frame: FrameState;
  /** Corner rays and inverse depths (from the aligned depth, then refined by the window BA). */
  pb: WindowProblem;
  /** The latest frames' views of the corners: the bundle adjustment window. */
  obs: KeyframeObservation[];
  /** Corner pixels in the keyframe and their latest tracked positions (tracking resolution). */
  pix: Float32Array;
  pos: Float32Array;
  alive: Uint8Array;
  n0: number;
  /** Last estimated keyframe -> frame transform (motion prior for the next frame). */
  lastT: Mat4;
}

interface FrameState {
  index: number;
  shotId: number;
  kind: DepthKind;
  outW: number;
  outH: number;
  /** The model's depth as pushed (output is this, aligned: no round trip through the analysis grid). */
  input: DepthMap;
  gray: Plane;
  /** Tracking pyramid, at up to twice the analysis resolution: KLT cost is per point, not per pixel, so finer is nearly free and much more accurate. */
  pyr: Plane[];
  hist: Float32Array;
  histCut: boolean;
  census: Int32Array;
  /** Model output as disparity (1/depth for metric models), analysis grid. */
  x: Float32Array;
  /** Aligned inverse depth in shot-world units. */
  aligned: Float32Array;
  final: Float32Array | null;
  /** Aligned inverse depth and grey levels on the fusion grid (view-fusion.ts), with `fusion`. */
  coarse: { inv: Float32Array; gray: Float32Array } | null;
  c2w: Mat4;
  /** The keyframe this frame's pose was measured from (-1: none): its translation is in that frame's depth units. */
  anchor: number;
  /** Median |log| ratio between this frame's depth and the previous frame's moved into it, after their scales: how much the model disagrees with itself frame to frame. */
  disagree?: number;
  track: number;
  fit: { s: number; t: number };
}

/**
 * Streaming geometry: per pushed frame, estimate its pose against the previous one, align its depth
 * to the scene seen so far, then fuse it with its posed neighbours (and, opt-in, refine it by stereo)
 * and emit it once its future neighbours are posed: SCALE_LOOKAHEAD frames back, as the scale waits for
 * them (FUSION_RADIUS with `scale: false`). Holds a bounded window of frames, whatever the clip length.
 */
export function createGeometryStage(opts: GeometryStageOptions) {
  const lag = Math.max(0, opts.lag ?? 4);
  const useMvs = opts.mvs ?? false;
  const useScale = opts.scale ?? true;
  const useFusion = opts.fusion ?? true;
  const useTransfer = opts.unitTransfer ?? true;
  const fusionRadius = useFusion ? FUSION_RADIUS : 0;
  let fusion: ReturnType<typeof createViewFusion> | null = null;
  const smoother = createScaleSmoother({ pull: SCALE_PULL, lookahead: SCALE_LOOKAHEAD });
  // Decided on the first frame (the output's lag and the window follow from it).
  let scaled = false;
  let outLag = Math.max(lag, fusionRadius);
  // Held: the frames awaiting output, and the emitted ones still fused into them.
  let windowSize = Math.max(lag + 4, opts.window ?? 14, outLag + fusionRadius + 2);
  const frames: FrameState[] = [];
  let K: Intrinsics | null = null;
  let shotId = 0;
  const cuts = createCutDetector();
  let nextEmit = -1;

  function prepare(f: GeometryFrame): FrameState {
    const aw = opts.analysisWidth ?? 256;
    const ah = Math.max(8, Math.round((aw * f.rgb.height) / f.rgb.width));
    if (!K) K = scaleIntrinsics(opts.intrinsics, aw, ah);
    const { gray, rgb } = downsampleRgbGray(f.rgb.data, f.rgb.width, f.rgb.height, aw, ah);
    const d = resizeWithHoles(f.depth.data, f.depth.width, f.depth.height, aw, ah);
    const x = new Float32Array(aw * ah);
    for (let i = 0; i < x.length; i++) {
      const v = d[i];
      x[i] = f.depth.kind === 'metric' ? (v > 0 ? 1 / v : 0) : Math.max(0, v);
    }
    // Failed pixels become holes: alignment, tracking depth and stereo ignore them; output fills them.
    const limit = spikeLimit(x);
    for (let i = 0; i < x.length; i++) if (x[i] > limit) x[i] = 0;
    const hist = colorHistogram(rgb);
    return {
      index: f.index, shotId, kind: f.depth.kind, outW: f.depth.width, outH: f.depth.height, input: f.depth, hist, histCut: cuts.push(hist).cut,
      gray, pyr: trackingPyramid(f.rgb.data, f.rgb.width, f.rgb.height, aw), census: census5(gray), x, aligned: new Float32Array(aw * ah), final: null, coarse: null,
      c2w: identity4(), anchor: -1, track: 1, fit: { s: 1, t: 0 },
    };
  }

  const bestInv = (s: FrameState) => s.final ?? s.aligned;

  /**
   * Tracking keyframe: its corners are followed frame to frame (chained KLT) and every later frame's
   * pose is estimated against the keyframe's 3D points. The longer baseline conditions the
   * rotation/translation split far better than consecutive frames (where lateral motion and rotation
   * are nearly ambiguous), and neighbouring frames share the keyframe's errors, so their RELATIVE
   * poses (what the stereo needs) are much more accurate than a chain of two-view estimates.
   */
  let kf: Keyframe | null = null;

  function makeKeyframe(s: FrameState): Keyframe {
    const { rays, q, pix } = depthCorners(s.pyr[0], bestInv(s), K!);
    const n = q.length;
    const pb = (useTransfer && transferUnits(s, rays, q, pix)) || { rays, q, q0: q.slice() };
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
  function transferUnits(s: FrameState, rays: Float32Array, q: Float64Array, pix: Float32Array): WindowProblem | null {
    const chain: FrameState[] = [];
    for (let j = frames.length - 1; j >= 0 && chain.length < TRI_HISTORY; j--) {
      const f = frames[j];
      if (f.index >= s.index) continue;
      const next = chain.length ? chain[chain.length - 1].index : s.index;
      if (f.shotId !== s.shotId || !f.pyr.length || f.track === 0 || f.index !== next - 1) break;
      chain.push(f);
    }
    if (chain.length < 2) return null;
    const tk = scaleIntrinsics(K!, s.pyr[0].width, s.pyr[0].height);
    const n = q.length;
    const views: CornerView[] = [];
    // Only the corners still followed are tracked on, one frame further back each step.
    let ids = Array.from({ length: n }, (_, i) => i), pts = pix, from = s.pyr;
    for (const f of chain) {
      if (ids.length < TRI_MIN) break;
      const tr = trackKLT(from, f.pyr, pts, 7, 1.0);
      const uv = new Float32Array(2 * n).fill(NaN);
      const kept: number[] = [], next: number[] = [];
      ids.forEach((id, j) => {
        if (!tr.ok[j]) return;
        uv[2 * id] = tr.pts[2 * j]; uv[2 * id + 1] = tr.pts[2 * j + 1];
        kept.push(id); next.push(tr.pts[2 * j], tr.pts[2 * j + 1]);
      });
      views.push({ T: mul4(invRigid(f.c2w), s.c2w), uv });
      ids = kept; pts = Float32Array.from(next); from = f.pyr;
    }
    const tri = triangulateCorners(rays, q, views, tk);
    if (tri.count < TRI_MIN) return null;
    const logs: number[] = [];
    for (let i = 0; i < n; i++) if (tri.q[i] > 0) logs.push(Math.log(tri.q[i] / q[i]));
    const unit = Math.exp(logs.sort((a, b) => a - b)[logs.length >> 1]);
    const q0 = new Float64Array(n), w0 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      q0[i] = tri.q[i] > 0 ? tri.q[i] : q[i] * unit;
      w0[i] = tri.q[i] > 0 ? TRI_WEIGHT : 1;
    }
    return { rays, q: q0.slice(), q0, w0 };
  }

  /** Tracks prev -> cur; returns false when the picture changed too much to follow (a cut, or lost track). */
  function estimateMotion(prev: FrameState, cur: FrameState): boolean {
    if (!kf || kf.frame.shotId !== prev.shotId) kf = makeKeyframe(prev);
    let r = trackAgainst(kf, prev, cur);
    // The keyframe's view may be used up (too few corners left, or a wild solution): one more try
    // against the previous frame as a fresh keyframe before declaring the track lost.
    if (r === 'lost' && kf.frame !== prev) { kf = makeKeyframe(prev); r = trackAgainst(kf, prev, cur); }
    if (r === 'cut') { kf = null; return false; }
    if (r !== 'ok') {
      // Lost track (blur, occlusion): assume no motion rather than invent one, and say so.
      cur.c2w = prev.c2w.slice();
      cur.anchor = prev.anchor;
      cur.track = 0;
      kf = null;
    }
    return true;
  }

  function trackAgainst(key: Keyframe, prev: FrameState, cur: FrameState): 'ok' | 'lost' | 'cut' {
    const k = K!;
    const tk = scaleIntrinsics(k, cur.pyr[0].width, cur.pyr[0].height);
    const sc = k.width / tk.width;
    const ids: number[] = [];
    for (let i = 0; i < key.n0; i++) if (key.alive[i]) ids.push(i);
    const from = new Float32Array(ids.length * 2);
    ids.forEach((id, j) => { from[2 * j] = key.pos[2 * id]; from[2 * j + 1] = key.pos[2 * id + 1]; });
    // Loose forward-backward gate: fast motion fails many tracks by 1-2 px there, and the bundle
    // adjustment's reprojection check removes the truly drifted ones anyway.
    const tr = trackKLT(prev.pyr, cur.pyr, from, 7, 2.0);
    const w = k.width, h = k.height;
    const at = (x: number, y: number) => Math.min(h - 1, Math.round(y * sc)) * w + Math.min(w - 1, Math.round(x * sc));
    // Keyframe points at their CURRENT (triangulation-refined) depths.
    const P: number[] = [], uv: number[] = [], Z: number[] = [], used: number[] = [];
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j];
      if (!tr.ok[j]) { key.alive[id] = 0; continue; }
      const qx = tr.pts[2 * j], qy = tr.pts[2 * j + 1];
      key.pos[2 * id] = qx; key.pos[2 * id + 1] = qy;
      const z = 1 / key.pb.q[id];
      P.push(key.pb.rays[2 * id] * z, key.pb.rays[2 * id + 1] * z, z);
      uv.push(qx, qy);
      used.push(id);
      const xc = cur.x[at(qx, qy)];
      const rc = prev.fit.s * xc + prev.fit.t;
      Z.push(xc > 0 && rc > 0 ? 1 / rc : 0);
    }
    const tracked = used.length;
    // A colour jump alone may be a light change; a cut also breaks tracking.
    // Judged frame to frame only: an old keyframe's corners may be used up for ordinary reasons.
    if (cur.histCut && tracked < 0.35 * ids.length) return key.frame === prev ? 'cut' : 'lost';
    if (tracked < MIN_TRACKS) return 'lost';
    const P32 = Float32Array.from(P), uv32 = Float32Array.from(uv);
    const est = estimatePose(P32, uv32, Float32Array.from(Z), tk, { seed: cur.index + 1, init: key.lastT });
    const ob: KeyframeObservation = { frame: cur, T: est.ok ? est.T : key.lastT, ids: Int32Array.from(used), uv: uv32 };
    const saved = { q: key.pb.q.slice(), T: key.obs.map((o) => o.T) };
    key.obs.push(ob);
    if (key.obs.length > BA_WINDOW) key.obs.shift();
    bundleAdjustWindow(key.pb, key.obs, tk, { priorSigma: 2 });
    const err = windowErrors(key.pb, ob, tk);
    let inliers = 0;
    for (let j = 0; j < used.length; j++) if (err[j] < 1.5) inliers++;
    const ratio = inliers / tracked;
    // Camera motion is smooth: a frame-to-frame turn far beyond any seen is a wrong solution.
    const prevC2w = prev === key.frame ? identity4() : mul4(invRigid(key.frame.c2w), prev.c2w);
    const turn = rotationAngle(rotOf(mul4(ob.T, prevC2w))) * (180 / Math.PI);
    if (inliers < MIN_TRACKS / 2 || ratio < 0.25 || turn > MAX_TURN_DEG) {
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
      if (!(err[j] < 3) && key.obs.length >= KILL_AFTER) { key.alive[used[j]] = 0; continue; }
      flows.push(Math.hypot(uv32[2 * j] - key.pix[2 * used[j]], uv32[2 * j + 1] - key.pix[2 * used[j] + 1]));
    }
    flows.sort((a, b) => a - b);
    const flow = flows.length ? flows[flows.length >> 1] : 0;
    const z = new Float32Array(used.length * 3);
    used.forEach((id, j) => { const d = 1 / key.pb.q[id]; z[3 * j] = key.pb.rays[2 * id] * d; z[3 * j + 1] = key.pb.rays[2 * id + 1] * d; z[3 * j + 2] = d; });
    ob.T = preferRotationOnly(z, uv32, ob.T, tk).T;
    key.lastT = ob.T;
    cur.track = Math.min(1, inliers / 40) * Math.min(1, ratio / 0.5);
    // The window re-estimated earlier frames too: those not yet emitted take the refined pose.
    for (const o of key.obs) {
      if (o.frame.index <= nextEmit || o.frame.shotId !== key.frame.shotId) continue;
      o.frame.c2w = mul4(key.frame.c2w, invRigid(o.T));
      o.frame.anchor = key.frame.index;
    }
    let alive = 0;
    for (let i = 0; i < key.n0; i++) alive += key.alive[i];
    // The next frame tracks against this one when the keyframe's view is used up.
    if (alive < Math.max(KF_MIN, KF_KEEP * key.n0) || flow > KF_FLOW * tk.width) kf = null;
    return 'ok';
  }

  function align(cur: FrameState) {
    const k = K!;
    const past = frames.filter((s) => s.shotId === cur.shotId && s.index < cur.index);
    // Each frame keeps its model's scale here: a chain of frame-to-frame fits random-walks in scale (local
    // scale errors up to 1.5x between neighbours on tartanair-hospital), and even pulled back toward the
    // model's scale by 30% a frame it cost accuracy (AbsRel/delta1 0.404/0.317 against 0.393/0.351 with
    // the model's scale). The scale is made one along the shot at output instead, from ratios solved
    // together with a look-ahead (linkScale, scale-smoother.ts). That holds for a relative model too
    // (`npm run eval -- DIR --as-relative`: 0.374/0.350 against the chain's 0.417/0.291 and the model's
    // 0.415/0.336 on tartanair-hospital); only with `scale: false` is relative depth chained here, in
    // scale and shift, to the frames before it.
    if (!past.length || scaled || cur.kind === 'metric') {
      cur.fit = { s: 1, t: 0 };
    } else {
      // Targets: the previous frame and the latest refined frames, so scale cannot random-walk.
      const targets = [past[past.length - 1]];
      const refined = past.filter((s) => s.final);
      if (refined.length) targets.push(refined[refined.length - 1]);
      if (refined.length > 3) targets.push(refined[0]); // the oldest kept: long baselines stop scale random-walking
      const xs: number[] = [], ys: number[] = [];
      for (const t of targets) {
        if (t.track === 0 && t !== targets[0]) continue;
        const warped = warpInvDepth(bestInv(t), k, t.c2w, cur.c2w, 2);
        for (let p = 0; p < warped.length; p++) {
          if (warped[p] > 0 && cur.x[p] > 0) { xs.push(cur.x[p]); ys.push(warped[p]); }
        }
      }
      const prev = past[past.length - 1];
      const f = fitScaleShift(Float32Array.from(xs), Float32Array.from(ys), xs.length, { shift: cur.kind === 'relative-inverse' });
      cur.fit = f && f.inlierFrac > 0.2 ? { s: f.s, t: f.t } : { ...prev.fit };
    }
    const { s, t } = cur.fit;
    // Disparity cannot go below a small floor: the far field would become infinite depth.
    let maxR = 0;
    for (let p = 0; p < cur.x.length; p++) if (cur.x[p] > 0) maxR = Math.max(maxR, s * cur.x[p] + t);
    const floor = maxR * 0.01;
    for (let p = 0; p < cur.x.length; p++) cur.aligned[p] = cur.x[p] > 0 ? Math.max(floor, s * cur.x[p] + t) : 0;
    if (useFusion) cur.coarse = { inv: boxDown(cur.aligned, k.width, k.height, FUSION_STEP, true), gray: boxDown(cur.gray.data, k.width, k.height, FUSION_STEP) };
  }

  /**
   * Refines frame `ref` against posed neighbours in its shot; returns the frame's confidence. `gain`
   * (the scale smoother's factor) puts it in the smoothed scale, so the prior and every neighbour's
   * baseline agree.
   */
  function refine(ref: FrameState, gain: number): number {
    const k = K!;
    const prior = gain === 1 ? ref.aligned : ref.aligned.map((v) => v * gain);
    const refPose = poseOf(ref);
    const rs = sortedSample(prior);
    if (!rs.length) { ref.final = ref.aligned.slice(); return 0; }
    const farRho = rs[Math.floor(rs.length * PARALLAX_QUANTILE)];
    // Choose neighbours whose baseline gives useful parallax (too little: no depth signal; too much: occlusion, distortion).
    const cands = frames
      .filter((s) => s.shotId === ref.shotId && s !== ref && Math.abs(s.index - ref.index) <= lag + 4 && s.track > 0)
      .map((s) => {
        const T = mul4(invRigid(poseOf(s)), refPose);
        const b = Math.hypot(...transOf(T));
        return { s, T, px: k.fx * b * farRho };
      })
      .filter((c) => c.px > 1.5);
    const pick = (list: typeof cands) => list.sort((a, b) => Math.abs(Math.log(a.px / TARGET_PX)) - Math.abs(Math.log(b.px / TARGET_PX))).slice(0, 2);
    const chosen = [...pick(cands.filter((c) => c.s.index < ref.index)), ...pick(cands.filter((c) => c.s.index > ref.index))];
    const maxPx = chosen.reduce((m, c) => Math.max(m, c.px), 0);
    const trackQ = Math.min(ref.track || 0, ...chosen.map((c) => c.s.track));
    // The frame's confidence keeps reading the parallax at the median depth: what most of the picture has.
    const conf = Math.min(1, (maxPx * rs[rs.length >> 1]) / farRho / 8) * (chosen.length ? trackQ : 0);
    if (!useMvs || chosen.length === 0 || maxPx < 3) { ref.final = ref.aligned.slice(); return conf; }
    const { min: lo, max: hi } = sweepRange(rs);
    const labels = Math.max(24, Math.min(MAX_LABELS, Math.round(k.fx * maxPx / (k.fx * farRho) * (hi - lo) * 1.5)));
    // Multi-view consistency: the past and the future neighbours give two INDEPENDENT stereo depths
    // (different baselines, different pose errors, different occlusions). Only where they agree is the
    // stereo trusted to replace the model; a pose error or a false match shows up as disagreement.
    const past = chosen.filter((c) => c.s.index < ref.index), future = chosen.filter((c) => c.s.index > ref.index);
    const side = (cs: typeof chosen) => cs.reduce((m, c) => Math.max(m, c.px), 0);
    // Depth error ~ pose error (pixels) / parallax (pixels): a side whose baseline is short next to
    // the remaining pose error would only copy that error into the depth.
    if (side(past) < MIN_SIDE_PX || side(future) < MIN_SIDE_PX) { ref.final = ref.aligned.slice(); return conf; }
    // The model's depth is a soft term of the sweep's cost: in the smoothed scale it agrees with the
    // baselines (opt-in stereo on tartanair-hospital: TAE 6.98 -> 6.55, AbsRel and delta1 the same).
    const sweep = (cs: typeof chosen) => planeSweep(ref.gray, ref.census, cs.map((c) => ({ census: c.s.census, T: c.T })), k, { min: lo, max: hi, labels }, { P2: STEREO_P2, prior: { inv: prior, ...STEREO_PRIOR } });
    const mA = sweep(past), mB = sweep(future);
    const N = prior.length;
    const wgt = new Float32Array(N), inv = new Float32Array(N);
    for (let p = 0; p < N; p++) {
      const a = mA.inv[p], b = mB.inv[p];
      if (!(prior[p] > 0 && a > 0 && b > 0)) continue;
      if (Math.abs(Math.log(a / b)) > AGREE) continue;
      const v = Math.sqrt(a * b), r = v / prior[p];
      if (!(r > 0.33 && r < 3)) continue;
      const c = Math.min(1, Math.min(mA.conf[p], mB.conf[p]) / 0.3);
      if (c < 0.2) continue;
      wgt[p] = c; inv[p] = v;
    }
    // Pointwise only: spreading the stereo's correction to untrusted pixels (normalised convolution)
    // was measured to raise the temporal error with estimated poses.
    ref.final = fuseWithPrior(prior, inv, wgt, k.width, k.height, []);
    if (gain !== 1) for (let p = 0; p < N; p++) ref.final[p] /= gain;
    return conf;
  }

  let temporal: ReturnType<typeof createTemporalFilter> | null = null;
  /**
   * Emitted positions once the depth's scale is smoothed, without the unit transfer: each keyframe's
   * stretch of path was measured in that keyframe's depth units, so it is rescaled by that keyframe's
   * factor and re-chained.
   * Holds the emitted frames that later frames may still be anchored to.
   */
  const placed = new Map<number, { raw: number[]; out: number[]; depthGain: number }>();
  /** A position measured from keyframe `anchor`, rescaled; frames not yet emitted take their factor so far. */
  function rescaled(anchor: number, raw: number[]): number[] {
    const a = placed.get(anchor);
    if (a) return raw.map((v, i) => a.out[i] + a.depthGain * (v - a.raw[i]));
    const f = frames.find((s) => s.index === anchor);
    if (!f) return raw;
    const fRaw = transOf(f.c2w), fOut = rescaled(f.anchor, fRaw), g = Math.exp(-smoother.value(f.index));
    return raw.map((v, i) => fOut[i] + g * (v - fRaw[i]));
  }
  /** The scale smoother's current factor on a frame's inverse depth. */
  const gainOf = (f: FrameState) => (scaled ? Math.exp(smoother.value(f.index)) : 1);
  /** The pose in the output's units: with the unit transfer the path is in one unit already. */
  function poseOf(s: FrameState): Mat4 {
    if (!scaled || useTransfer) return s.c2w;
    return fromRt(rotOf(s.c2w), placed.get(s.index)?.out ?? rescaled(s.anchor, transOf(s.c2w)));
  }
  function place(s: FrameState, gain: number): Mat4 {
    const raw = transOf(s.c2w);
    const out = rescaled(s.anchor, raw);
    placed.set(s.index, { raw, out, depthGain: 1 / gain });
    return fromRt(rotOf(s.c2w), out);
  }

  /** `gain`: the scale smoother's factor on inverse depth. */
  function output(s: FrameState, conf: number, gain: number, w: number): GeometryOutput {
    const k = K!;
    const c2w = scaled && !useTransfer ? place(s, gain) : s.c2w;
    // The fit is applied to the model's depth on ITS OWN grid: resampling to the analysis grid and
    // back would blur away detail (measured: it alone cost more AbsRel than alignment gains). The
    // stereo's change, where there is one, comes back as a smooth per-pixel factor.
    const a = s.fit.s * gain, b = s.fit.t * gain;
    const src = s.input.data, n = src.length;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = s.kind === 'metric' ? (src[i] > 0 ? 1 / src[i] : 0) : Math.max(0, src[i]);
    // A metric depth of 0 is a failed pixel; a disparity of 0 is legitimately "very far".
    const limit = spikeLimit(x);
    const failed = (v: number) => v > limit || (s.kind === 'metric' && v === 0);
    const inv = new Float32Array(n);
    let maxR = 0, nFailed = 0;
    for (let i = 0; i < n; i++) {
      if (failed(x[i])) { nFailed++; continue; }
      inv[i] = x[i] > 0 ? a * x[i] + b : 0;
      if (inv[i] > maxR) maxR = inv[i];
    }
    // Only a guard against infinite depth: a 1% floor (as on the analysis grid) clipped the far field
    // of wide indoor scenes to 100x the nearest depth and measurably cost accuracy.
    const floor = maxR * 1e-3;
    for (let i = 0; i < n; i++) if (inv[i] !== 0) inv[i] = Math.max(floor, inv[i]);
    if (nFailed) {
      // The aligned analysis grid, holes filled from around them (the stereo's factor comes on top below).
      const est = resizeWithHoles(fillHoles(s.aligned, k.width, k.height), k.width, k.height, s.outW, s.outH);
      for (let i = 0; i < n; i++) if (failed(x[i])) inv[i] = Math.max(floor, est[i] * gain);
    }
    const toMap = (v: Float32Array): DepthMap => {
      const d = v.slice();
      if (s.kind === 'metric') for (let i = 0; i < n; i++) d[i] = d[i] > 0 ? 1 / d[i] : 0;
      return { index: s.index, width: s.outW, height: s.outH, kind: s.kind, data: d };
    };
    let refined = inv;
    if (s.final) {
      const ratio = new Float32Array(s.final.length);
      for (let p = 0; p < ratio.length; p++) ratio[p] = s.aligned[p] > 0 && s.final[p] > 0 ? s.final[p] / s.aligned[p] : 1;
      const up = resizeWithHoles(ratio, k.width, k.height, s.outW, s.outH);
      refined = new Float32Array(n);
      for (let i = 0; i < n; i++) refined[i] = inv[i] * (up[i] > 0 ? up[i] : 1);
    }
    if (opts.temporal !== false) {
      // Inverse depth in shot-world units, as the poses: the filter's warp needs exactly that.
      temporal ??= createTemporalFilter({ K: opts.intrinsics, kind: 'relative-inverse', width: s.outW, height: s.outH });
      refined = temporal.apply(refined, c2w, s.shotId, conf, w);
    }
    return {
      index: s.index, depth: toMap(refined), pose: c2w.slice(), confidence: conf, shotId: s.shotId,
      ...(opts.keepAligned ? { aligned: toMap(inv) } : {}),
    };
  }

  /** The frame's (refined) depth fused with its posed neighbours' aligned depth, all in the smoothed scale. */
  function fuseNeighbours(s: FrameState, gain: number, w: number) {
    if (s.track === 0 || !s.coarse || w === 0) return;
    const k = K!, kc = fusionGrid(k);
    const view = (f: FrameState, inv: Float32Array, g: number): FusionView => ({ inv: g === 1 ? inv : inv.map((v) => v * g), gray: f.coarse!.gray, c2w: poseOf(f) });
    const views = frames
      .filter((f) => f !== s && f.shotId === s.shotId && f.track > 0 && f.coarse && Math.abs(f.index - s.index) <= fusionRadius)
      .map((f) => view(f, f.coarse!.inv, gainOf(f)));
    if (!views.length) return;
    fusion ??= createViewFusion(kc);
    const base = bestInv(s);
    const own = view(s, s.final ? boxDown(s.final, k.width, k.height, FUSION_STEP, true) : s.coarse.inv, gain);
    // The fusion's correction comes back as a factor on the frame's own depth, so its detail stays;
    // raised to the averaging weight, as log depths are what the fusion averages.
    const ratio = fusion.fuse(own, views);
    for (let p = 0; p < ratio.length; p++) ratio[p] = own.inv[p] > 0 && ratio[p] > 0 ? (ratio[p] / own.inv[p]) ** w : 0;
    const up = resizeWithHoles(ratio, kc.width, kc.height, k.width, k.height);
    s.final = base.map((v, p) => (up[p] > 0 ? v * up[p] : v));
  }

  /** Scale ratios between this frame's depth and its recent neighbours' (see scale-smoother.ts). */
  function linkScale(cur: FrameState) {
    if (!scaled || cur.track === 0) return;
    for (const k of SCALE_LINKS) {
      const o = frames.find((s) => s.index === cur.index - k);
      if (!o || o.shotId !== cur.shotId || o.track === 0) continue;
      // A sparse grid is plenty for one median ratio (and keeps this a few ms a frame).
      const warped = warpInvDepth(o.x, K!, o.c2w, cur.c2w, 3);
      const logs = new Float32Array(warped.length);
      let n = 0, seen = 0;
      for (let p = 0; p < warped.length; p++) {
        if (!(warped[p] > 0)) continue;
        seen++;
        if (cur.x[p] > 0) logs[n++] = Math.log(warped[p] / cur.x[p]);
      }
      // Little overlap (a fast turn): no trustworthy ratio.
      if (n < 0.2 * seen || n < 50) continue;
      const med = median(logs, n);
      if (k === 1) cur.disagree = median(logs.subarray(0, n).map((v) => Math.abs(v - med)));
      smoother.link(o.index, cur.index, med);
    }
  }

  /** The view fusion's and the temporal filter's strength for this frame (averaging-weight.ts). */
  function weightOf(s: FrameState): number {
    const near = frames.filter((f) => f.shotId === s.shotId && f.disagree !== undefined && Math.abs(f.index - s.index) <= FUSION_RADIUS);
    return averagingWeight(near.map((f) => f.disagree!));
  }

  function emitUpTo(limit: number, out: GeometryOutput[]) {
    if (scaled && frames.length) smoother.solve(frames[frames.length - 1].index);
    for (const s of frames) {
      if (s.index <= nextEmit || s.index > limit) continue;
      throwIfAborted(opts.signal);
      const gain = gainOf(s);
      const conf = refine(s, gain);
      const w = weightOf(s);
      if (useFusion) fuseNeighbours(s, gain, w);
      out.push(output(s, conf, gain, w));
      nextEmit = s.index;
    }
    while (frames.length > windowSize) frames.shift();
    const oldest = Math.min(...frames.map((f) => (f.anchor >= 0 ? f.anchor : f.index)), kf?.frame.index ?? Infinity);
    for (const i of placed.keys()) if (i < oldest) placed.delete(i);
  }

  return {
    async push(f: GeometryFrame): Promise<GeometryOutput[]> {
      throwIfAborted(opts.signal);
      const out: GeometryOutput[] = [];
      const cur = prepare(f);
      const prev = frames[frames.length - 1];
      if (prev && !estimateMotion(prev, cur)) {
        emitUpTo(prev.index, out); // the old shot gets no future frames
        smoother.reset();
        cur.shotId = ++shotId;
      }
      if (!prev && useScale) {
        scaled = true;
        outLag = Math.max(outLag, SCALE_LOOKAHEAD);
        windowSize = Math.max(windowSize, outLag + fusionRadius + 2);
      }
      frames.push(cur);
      align(cur);
      linkScale(cur);
      // Tracking images are only needed for the newest frames (the unit transfer's, and the stereo's neighbours).
      const keepImages = useTransfer ? TRI_HISTORY : 1;
      if (!useMvs) for (const s of frames) if (s.index < cur.index - keepImages && s !== kf?.frame) { s.pyr = []; s.census = EMPTY_CENSUS; }
      emitUpTo(cur.index - outLag, out);
      return out;
    },
    async flush(): Promise<GeometryOutput[]> {
      const out: GeometryOutput[] = [];
      if (frames.length) emitUpTo(frames[frames.length - 1].index, out);
      return out;
    },
  };
}


/**
 * Scale smoother (scale-smoother.ts): frames of look-ahead, pull toward the model's own scale, and the
 * neighbours each frame's scale is compared with. Measured on tartanair-hospital (analysis grid, the
 * tracker's poses): look-ahead 8 / 20 / 40 frames, AbsRel 0.449 / 0.412 / 0.392 against the model's 0.430;
 * the whole shot at once did no better than 40.
 */
export const SCALE_LOOKAHEAD = 40;
const SCALE_PULL = 0.03;
const SCALE_LINKS = [1, 2, 4];
const EMPTY_CENSUS = new Int32Array(0);

/**
 * Unit transfer (transferUnits): frames before a new keyframe its corners are triangulated in, fewest
 * corners that must be pinned down, and the weight of a triangulated corner's prior in the window BA
 * (against 1 for a model-depth corner). Measured on tartanair-hospital (default pipeline, AbsRel /
 * delta1 / TAE, ATE): weight 25 / 50 / 100 / 200 / 400: 0.327 / 0.455 / 3.54, 3.14%; 0.330 / 0.454 /
 * 3.22, 2.12%; 0.330 / 0.455 / 3.17, 1.80%; 0.333 / 0.452 / 3.26, 1.84%; 0.335 / 0.447 / 3.30, 2.17%.
 */
const TRI_HISTORY = 6;
const TRI_MIN = 30;
const TRI_WEIGHT = 100;

/** Views of a keyframe before tracks may be dropped on reprojection error. */
const KILL_AFTER = 3;

/** Fewest tracked corners a pose is estimated from, and fewest a keyframe keeps before it is replaced. */
const MIN_TRACKS = 24;
const KF_MIN = 60;
/** Largest believable frame-to-frame rotation, degrees. */
const MAX_TURN_DEG = 8;

/** Frames whose poses the sliding-window bundle adjustment refines together. */
const BA_WINDOW = 6;

/** A new keyframe when fewer than this fraction of its corners survive... */
const KF_KEEP = 0.1;
/** ...or the median corner moved more than this fraction of the width. */
const KF_FLOW = 0.25;

/** Preferred parallax (pixels at the analysis width) of a stereo neighbour, and the least each side must reach. */
const TARGET_PX = 20;
const MIN_SIDE_PX = 12;
/**
 * The parallax above is measured at this quantile of the frame's inverse depth: its far fifth, not its median.
 * Near surfaces have parallax at any baseline; the far ones, where the model's depth is most compressed, need the
 * longer baselines this picks (opt-in stereo on tartanair-hospital: 0.332 / 0.448 / 5.10 -> 0.331 / 0.451 / 4.57;
 * the default pipeline, without stereo, is unchanged).
 */
const PARALLAX_QUANTILE = 0.2;

/** Most inverse-depth labels of a sweep (cost and time are linear in it). */
const MAX_LABELS = 64;
/** Largest |log| ratio between the past-side and future-side stereo for a pixel to count as consistent. */
const AGREE = 0.05;

function sortedSample(a: Float32Array): Float32Array {
  const v: number[] = [];
  for (let i = 0; i < a.length; i += 3) if (a[i] > 0) v.push(a[i]);
  return Float32Array.from(v).sort();
}
