import { throwIfAborted } from '../../common/errors.ts';
import type { Intrinsics } from '../../common/types.ts';
import { createFrameWindow, dropImages, prepareFrame, releaseFrame, type GeometryFrame } from './driver/frame-window.ts';
import { createFrameOutput, outputJob, outputSettings, type GeometryOutput, type OutputExtras } from './driver/frame-output.ts';
import { createOutputThread, type OutputThread } from './driver/output-thread.ts';
import { createMultiView } from './driver/multiview.ts';
import { align, createScalePath, linkScale } from './driver/scale-path.ts';
import { estimateMotion } from './driver/tracker.ts';
import { checkGeometryParams, GEOMETRY_PARAMS, type GeometryParams } from './params.ts';
import { DEFAULT_FUSION } from '../../common/api/geometry.ts';
import { createFocalRefiner } from './focal-refine.ts';

export { intrinsicsFor } from '../../common/camera/intrinsics.ts';
export { backproject, createCloudFuser, writePly } from './pointcloud.ts';
export { writeCameraPath } from './camera-path.ts';
export type { GeometryFrame, GeometryOutput };

export interface GeometryStageOptions {
  /** Intrinsics of the input depth's grid. */
  intrinsics: Intrinsics;
  /** Frames kept in memory (past and pending) at least; bounds memory whatever the clip length. The output's lag and the fusion's reach raise it. */
  window?: number;
  signal?: AbortSignal;
  /** Width frames are analysed at (poses, stereo). Default: the params'. */
  analysisWidth?: number;
  /**
   * Multi-view shape refinement (plane sweep + SGM, past/future consistency check). Default false:
   * measured on tartanair-hospital it barely changes AbsRel and delta1 and RAISES the temporal error
   * while the estimated poses are ~0.4 deg/frame off (it needs ~0.1 deg); see the README's figures.
   */
  mvs?: boolean;
  /** Frames of look-ahead the stereo may use (= output lag). Default: the params'. */
  lag?: number;
  keepAligned?: boolean;
  /** Pose-guided temporal filter on the output depth (temporal-filter.ts). Default true. */
  temporal?: boolean;
  /**
   * The depth's scale made one along the shot (scale-smoother.ts), for metric and relative models.
   * Default true. It delays the output by the params' scale look-ahead; the frames in between are held
   * without their tracking images, so memory stays a few MB per held frame. false: a metric model's
   * scale is left frame by frame, and relative depth is chained to the frames before it.
   */
  scale?: boolean;
  /**
   * Each frame's depth fused with its neighbours' (+- the params' fusion radius) moved into it along the
   * poses (view-fusion.ts). Default true; it delays the output by as many frames.
   */
  fusion?: boolean;
  /**
   * Each new keyframe takes the path's units from the frames before it (its corners triangulated on
   * their poses) instead of restarting in its own model depth's units; the path is then in one unit
   * along the shot and is not rescaled by the depth's scale. Default true; false shows what it adds.
   */
  unitTransfer?: boolean;
  /** Thresholds (params.ts); the defaults are what the cache version is derived from. */
  params?: GeometryParams;
  /**
   * The focal length refined as a parameter the window bundle adjustments share (focal-refine.ts),
   * starting from the intrinsics' with this spread (log focal length; Infinity: nothing is known).
   * Absent: the focal length is held fixed.
   */
  refineFocal?: { sigma: number };
  /**
   * Make the frames' outputs on a thread of their own (driver/output-thread.ts), beside the tracking;
   * the same outputs, a few frames later. A pushed depth's data moves to that thread with its frame's
   * output (unusable here after). Default false (the analysis job turns it on).
   */
  outputThread?: boolean;
  /** With `outputThread`: what that thread also makes from each output (frame-output.ts: OutputExtras). */
  outputExtras?: OutputExtras;
}

/** Outputs under way on the output thread before a push waits for them: memory stays a few frames. */
const OUTPUT_QUEUE = 3;
/** Ends an output thread whose stage was dropped without a flush (an analysis that failed elsewhere). */
const orphans = new FinalizationRegistry<OutputThread>((t) => void t.close());

/**
 * Streaming geometry: per pushed frame, estimate its pose against the previous one, align its depth
 * to the scene seen so far, then fuse it with its posed neighbours (and, opt-in, refine it by stereo)
 * and emit it once its future neighbours are posed: the scale's look-ahead back, as the scale waits for
 * them (the fusion's radius with `scale: false`). Holds a bounded window of frames, whatever the clip
 * length. Composed as DROID-SLAM composes its parts over one shared state: the frame window
 * (driver/frame-window.ts), the tracker (front end), keyframes and unit transfer, the scale path,
 * multi-view fusion/stereo (back end) and the frame output.
 */
