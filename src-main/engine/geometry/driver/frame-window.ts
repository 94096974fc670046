import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame } from '../../../common/types.ts';
import { spikeLimit } from '../depth-spikes.ts';
import { downsampleRgbGray, resizeWithHoles, trackingPyramid, trackingSize, TRACK_LEVELS, type Plane } from '../image.ts';
import { scaleIntrinsics } from '../../../common/camera/intrinsics.ts';
import { identity4 } from '../linalg.ts';
import { createScaleSmoother, type ScaleSmoother } from '../scale-smoother.ts';
import { colorHistogram, createCutDetector } from '../shot-cut.ts';
import type { WindowObservation, WindowProblem } from '../window-ba.ts';
import type { GeometryParams } from '../params.ts';
import type { FocalRefiner } from '../focal-refine.ts';

/**
 * The state every part of the geometry stage shares (as DROID-SLAM's DepthVideo): the frames held,
 * the camera, the current shot and keyframe, how far output has gone, the scale smoother. The parts
 * (tracker, keyframes, scale path, multi-view, output) are functions over it; stage.ts composes them.
 */

export interface GeometryFrame {
  index: number;
  rgb: RgbFrame;
  depth: DepthMap;
  /** The frame's tracking pyramid when a step before made it (calibrated-stage.ts, for the focal search): used when its size is the stage's. */
  trackPyr?: Plane[];
  /** A model's own pose prediction [tx,ty,tz,qx,qy,qz,qw,fovH,fovW]; not used yet (footage poses are more reliable for small models). */
  modelPose?: number[];
}

export interface FrameState {
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
  /** Census transform of `gray` for the opt-in stereo, computed when a sweep first needs it (empty until then). */
  census: Int32Array;
  /** Model output as disparity (1/depth for metric models), analysis grid. */
  x: Float32Array;
  /** Aligned inverse depth in shot-world units. */
  aligned: Float32Array;
  /** Refined inverse depth (null: not yet); `aligned` itself where nothing refined it, so never written in place. */
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

export interface KeyframeObservation extends WindowObservation { frame: FrameState }

export interface Keyframe {
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
  /** With the focal length refined: its log scale over K's in this keyframe's window, and the prior the window was given. */
  focal?: { s: number; s0: number; sigma: number };
}

/** What the stage was asked to do, resolved once. */
export interface WindowConfig {
  params: GeometryParams;
  /** Intrinsics of the input depth's grid. */
  intrinsics: Intrinsics;
  lag: number;
  mvs: boolean;
  scale: boolean;
  fusion: boolean;
  unitTransfer: boolean;
  temporal: boolean;
  keepAligned: boolean;
  /** Neighbours each side the fusion reaches (0 without fusion). */
  fusionRadius: number;
  signal?: AbortSignal;
}

export interface FrameWindow {
  readonly cfg: WindowConfig;
  /** Held: the frames awaiting output, and the emitted ones still fused into them, oldest first. */
  frames: FrameState[];
  /** Intrinsics of the analysis grid (set by the first frame). */
  K: Intrinsics | null;
  shotId: number;
  /** The last frame emitted (-1: none yet). */
  nextEmit: number;
  /** The tracking keyframe (tracker.ts), null when the next frame must start one. */
  kf: Keyframe | null;
  /** Whether the scale path is in use (decided on the first frame; the output's lag and the window follow). */
  scaled: boolean;
  outLag: number;
  windowSize: number;
  readonly smoother: ScaleSmoother;
  readonly cuts: ReturnType<typeof createCutDetector>;
  /** The focal length refined along the shot by the window bundle adjustments (focal-refine.ts); null: K is held fixed. */
  focal: FocalRefiner | null;
}

export function createFrameWindow(cfg: WindowConfig, window?: number): FrameWindow {
  const outLag = Math.max(cfg.lag, cfg.fusionRadius);
  return {
    cfg,
    frames: [],
    K: null,
    shotId: 0,
    nextEmit: -1,
    kf: null,
    scaled: false,
    outLag,
    windowSize: Math.max(cfg.lag + 4, window ?? cfg.params.window, outLag + cfg.fusionRadius + 2),
    smoother: createScaleSmoother({ pull: cfg.params.scale.pull, lookahead: cfg.params.scale.lookahead }),
    cuts: createCutDetector(),
    focal: null,
  };
}

/** The frame's best inverse depth so far: refined where the multi-view step ran, else aligned. */
export const bestInv = (s: FrameState) => s.final ?? s.aligned;

/** A pushed frame on the analysis grid: grey levels, tracking pyramid, census, the model's disparity with failed pixels as holes. */
export function prepareFrame(w: FrameWindow, f: GeometryFrame): FrameState {
  const aw = w.cfg.params.analysisWidth;
  const ah = Math.max(8, Math.round((aw * f.rgb.height) / f.rgb.width));
  if (!w.K) w.K = scaleIntrinsics(w.cfg.intrinsics, aw, ah);
  const { gray, rgb } = downsampleRgbGray(f.rgb.data, f.rgb.width, f.rgb.height, aw, ah);
  // The resized depth becomes the disparity in place (one plane fewer a frame).
  const x = resizeWithHoles(f.depth.data, f.depth.width, f.depth.height, aw, ah);
  toDisparity(x, f.depth.kind === 'metric');
  // Failed pixels become holes: alignment, tracking depth and stereo ignore them; output fills them.
  dropAbove(x, spikeLimit(x));
  const hist = colorHistogram(rgb);
  return {
    index: f.index, shotId: w.shotId, kind: f.depth.kind, outW: f.depth.width, outH: f.depth.height, input: f.depth, hist, histCut: w.cuts.push(hist).cut,
    gray, pyr: trackPyramidOf(f, aw), census: NO_CENSUS, x, aligned: new Float32Array(aw * ah), final: null, coarse: null,
    c2w: identity4(), anchor: -1, track: 1, fit: { s: 1, t: 0 },
  };
}

// The per-pixel loops in functions of typed arrays and numbers: the frames come with more than one
// shape (the calibrated stage's held frames carry their pyramid), and each new one deoptimised
// prepareFrame with its loops, which then ran boxed until V8 optimised it again. Same operations.

/** x = max(0, inverseDepthOf(x)) in place. */
function toDisparity(x: Float32Array, metric: boolean): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    x[i] = Math.max(0, metric ? (v > 0 ? 1 / v : 0) : v);
  }
}

function dropAbove(x: Float32Array, limit: number): void {
  for (let i = 0; i < x.length; i++) if (x[i] > limit) x[i] = 0;
}

function trackPyramidOf(f: GeometryFrame, aw: number): Plane[] {
  const t = trackingSize(f.rgb.width, f.rgb.height, aw), p = f.trackPyr;
  return p?.length === TRACK_LEVELS && p[0].width === t.width && p[0].height === t.height ? p : trackingPyramid(f.rgb.data, f.rgb.width, f.rgb.height, aw);
}

/** The held frame with this index, if any. */
export const frameAt = (w: FrameWindow, index: number) => w.frames.find((s) => s.index === index);

/** A frame's census before the stereo asks for it, and after its images are dropped. */
export const NO_CENSUS = new Int32Array(0);
