import type { Intrinsics } from '../../common/types.ts';
import { createGeometryStage, type GeometryFrame, type GeometryOutput, type GeometryStageOptions } from './stage.ts';
import { createFocalTracks } from './focal-tracks.ts';
import { createFocalThread } from './focal-thread.ts';
import { trackingPyramid } from './image.ts';
import { DEFAULT_FOV_DEG, fovDegOf, type IntrinsicsSource } from '../../common/camera/intrinsics.ts';
import { inverseDepthOf } from '../../common/depth.ts';
import type { FocalRefinement } from './focal-refine.ts';
import type { FocalEstimate } from './focal-search.ts';
import { setImmediate as turn } from 'node:timers/promises';

/** The camera an analysis used, as meta.json and poses.json record it. */
export interface CameraInfo {
  /** Intrinsics of the depth grid. */
  K: Intrinsics;
  fovDeg: number;
  source: IntrinsicsSource;
  /** 0..1: 1 for the user's value; for an estimate, how sharply the footage pins it down; 0 for the default. */
  confidence: number;
  /** What the user should know: the footage could not tell, or the focal length changed (zoom). */
  warnings: string[];
  /**
   * The focal length refined along the whole shot by the window bundle adjustments, starting from the
   * estimate above (which the depth and the exports' intrinsics use): the poses follow it. Only when
   * the footage was asked (nothing gave the focal length).
   */
  refined?: Omit<FocalRefinement, 'zoom'>;
  /** A zoom seen along the shot after the held frames: the refined field of view early and late in it. */
  zoom?: NonNullable<FocalRefinement['zoom']>;
}

export interface CalibratedStageOptions extends GeometryStageOptions {
  /** Where `intrinsics` came from; only 'default' ones are estimated from the footage. */
  source: Exclude<IntrinsicsSource, 'estimated'>;
  /** Estimate the focal length from the footage when nothing gave it (default true). */
  selfCalibrate?: boolean;
  /**
   * Then refine it along the shot in the window bundle adjustment (focal-refine.ts). Default false: on a
   * camera turning on the spot the free focal length buys the poses a translation they do not have
   * (test/geometry/self-calibration.test.ts, pure rotation).
   */
  refineAlongShot?: boolean;
}

/**
 * The geometry stage, with the focal length estimated from the footage when neither the user nor the
 * model gave it: the first CALIB_FRAMES frames are held (memory: that many frames, whatever the clip's
 * length) while their corners are tracked, the focal length is searched on those tracks
 * (focal-search.ts), and the stage then starts with the estimate; when those frames cannot tell, up
 * to CALIB_MAX_FRAMES are held and searched again, then the default is kept with a warning (a static
 * shot). The output is delayed by those frames, once.
 */