export function createGeometryStage(opts: GeometryStageOptions) {
  const base = opts.params ?? GEOMETRY_PARAMS;
  const params = checkGeometryParams({ ...base, analysisWidth: opts.analysisWidth ?? base.analysisWidth, lag: Math.max(0, opts.lag ?? base.lag) });
  const fusion = opts.fusion ?? DEFAULT_FUSION;
  const w = createFrameWindow({
    params, intrinsics: opts.intrinsics, lag: params.lag, mvs: opts.mvs ?? false, scale: opts.scale ?? true, fusion,
    unitTransfer: opts.unitTransfer ?? true, temporal: opts.temporal !== false, keepAligned: opts.keepAligned ?? false,
    fusionRadius: fusion ? params.fusion.radius : 0, signal: opts.signal,
  }, opts.window);
  if (opts.refineFocal) w.focal = createFocalRefiner({ width: opts.intrinsics.width, fx: opts.intrinsics.fx, sigma0: opts.refineFocal.sigma });
  const path = createScalePath(w);
  const multi = createMultiView(w, path);
  const output = createFrameOutput(w, path);
  const thread = opts.outputThread ? createOutputThread({ ...outputSettings(w), ...(opts.outputExtras ? { extras: opts.outputExtras } : {}) }) : null;
  const threadFusion = w.cfg.scale;
  const unlisten = thread && opts.signal ? closeOnAbort(opts.signal, thread) : null;

  function emitUpTo(limit: number, out: GeometryOutput[]) {
    if (w.scaled && w.frames.length) w.smoother.solve(w.frames[w.frames.length - 1].index);
    for (const s of w.frames) {
      if (s.index <= w.nextEmit || s.index > limit) continue;
      throwIfAborted(opts.signal);
      const gain = path.gainOf(s);
      const conf = multi.refine(s, gain);
      const wt = multi.weightOf(s);
      if (thread) {
        // With the scale smoothed nothing on this thread reads a frame's fused depth after its output
        // (scale: false chains later frames to it): the fusion goes to the output thread too.
        const plan = fusion && threadFusion ? multi.fusionPlan(s, gain, wt) : null;
        if (fusion && !threadFusion) multi.fuseNeighbours(s, gain, wt);
        thread.submit({ ...outputJob(w, path, s, conf, gain, wt), fusion: plan });
      } else {
        if (fusion) multi.fuseNeighbours(s, gain, wt);
        out.push(output(s, conf, gain, wt));
      }
      w.nextEmit = s.index;
    }
    while (w.frames.length > w.windowSize) releaseFrame(w, w.frames.shift()!);
    // A loop, not map's closure and array: V8 drops a per-call closure's code at each collection, and map's
    // array changed kind once this function ran optimised (its code thrown away).
    let oldest = w.kf?.frame.index ?? Infinity;
    for (const f of w.frames) oldest = Math.min(oldest, f.anchor >= 0 ? f.anchor : f.index);
    path.prune(oldest);
  }

  const stage = {
    async push(f: GeometryFrame): Promise<GeometryOutput[]> {
      throwIfAborted(opts.signal);
      const out: GeometryOutput[] = [];
      const cur = prepareFrame(w, f);
      const prev = w.frames[w.frames.length - 1];
      if (prev && !estimateMotion(w, prev, cur)) {
        emitUpTo(prev.index, out); // the old shot gets no future frames
        w.smoother.reset();
        cur.shotId = ++w.shotId;
      }
      if (!prev && w.cfg.scale) {
        w.scaled = true;
        w.outLag = Math.max(w.outLag, params.scale.lookahead);
        w.windowSize = Math.max(w.windowSize, w.outLag + w.cfg.fusionRadius + 2);
      }
      w.frames.push(cur);
      align(w, cur);
      if (thread && threadFusion && cur.coarse) thread.planes(cur.index, cur.coarse);
      linkScale(w, cur);
      // Tracking images are only needed for the newest frames (the unit transfer's, and the stereo's neighbours).
      const keepImages = w.cfg.unitTransfer ? params.units.history : 1;
      if (!w.cfg.mvs) for (const s of w.frames) if (s.index < cur.index - keepImages && s !== w.kf?.frame) dropImages(w, s);
      emitUpTo(cur.index - w.outLag, out);
      if (thread) out.push(...(await thread.settle(OUTPUT_QUEUE)));
      return out;
    },
    async flush(): Promise<GeometryOutput[]> {
      const out: GeometryOutput[] = [];
      try {
        if (w.frames.length) emitUpTo(w.frames[w.frames.length - 1].index, out);
        if (thread) out.push(...(await thread.settle(0)));
        // The output thread's writes (OutputExtras.writes) complete and in place before its outputs count as done.
        await thread?.finish();
      } finally {
        unlisten?.();
        await thread?.close();
      }
      return out;
    },
    /**
     * Gives up (cancelled, failed elsewhere, or a camera tried and not kept: calibrated-stage.ts): the
     * output thread ended, and what its writes left half-written removed, when this resolves.
     */
    async close(): Promise<void> {
      unlisten?.();
      await thread?.close();
    },
    /** Outputs' `quantized` and `preview` arrays the caller reads no more, for the output thread to reuse. */
    recycle(quantized: Uint16Array[], preview: Uint8Array[]) {
      thread?.spare(quantized, preview);
    },
    /** The focal length refined so far along the shot (null: held fixed). */
    focal: () => w.focal?.result() ?? null,
  };
  if (thread) orphans.register(stage, thread);
  return stage;
}

/** Ends the thread when the job is cancelled; the listener holds the thread alone, not the stage's frames. */
function closeOnAbort(signal: AbortSignal, thread: OutputThread): () => void {
  const close = () => void thread.close();
  signal.addEventListener('abort', close, { once: true });
  return () => signal.removeEventListener('abort', close);
}

/** Frames the default output waits for the scale smoother (see params.ts). */
export const SCALE_LOOKAHEAD = GEOMETRY_PARAMS.scale.lookahead;
