import { throwIfAborted } from '../../util/errors.ts';
import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame } from '../types.ts';
import { fitScaleShift, warpInvDepth } from './align.ts';
import { detectCorners, trackKLT } from './features.ts';
import { fuseWithPrior } from './fuse.ts';
import { pyramid, resizeWithHoles, downsampleRgbGray, type Plane } from './image.ts';
import { scaleIntrinsics } from './intrinsics.ts';
import { identity4, invRigid, mul4, transOf } from './linalg.ts';
import { census5, planeSweep, type MvsSource } from './mvs.ts';
import { estimatePose, preferRotationOnly, refineTwoView, epipolarErrors } from './pose.ts';
import { colorHistogram, createCutDetector } from './shot-cut.ts';

export { intrinsicsFor } from './intrinsics.ts';
export { backproject, writePly } from './pointcloud.ts';
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
  /** Frames kept in memory (past and pending); bounds memory whatever the clip length. Default 14. */
  window?: number;
  signal?: AbortSignal;
  /** Width frames are analysed at (poses, stereo). Default 256. */
  analysisWidth?: number;
  /** Multi-view shape refinement; default true. */
  mvs?: boolean;
  /** Frames of look-ahead the stereo may use (= output lag). Default 4. */
  lag?: number;
  keepAligned?: boolean;
}

interface Keyframe {
  frame: FrameState;
  /** Keyframe-camera 3D point per corner (from its aligned depth). */
  P: Float32Array;
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
  c2w: Mat4;
  track: number;
  fit: { s: number; t: number };
}

/**
 * Streaming geometry: per pushed frame, estimate its pose against the previous one, align its depth
 * to the scene seen so far, then refine (multi-view stereo) and emit the frame `lag` frames back,
 * once its future neighbours are posed. Holds at most `window` frames.
 */
