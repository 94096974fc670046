import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame } from '../../../common/types.ts';
import { spikeLimit } from '../depth-spikes.ts';
import { downsampleRgbGray, resizeWithHoles, trackingPyramid, trackingSize, TRACK_LEVELS, type Plane } from '../image.ts';
import { scaleIntrinsics } from '../../../common/camera/intrinsics.ts';
import { identity4 } from '../linalg.ts';
import { createScaleSmoother, type ScaleSmoother } from '../scale-smoother.ts';
import { scaleKernels } from '../scale-wasm.ts';
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
  /** Planes of frames that left the window (or their tracking images), for the next frames' (releaseFrame). */
  readonly pool: PlanePool;
}

/**
 * The window slides: the planes a frame made (grey, disparity, aligned depth, its tracking pyramid) go to
 * a later frame once it is dropped, instead of new arrays every frame. Why: those were most of what the
 * stage's thread allocated (about 1 MB a 720p frame), and their backing stores, outside V8's heap,
 * drove its isolate's full GCs. Only arrays the pool handed out come back to it (a pyramid the
 * calibrated stage made stays with the focal search's tracks), and each at most once.
 */
interface PlanePool { free: Map<number, Float32Array[]>; lent: WeakSet<Float32Array> }

/** A Float32Array of n values from the pool (its old values still there: the caller writes every one). */
function take(pool: PlanePool, n: number): Float32Array {
  const a = pool.free.get(n)?.pop() ?? new Float32Array(n);
  pool.lent.add(a);
  return a;
}

function give(pool: PlanePool, a: Float32Array): void {
  if (!pool.lent.delete(a)) return;
  const list = pool.free.get(a.length);
  if (list) list.push(a); else pool.free.set(a.length, [a]);
}

/** A frame's tracking images dropped (the pyramid's levels to the pool): only the newest frames are tracked. */
export function dropImages(w: FrameWindow, s: FrameState): void {
  for (const l of s.pyr) give(w.pool, l.data);
  s.pyr = [];
  s.census = NO_CENSUS;
}

/**
 * A frame that left the window: its planes to the pool. Nothing reads them after (its output was made or
 * sent, later frames read only the held ones); the tracking keyframe's are left alone (it may outlive
 * its place in the window). The fields are emptied so that a read after this shows, not another frame's values.
 */
export function releaseFrame(w: FrameWindow, s: FrameState): void {
  if (s === w.kf?.frame) return;
  dropImages(w, s);
  give(w.pool, s.gray.data);
  give(w.pool, s.x);
  // `final` is `aligned` itself or an array of its own (the stereo's, the fusion's), never lent.
  give(w.pool, s.aligned);
  s.final = null;
  s.gray = { ...s.gray, data: EMPTY };
  s.x = EMPTY;
  s.aligned = EMPTY;
}
const EMPTY = new Float32Array(0);

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
    pool: { free: new Map(), lent: new WeakSet() },
  };
}

/** The frame's best inverse depth so far: refined where the multi-view step ran, else aligned. */
export const bestInv = (s: FrameState) => s.final ?? s.aligned;

/** A pushed frame on the analysis grid: grey levels, tracking pyramid, census, the model's disparity with failed pixels as holes. */
export function prepareFrame(w: FrameWindow, f: GeometryFrame): FrameState {
  const aw = w.cfg.params.analysisWidth;
  const ah = Math.max(8, Math.round((aw * f.rgb.height) / f.rgb.width));
  if (!w.K) w.K = scaleIntrinsics(w.cfg.intrinsics, aw, ah);
  const n = aw * ah;
  // `rgb` may be a view into the downsampler's memory: read here at once.
  const { gray, rgb } = downsampleRgbGray(f.rgb.data, f.rgb.width, f.rgb.height, aw, ah, true, take(w.pool, n));
  const hist = colorHistogram(rgb);
  const x = take(w.pool, n);
  scaleKernels(aw, ah, f.depth.data.length).disparity(f.depth.data, f.depth.width, f.depth.height, f.depth.kind === 'metric', x);
  // `aligned` is written whole by the scale path's align before anything reads it.
  return {
    index: f.index, shotId: w.shotId, kind: f.depth.kind, outW: f.depth.width, outH: f.depth.height, input: f.depth, hist, histCut: w.cuts.push(hist).cut,
    gray, pyr: trackPyramidOf(w, f, aw), census: NO_CENSUS, x, aligned: take(w.pool, n), final: null, coarse: null,
    c2w: identity4(), anchor: -1, track: 1, fit: { s: 1, t: 0 },
  };
}

/**
 * The model's depth on the w x h analysis grid as disparity, failed pixels as holes (alignment, tracking
 * depth and stereo ignore them; output fills them), into `into`. The definition: prepareFrame runs the
 * same operations in WebAssembly (scale-wasm.ts: disparity), the same bits (test/geometry/scale-wasm.test.ts).
 */
export function depthDisparity(depth: DepthMap, w: number, h: number, into?: Float32Array): Float32Array {
  // The resized depth becomes the disparity in place (one plane fewer a frame).
  const x = resizeWithHoles(depth.data, depth.width, depth.height, w, h, into);
  toDisparity(x, depth.kind === 'metric');
  if (spikeScratch.length < Math.ceil(x.length / 3)) spikeScratch = new Float32Array(Math.ceil(x.length / 3));
  dropAbove(x, spikeLimit(x, spikeScratch));
  return x;
}

/** spikeLimit's sample, reused from frame to frame (read only within the call). */
let spikeScratch = new Float32Array(0);

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

function trackPyramidOf(w: FrameWindow, f: GeometryFrame, aw: number): Plane[] {
  const t = trackingSize(f.rgb.width, f.rgb.height, aw), p = f.trackPyr;
  if (p?.length === TRACK_LEVELS && p[0].width === t.width && p[0].height === t.height) return p;
  // The levels' sizes as trackingPyramid halves them; a TypeScript-made level (another size) is new, not lent.
  const into: Float32Array[] = [];
  for (let l = 0, pw = t.width, ph = t.height; l < TRACK_LEVELS; l++, pw = Math.max(1, pw >> 1), ph = Math.max(1, ph >> 1)) into.push(take(w.pool, pw * ph));
  const pyr = trackingPyramid(f.rgb.data, f.rgb.width, f.rgb.height, aw, true, into);
  // Those not used (the TypeScript path) go straight back. The levels are new Plane objects around the
  // recycled arrays: the KLT's slots (klt-wasm.ts) know a pyramid by its level-0 Plane, so an array never
  // passes for the pyramid it held before.
  for (let l = 0; l < into.length; l++) if (pyr[l]?.data !== into[l]) give(w.pool, into[l]);
  return pyr;
}

/** The held frame with this index, if any. */
export const frameAt = (w: FrameWindow, index: number) => w.frames.find((s) => s.index === index);

/** A frame's census before the stereo asks for it, and after its images are dropped. */
export const NO_CENSUS = new Int32Array(0);