export function createCalibratedStage(opts: CalibratedStageOptions) {
  const calibrate = opts.source === 'default' && opts.selfCalibrate !== false;
  let camera: CameraInfo | null = calibrate ? null : { K: opts.intrinsics, fovDeg: fovDegOf(opts.intrinsics), source: opts.source, confidence: opts.source === 'default' ? 0 : 1, warnings: [] };
  let stage = camera ? createGeometryStage(opts) : null;
  const held: GeometryFrame[] = [];
  const tracks = createFocalTracks();
  let grid: { width: number; height: number } | null = null;
  // Started with the stage so it has booted by the first search; ended once the camera is decided.
  let search = camera ? null : createFocalThread(opts.signal);

  // The first search runs on its thread while this one goes on tracking the frames that follow (they
  // would be held anyway): its answer is taken at the next push after it comes (see `push`).
  let first: { result: FocalEstimate | null; done: Promise<FocalEstimate> } | null = null;

  /** Starts a search on the tracks so far. The span under way ends here (the next frame starts another): the search sees all the frames held. */
  function startSearch(): Promise<FocalEstimate> {
    tracks.finish();
    const p = search!.estimate(tracks.spans, grid?.width ?? 1, grid?.height ?? 1);
    p.catch(() => {}); // awaited where it is needed; a cancelled job may drop it
    return p;
  }

  /** The stage the held frames go through once the camera is decided from `est` (the default when it cannot tell). */
  function stageFor(est: FocalEstimate): { camera: CameraInfo; opts: GeometryStageOptions } {
    search!.close();
    search = null;
    orphans.unregister(self);
    const K0 = opts.intrinsics;
    const warnings: string[] = [];
    let cam: CameraInfo;
    if (est.confidence >= ACCEPT) {
      const fx = K0.width / 2 / Math.tan((est.fovDeg * Math.PI) / 360);
      cam = { K: { ...K0, fx, fy: fx * (K0.fy / K0.fx) }, fovDeg: est.fovDeg, source: 'estimated', confidence: est.confidence, warnings };
      if (est.zoom) warnings.push(`the focal length seems to change within the clip (a zoom?): the poses assume one field of view, ${est.fovDeg.toFixed(1)} degrees`);
    } else {
      cam = { K: K0, fovDeg: fovDegOf(K0), source: 'default', confidence: est.confidence, warnings };
      warnings.push(`the footage cannot tell its field of view (too little camera motion, or too much of the picture moving by itself, in its first ${held.length} frames): assuming ${DEFAULT_FOV_DEG} degrees; give it (--fov, or the clip's camera settings) if you know it`);
    }
    return { camera: cam, opts: stageOptions(cam.K, cam.source === 'estimated' ? est.sigmaDeg : Infinity, cam.fovDeg) };
  }

  /** Options of the stage for intrinsics K; refined along the shot from here, the held frames' spread as its prior (log focal length). */
  function stageOptions(K: Intrinsics, sigmaDeg: number, fovDeg: number): GeometryStageOptions {
    const sigma = Number.isFinite(sigmaDeg) ? ((sigmaDeg * Math.PI) / 180) / Math.sin((fovDeg * Math.PI) / 180) : Infinity;
    return { ...opts, intrinsics: K, ...(opts.refineAlongShot ? { refineFocal: { sigma } } : {}) };
  }

  /** The held frames through the stage decided from `est`, from the `from`th on (those before went through it already). */
  async function catchUp(est: FocalEstimate, made?: { stage: ReturnType<typeof createGeometryStage>; from: number; out: GeometryOutput[] }): Promise<GeometryOutput[]> {
    const decided = stageFor(est);
    camera = decided.camera;
    stage = made?.stage ?? createGeometryStage(decided.opts);
    const out = made?.out ?? [];
    for (const f of held.splice(0).slice(made?.from ?? 0)) {
      out.push(...(await stage.push(f)));
      // The held frames are a second or two of this thread's work: between them its event loop turns,
      // so decoding and the model thread are fed meanwhile (they run ahead of the geometry, analyze.ts).
      await turn();
    }
    return out;
  }

  /**
   * The last search (no more frames may be held, or the clip ended): the camera is its estimate or, when
   * it cannot tell, the default. While it runs the held frames go through a stage with the default
   * camera (this thread would only wait): when the search keeps the default, that work is the catch-up's;
   * when it finds the camera, that stage is dropped and the held frames go through the estimate's. The
   * held frames lend that stage copies of their depth (the output thread takes a pushed depth's data):
   * the same values, so the same outputs either way. Not when the stage's output thread writes files
   * itself (OutputExtras.writes: the .npy files and the preview's encoder in the output folder): a
   * dropped stage's thread, still finishing, would write the held frames' files and run its own encoder
   * on the same names as the kept one's; then this thread waits for the search, as before.
   */
  async function decideLast(): Promise<GeometryOutput[]> {
    let est: FocalEstimate | null = null;
    const searching = startSearch().then((e) => (est = e));
    searching.catch(() => {});
    if (opts.outputExtras?.writes) return catchUp(await searching);
    const K0 = opts.intrinsics;
    const guess = createGeometryStage(stageOptions(K0, Infinity, fovDegOf(K0)));
    const out: GeometryOutput[] = [];
    let i = 0;
    try {
      for (; i < held.length && est === null; i++) {
        const f = held[i];
        out.push(...(await guess.push({ ...f, depth: { ...f.depth, data: f.depth.data.slice() } })));
        await turn();
      }
      await searching;
    } catch (e) {
      void guess.close();
      throw e;
    }
    const e = est!;
    if (e.confidence >= ACCEPT) {
      // Not awaited: the thread ends after the outputs it has under way, while this one starts over.
      void guess.close();
      return catchUp(e);
    }
    return catchUp(e, { stage: guess, from: i, out });
  }

  const self = {
    async push(f: GeometryFrame): Promise<GeometryOutput[]> {
      if (stage) return stage.push(f);
      const pyr = trackingPyramid(f.rgb.data, f.rgb.width, f.rgb.height, opts.analysisWidth ?? 256);
      grid ??= { width: pyr[0].width, height: pyr[0].height };
      const d = f.depth, sx = d.width / pyr[0].width, sy = d.height / pyr[0].height;
      const inv = (x: number, y: number) => {
        const v = d.data[Math.min(d.height - 1, Math.round(y * sy)) * d.width + Math.min(d.width - 1, Math.round(x * sx))];
        return inverseDepthOf(v, d.kind);
      };
      tracks.push(pyr, inv, f.index);
      held.push({ ...f, trackPyr: pyr });
      if (held.length === CALIB_FRAMES) {
        const started: { result: FocalEstimate | null; done: Promise<FocalEstimate> } = { result: null, done: startSearch() };
        started.done.then((e) => (started.result = e), () => {});
        first = started;
        return [];
      }
      // The first frames told the camera: the frames held since go through the stage with the rest.
      if (first?.result && first.result.confidence >= ACCEPT) return catchUp(first.result);
      if (held.length >= CALIB_MAX_FRAMES) return decide();
      return [];
    },
    async flush(): Promise<GeometryOutput[]> {
      const out = stage ? [] : await decide();
      return [...out, ...(await stage!.flush())];
    },
    /** Gives up: the threads ended, and what the output thread's writes left half-written removed (stage.ts: close). */
    async close(): Promise<void> {
      search?.close();
      await stage?.close();
    },
    /** Outputs' arrays the caller reads no more (stage.ts: recycle). */
    recycle(quantized: Uint16Array[], preview: Uint8Array[]) {
      stage?.recycle(quantized, preview);
    },
    /** The camera in use; null until it is decided (the first output comes after); with the refinement so far. */
    camera: (): CameraInfo | null => withRefinement(camera, stage?.focal() ?? null),
  };

  /** No more frames may be held (or the clip ended): the first search's answer if it told, else the last search. */
  async function decide(): Promise<GeometryOutput[]> {
    const e1 = first ? await first.done : null;
    first = null;
    // The start cannot tell (a static or blurred opening, a subject moving through it): the later stretches may.
    return e1 && e1.confidence >= ACCEPT ? catchUp(e1) : decideLast();
  }
  if (search) orphans.register(self, search, self);
  return self;
}