export function createGeometryStage(opts: GeometryStageOptions) {
  const lag = Math.max(0, opts.lag ?? 4);
  const windowSize = Math.max(lag + 4, opts.window ?? 14);
  const useMvs = opts.mvs ?? true;
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
    const tw = Math.min(f.rgb.width, aw * TRACK_FACTOR), th = Math.round((tw * f.rgb.height) / f.rgb.width);
    const track = tw === aw ? gray : downsampleRgbGray(f.rgb.data, f.rgb.width, f.rgb.height, tw, th).gray;
    normalizeGain(track);
    const d = resizeWithHoles(f.depth.data, f.depth.width, f.depth.height, aw, ah);
    const x = new Float32Array(aw * ah);
    for (let i = 0; i < x.length; i++) {
      const v = d[i];
      x[i] = f.depth.kind === 'metric' ? (v > 0 ? 1 / v : 0) : Math.max(0, v);
    }
    const hist = colorHistogram(rgb);
    return {
      index: f.index, shotId, kind: f.depth.kind, outW: f.depth.width, outH: f.depth.height, hist, histCut: cuts.push(hist).cut,
      gray, pyr: pyramid(track, 4), census: census5(gray), x, aligned: new Float32Array(aw * ah), final: null,
      c2w: identity4(), track: 1, fit: { s: 1, t: 0 },
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
    const k = K!;
    const tk = scaleIntrinsics(k, s.pyr[0].width, s.pyr[0].height);
    const sc = k.width / tk.width;
    const pts = detectCorners(s.pyr[0], 12);
    const inv = bestInv(s);
    const P: number[] = [], pix: number[] = [];
    for (let i = 0; i < pts.length / 2; i++) {
      const px = pts[2 * i], py = pts[2 * i + 1];
      const r = inv[Math.min(k.height - 1, Math.round(py * sc)) * k.width + Math.min(k.width - 1, Math.round(px * sc))];
      if (!(r > 0)) continue;
      P.push(((px - tk.cx) / tk.fx) / r, ((py - tk.cy) / tk.fy) / r, 1 / r);
      pix.push(px, py);
    }
    const n = pix.length / 2;
    return { frame: s, P: Float32Array.from(P), pix: Float32Array.from(pix), pos: Float32Array.from(pix), alive: new Uint8Array(n).fill(1), n0: n, lastT: identity4() };
  }

  /** Tracks prev -> cur; returns false when the picture changed too much to follow (a cut, or lost track). */
  function estimateMotion(prev: FrameState, cur: FrameState): boolean {
    const k = K!;
    const tk = scaleIntrinsics(k, cur.pyr[0].width, cur.pyr[0].height);
    const sc = k.width / tk.width;
    if (!kf || kf.frame.shotId !== prev.shotId) kf = makeKeyframe(prev);
    const key = kf;
    const ids: number[] = [];
    for (let i = 0; i < key.n0; i++) if (key.alive[i]) ids.push(i);
    const from = new Float32Array(ids.length * 2);
    ids.forEach((id, j) => { from[2 * j] = key.pos[2 * id]; from[2 * j + 1] = key.pos[2 * id + 1]; });
    const tr = trackKLT(prev.pyr, cur.pyr, from, 5, 1.0);
    const w = k.width, h = k.height;
    const at = (x: number, y: number) => Math.min(h - 1, Math.round(y * sc)) * w + Math.min(w - 1, Math.round(x * sc));
    const P: number[] = [], uv: number[] = [], Z: number[] = [], used: number[] = [];
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j];
      if (!tr.ok[j]) { key.alive[id] = 0; continue; }
      const qx = tr.pts[2 * j], qy = tr.pts[2 * j + 1];
      key.pos[2 * id] = qx; key.pos[2 * id + 1] = qy;
      P.push(key.P[3 * id], key.P[3 * id + 1], key.P[3 * id + 2]);
      uv.push(qx, qy);
      used.push(id);
      const xc = cur.x[at(qx, qy)];
      const rc = prev.fit.s * xc + prev.fit.t;
      Z.push(xc > 0 && rc > 0 ? 1 / rc : 0);
    }
    const tracked = used.length;
    // A colour jump alone may be a light change; a cut also breaks tracking.
    if (cur.histCut && tracked < 0.35 * ids.length) { kf = null; return false; }
    const P32 = Float32Array.from(P), uv32 = Float32Array.from(uv);
    const est = estimatePose(P32, uv32, Float32Array.from(Z), tk, { seed: cur.index + 1, init: key.lastT });
    if (est.ok || tracked >= 30) {
      // The two-view BA frees each point's depth (tracks decide the shape, the model only the scale):
      // with it, inliers are judged on geometry the model's depth errors cannot spoil.
      const ba = refineTwoView(P32, uv32, est.ok ? est.T : key.lastT, tk, { priorSigma: Number(process.env.GPS ?? 0.3) });
      const ratio = ba.inliers / Math.max(1, tracked);
      est.ok = ba.inliers >= 12 && ratio >= 0.25;
      est.inliers = ba.inliers; est.ratio = ratio;
      est.T = preferRotationOnly(ba.points, uv32, ba.T, tk).T;
    }
    let flow = 0;
    if (est.ok) {
      cur.c2w = mul4(key.frame.c2w, invRigid(est.T));
      cur.track = Math.min(1, est.inliers / 40) * Math.min(1, est.ratio / 0.5);
      key.lastT = est.T;
      // Tracks that disagree with the pose have drifted (or sit on something moving): drop them for good.
      const err = epipolarErrors(P32, uv32, est.T, tk);
      const flows: number[] = [];
      for (let j = 0; j < used.length; j++) {
        if (!(err[j] < 2)) { key.alive[used[j]] = 0; continue; }
        flows.push(Math.hypot(uv32[2 * j] - key.pix[2 * used[j]], uv32[2 * j + 1] - key.pix[2 * used[j] + 1]));
      }
      flows.sort((a, b) => a - b);
      flow = flows.length ? flows[flows.length >> 1] : 0;
    } else {
      // Lost track (blur, occlusion): assume no motion rather than invent one, and say so.
      cur.c2w = prev.c2w.slice();
      cur.track = 0;
    }
    let alive = 0;
    for (let i = 0; i < key.n0; i++) alive += key.alive[i];
    // The next frame tracks against this one when the keyframe's view is used up.
    if (process.env.GDBG) console.error("kf", key.frame.index, "cur", cur.index, "alive", alive, "n0", key.n0, "flow", flow.toFixed(1), "ok", est.ok, est.inliers, est.ratio.toFixed(2));
    if (!est.ok || alive < Math.max(40, KF_KEEP * key.n0) || flow > KF_FLOW * tk.width) kf = null;
    return true;
  }

  function align(cur: FrameState) {
    const k = K!;
    const past = frames.filter((s) => s.shotId === cur.shotId && s.index < cur.index);
    if (!past.length) {
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
      // A chain of frame-to-frame fits random-walks in scale; a metric model's own scale is right on
      // average, so the chained scale leaks slowly back toward it (consistency frame to frame, no drift).
      if (cur.kind === 'metric') cur.fit.s = Math.exp((1 - SCALE_LEAK) * Math.log(cur.fit.s));
    }
    const { s, t } = cur.fit;
    // Disparity cannot go below a small floor: the far field would become infinite depth.
    let maxR = 0;
    for (let p = 0; p < cur.x.length; p++) if (cur.x[p] > 0) maxR = Math.max(maxR, s * cur.x[p] + t);
    const floor = maxR * 0.01;
    for (let p = 0; p < cur.x.length; p++) cur.aligned[p] = cur.x[p] > 0 ? Math.max(floor, s * cur.x[p] + t) : 0;
  }

  /** Refines frame `ref` against posed neighbours in its shot; returns the frame's confidence. */
  function refine(ref: FrameState): number {
    const k = K!;
    const prior = ref.aligned;
    const rs = sortedSample(prior);
    if (!rs.length) { ref.final = prior.slice(); return 0; }
    const medRho = rs[rs.length >> 1];
    // Choose neighbours whose baseline gives useful parallax (too little: no depth signal; too much: occlusion, distortion).
    const cands = frames
      .filter((s) => s.shotId === ref.shotId && s !== ref && Math.abs(s.index - ref.index) <= lag + 4 && s.track > 0)
      .map((s) => {
        const T = mul4(invRigid(s.c2w), ref.c2w);
        const b = Math.hypot(...transOf(T));
        return { s, T, px: k.fx * b * medRho };
      })
      .filter((c) => c.px > 1.5);
    const pick = (list: typeof cands) => list.sort((a, b) => Math.abs(Math.log(a.px / 10)) - Math.abs(Math.log(b.px / 10))).slice(0, 2);
    const chosen = [...pick(cands.filter((c) => c.s.index < ref.index)), ...pick(cands.filter((c) => c.s.index > ref.index))];
    const maxPx = chosen.reduce((m, c) => Math.max(m, c.px), 0);
    const trackQ = Math.min(ref.track || 0, ...chosen.map((c) => c.s.track));
    const conf = Math.min(1, maxPx / 8) * (chosen.length ? trackQ : 0);
    if (!useMvs || chosen.length === 0 || maxPx < 3) { ref.final = prior.slice(); return conf; }
    const lo = rs[Math.floor(rs.length * 0.02)] * 0.4, hi = rs[Math.floor(rs.length * 0.98)] * 2;
    const labels = Math.max(24, Math.min(96, Math.round(k.fx * maxPx / (k.fx * medRho) * (hi - lo) * 1.5)));
    const sources: MvsSource[] = chosen.map((c) => ({ census: c.s.census, T: c.T }));
    const m = planeSweep(ref.gray, ref.census, sources, k, { min: lo, max: hi, labels });
    const N = prior.length;
    const wgt = new Float32Array(N);
    // Trust a stereo pixel only if it is distinct, textured and not wildly off the prior.
    const prevFinal = frames.find((s) => s.index === ref.index - 1 && s.shotId === ref.shotId && s.final);
    const warpedPrev = prevFinal ? warpInvDepth(prevFinal.final!, k, prevFinal.c2w, ref.c2w) : null;
    for (let p = 0; p < N; p++) {
      const r = m.inv[p] / prior[p];
      if (!(prior[p] > 0) || !(r > 0.33 && r < 3)) continue;
      let c = Math.min(1, m.conf[p] / 0.3);
      if (warpedPrev && warpedPrev[p] > 0) {
        const q = m.inv[p] / warpedPrev[p];
        c *= q > 0.85 && q < 1.18 ? 1 : 0.3;
      }
      wgt[p] = c < 0.2 ? 0 : c;
    }
    ref.final = fuseWithPrior(prior, m.inv, wgt, k.width, k.height);
    return conf;
  }

  function output(s: FrameState, conf: number): GeometryOutput {
    const k = K!;
    const toMap = (inv: Float32Array): DepthMap => {
      const up = resizeWithHoles(inv, k.width, k.height, s.outW, s.outH);
      if (s.kind === 'metric') for (let i = 0; i < up.length; i++) up[i] = up[i] > 0 ? 1 / up[i] : 0;
      return { index: s.index, width: s.outW, height: s.outH, kind: s.kind, data: up };
    };
    return {
      index: s.index, depth: toMap(s.final ?? s.aligned), pose: s.c2w.slice(), confidence: conf, shotId: s.shotId,
      ...(opts.keepAligned ? { aligned: toMap(s.aligned) } : {}),
    };
  }

  function emitUpTo(limit: number, out: GeometryOutput[]) {
    for (const s of frames) {
      if (s.index <= nextEmit || s.index > limit) continue;
      throwIfAborted(opts.signal);
      const conf = refine(s);
      out.push(output(s, conf));
      nextEmit = s.index;
    }
    while (frames.length > windowSize) frames.shift();
  }

  return {
    async push(f: GeometryFrame): Promise<GeometryOutput[]> {
      throwIfAborted(opts.signal);
      const out: GeometryOutput[] = [];
      const cur = prepare(f);
      const prev = frames[frames.length - 1];
      if (prev && !estimateMotion(prev, cur)) {
        emitUpTo(prev.index, out); // the old shot gets no future frames
        cur.shotId = ++shotId;
      }
      frames.push(cur);
      align(cur);
      emitUpTo(cur.index - lag, out);
      return out;
    },
    async flush(): Promise<GeometryOutput[]> {
      const out: GeometryOutput[] = [];
      if (frames.length) emitUpTo(frames[frames.length - 1].index, out);
      return out;
    },
  };
}

/** Per-frame pull of a metric model's chained scale back toward the model's own. */
const SCALE_LEAK = 0.1;

/** A new keyframe when fewer than this fraction of its corners survive... */
const KF_KEEP = Number(process.env.KFK ?? 0.5);
/** ...or the median corner moved more than this fraction of the width. */
const KF_FLOW = Number(process.env.KFF ?? 0.12);

/** Frames are tracked at up to this multiple of the analysis width. */
const TRACK_FACTOR = 2;

/** Zero-mean, fixed-contrast grey: KLT assumes constant brightness, real cameras and renderers adjust exposure. */
function normalizeGain(p: Plane) {
  const d = p.data;
  let m = 0, v = 0;
  for (let i = 0; i < d.length; i++) m += d[i];
  m /= d.length;
  for (let i = 0; i < d.length; i++) v += (d[i] - m) ** 2;
  const g = 40 / Math.sqrt(v / d.length + 1e-6);
  for (let i = 0; i < d.length; i++) d[i] = (d[i] - m) * g + 128;
}

function sortedSample(a: Float32Array): Float32Array {
  const v: number[] = [];
  for (let i = 0; i < a.length; i += 3) if (a[i] > 0) v.push(a[i]);
  return Float32Array.from(v).sort();
}
