import { throwIfAborted } from '../../util/errors.ts';
import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame } from '../types.ts';
import { fitScaleShift, warpInvDepth } from './align.ts';
import { detectCorners, trackKLT } from './features.ts';
import { fuseWithPrior } from './fuse.ts';
import { pyramid, resizeWithHoles, downsampleRgbGray, type Plane } from './image.ts';
import { scaleIntrinsics } from './intrinsics.ts';
import { identity4, invRigid, mul4, transOf } from './linalg.ts';
import { census5, planeSweep, type MvsSource } from './mvs.ts';
import { estimatePose, preferRotationOnly, refineTwoView } from './pose.ts';
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

  /** Tracks prev -> cur; returns false when the picture changed too much to follow (a cut, or lost track). */
  function estimateMotion(prev: FrameState, cur: FrameState): boolean {
    const k = K!;
    const tk = scaleIntrinsics(k, cur.pyr[0].width, cur.pyr[0].height);
    const sc = k.width / tk.width;
    const pts = detectCorners(prev.pyr[0], 12);
    const tr = trackKLT(prev.pyr, cur.pyr, pts, 5, 1.0);
    const inv = bestInv(prev);
    const P: number[] = [], uv: number[] = [], Z: number[] = [];
    const w = k.width, h = k.height;
    const at = (x: number, y: number) => Math.min(h - 1, Math.round(y * sc)) * w + Math.min(w - 1, Math.round(x * sc));
    let tracked = 0;
    for (let i = 0; i < pts.length / 2; i++) {
      if (!tr.ok[i]) continue;
      tracked++;
      const px = pts[2 * i], py = pts[2 * i + 1];
      const r = inv[at(px, py)];
      if (!(r > 0)) continue;
      const z = 1 / r;
      P.push(((px - tk.cx) / tk.fx) * z, ((py - tk.cy) / tk.fy) * z, z);
      const qx = tr.pts[2 * i], qy = tr.pts[2 * i + 1];
      uv.push(qx, qy);
      const xc = cur.x[at(qx, qy)];
      const rc = prev.fit.s * xc + prev.fit.t;
      Z.push(xc > 0 && rc > 0 ? 1 / rc : 0);
    }
    // A colour jump alone may be a light change; a cut also breaks tracking.
    if (cur.histCut && tracked < 0.35 * (pts.length / 2)) return false;
    const P32 = Float32Array.from(P), uv32 = Float32Array.from(uv);
    const est = estimatePose(P32, uv32, Float32Array.from(Z), tk, { seed: cur.index + 1 });
    if (est.ok) est.T = preferRotationOnly(P32, uv32, refineTwoView(P32, uv32, est.T, tk).T, tk).T;
    if (est.ok) {
      cur.c2w = mul4(prev.c2w, invRigid(est.T));
      cur.track = Math.min(1, est.inliers / 40) * Math.min(1, est.ratio / 0.5);
    } else {
      // Lost track (blur, occlusion): assume no motion rather than invent one, and say so.
      cur.c2w = prev.c2w.slice();
      cur.track = 0;
    }
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
      if (refined.length > 3) targets.push(refined[refined.length - 4]);
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
    if (process.env.GEMDEPTH_GEOM_DEBUG) { const xm = sortedSample(cur.x); console.error(`align ${cur.index}: s ${s.toFixed(3)} t/(s*xmed) ${(t / (s * xm[xm.length >> 1])).toFixed(3)} track ${cur.track.toFixed(2)}`); }
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
    if (process.env.GEMDEPTH_GEOM_DEBUG) console.error(`mvs ${ref.index}: sources ${chosen.map((c) => `${c.s.index}:${c.px.toFixed(1)}px`).join(" ")} labels ${labels}`);
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