/** Ends the search's thread of a stage dropped before its camera was decided (an analysis that failed elsewhere). */
const orphans = new FinalizationRegistry<{ close(): void }>((t) => t.close());

/** The camera with the shot's refined focal length, and a warning when it drifted (a zoom later than the held frames). */
function withRefinement(camera: CameraInfo | null, r: FocalRefinement | null): CameraInfo | null {
  if (!camera || !r) return camera;
  const { zoom, ...refined } = r;
  if (!zoom) return { ...camera, refined };
  const warning = `the focal length seems to change along the clip (a zoom?), from about ${zoom.fromDeg.toFixed(0)} degrees near frame ${zoom.fromFrame} to ${zoom.toDeg.toFixed(0)} near frame ${zoom.toFrame}: the depth assumes one field of view, ${camera.fovDeg.toFixed(1)} degrees`;
  return { ...camera, refined, zoom, warnings: [...camera.warnings, warning] };
}

/** Frames held for the focal search: about two seconds of footage; when they cannot tell, up to CALIB_MAX_FRAMES (memory: that many frames at the analysis grid, whatever the clip's length). */
export const CALIB_FRAMES = 48;
export const CALIB_MAX_FRAMES = 96;
/** Least confidence an estimate needs to replace the default. */
const ACCEPT = 0.5;
