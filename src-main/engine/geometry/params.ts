import { createHash } from 'node:crypto';
import { UserError } from '../../common/errors.ts';

/**
 * Every threshold of the geometry stage in one place (as COLMAP's option structs): one line each on
 * WHY it has its value. The figures behind them are in docs/measurements.md and the notes beside the
 * code that uses them. The cache version is derived from these (geometryCacheVersion), so changing any
 * of them makes earlier analyses stale without anyone remembering to bump a number.
 */
export interface GeometryParams {
  /** Width poses and stereo are worked at: corners and fusion need no more, and cost grows with area. */
  analysisWidth: number;
  /** Frames of look-ahead the opt-in stereo may use (the output's least lag). */
  lag: number;
  /** Frames held at least (past and pending); the output's lag and the fusion's reach raise it. */
  window: number;
  tracking: {
    /** Grid cell (tracking pixels) a keyframe keeps its strongest corner in: corners spread over the picture condition the pose. */
    cornerCell: number;
    /** KLT window (pixels): corners on 256-px frames need context, larger windows blur over depth edges. */
    kltWindow: number;
    /** Forward-backward gate (pixels) frame to frame: loose, as fast motion fails good tracks by 1-2 px and the BA removes drifted ones. */
    kltBackError: number;
    /** Fewest tracked corners a pose is estimated from: below it a 6-DoF fit over outliers is a guess. */
    minTracks: number;
    /** Fewest live corners a keyframe keeps before the next frame becomes the keyframe. */
    keyframeMinTracks: number;
    /** ...or when fewer than this fraction of its corners survive (the view is used up). */
    keyframeKeep: number;
    /** ...or when the median corner moved more than this fraction of the width (appearance drifts). */
    keyframeFlow: number;
    /** Largest believable frame-to-frame turn (degrees): handheld footage stays well under it; beyond is a wrong solution. */
    maxTurnDeg: number;
    /** Frames the sliding-window bundle adjustment refines together: enough baseline, a few ms a frame. */
    baWindow: number;
    /** The window BA's prior on the model's inverse depth (sigma, in its log units): the model anchors scale. */
    baPriorSigma: number;
    /** Reprojection error (tracking pixels) under which a corner is an inlier of the frame's pose. */
    inlierPx: number;
    /** Reprojection error above which a track has drifted (or moves) and is dropped for good... */
    dropPx: number;
    /** ...but only from this many views on, while the model's depth still dominates the geometry. */
    dropAfterViews: number;
    /** A colour jump is a cut only when fewer than this fraction of corners track as well (a light change keeps them). */
    cutTrackedFrac: number;
    /** Least inlier fraction of a pose: below it the solution is a wrong minimum. */
    minInlierFrac: number;
    /** Inliers (count) and inlier fraction at which a frame's tracking quality reaches 1. */
    fullQualityInliers: number;
    fullQualityFrac: number;
  };
  units: {
    /** Frames before a new keyframe its corners are triangulated in (longer chains lose corners to KLT). */
    history: number;
    /** Fewest corners that must be triangulated: fewer cannot give the path's unit (restart in the model's). */
    minCorners: number;
    /** Weight of a triangulated corner's prior in the window BA against 1 for a model-depth one (25..400 measured; 100 best ATE). */
    weight: number;
    /** Forward-backward gate (pixels) of the back-tracking: tight, a wrong corner would set the unit. */
    kltBackError: number;
  };
  scale: {
    /** Frames of look-ahead the scale smoother waits for (8/20/40 measured; the whole shot did no better than 40). */
    lookahead: number;
    /** Pull toward the model's own scale: keeps the chain of ratios from drifting without undoing them. */
    pull: number;
    /** Neighbours (frames back) each frame's scale is linked to: 1 alone random-walks, longer links close the loop. */
    links: number[];
    /** Least overlap (fraction of warped pixels with depth) for a ratio to be trusted (a fast turn has none). */
    minOverlap: number;
    /** Fewest pixels a ratio is the median of. */
    minPixels: number;
    /** Pixel stride of the warp a ratio is measured on: one median needs few pixels. */
    stride: number;
    /** Least inlier fraction of a frame-to-frame scale/shift fit (relative depth, `scale: false`). */
    fitInliers: number;
    /** Floor on aligned disparity as a fraction of the largest: the far field must not become infinite. */
    floor: number;
  };
  fusion: {
    /** Neighbours each side a frame is fused with: a small network's errors average out over ~49 views. */
    radius: number;
    /** Neighbours are the frames within the radius whose index is a multiple of this (the same set for consecutive frames). */
    every: number;
    /** Analysis pixels per fusion-grid cell (each way): the correction is smooth, a 16th of the cost. */
    step: number;
    /** Largest |log| ratio between the neighbours' median and the frame's own for them to be one surface. */
    gate: number;
    /** Largest |log| ratio of one neighbour's value to the frame's for it to count at all. */
    reach: number;
    /** Largest grey-level difference (0..255) for a neighbour's pixel to be the same surface point. */
    photo: number;
  };
  temporal: {
    /** Weight of the current frame in the pose-guided temporal filter. */
    alpha: number;
    /** Relative depth difference under which history and current depth are merged (0.2 beat 0.12 on TAE). */
    tolerance: number;
    /** Pose confidence under which a frame is not merged with its history (the warp would be a guess). */
    minConfidence: number;
  };
  stereo: {
    /** Preferred parallax (pixels at the analysis width) of a stereo neighbour: depth signal without occlusion. */
    targetPx: number;
    /** Least parallax each side must reach: depth error ~ pose error / parallax. */
    minSidePx: number;
    /** Quantile of inverse depth the parallax is measured at: the far fifth needs the longer baselines. */
    parallaxQuantile: number;
    /** Most inverse-depth labels of a sweep (cost and time are linear in it). */
    maxLabels: number;
    /** Largest |log| ratio between past-side and future-side stereo for a pixel to be consistent. */
    agree: number;
  };
}

export const GEOMETRY_PARAMS: Readonly<GeometryParams> = Object.freeze({
  analysisWidth: 256,
  lag: 4,
  window: 14,
  tracking: {
    cornerCell: 12, kltWindow: 7, kltBackError: 2.0, minTracks: 24, keyframeMinTracks: 60, keyframeKeep: 0.1, keyframeFlow: 0.25,
    maxTurnDeg: 8, baWindow: 6, baPriorSigma: 2, inlierPx: 1.5, dropPx: 3, dropAfterViews: 3, cutTrackedFrac: 0.35,
    minInlierFrac: 0.25, fullQualityInliers: 40, fullQualityFrac: 0.5,
  },
  units: { history: 6, minCorners: 30, weight: 100, kltBackError: 1.0 },
  scale: { lookahead: 40, pull: 0.03, links: [1, 2, 4], minOverlap: 0.2, minPixels: 50, stride: 3, fitInliers: 0.2, floor: 0.01 },
  fusion: { radius: 24, every: 1, step: 4, gate: 0.7, reach: 1, photo: 24 },
  temporal: { alpha: 0.5, tolerance: 0.2, minConfidence: 0.05 },
  stereo: { targetPx: 20, minSidePx: 12, parallaxQuantile: 0.2, maxLabels: 64, agree: 0.05 },
});

/**
 * Bump when the geometry's CODE changes its output (a new step, a fixed bug); changed parameters
 * change the cache version by themselves.
 */
export const GEOMETRY_ALGORITHM_VERSION = 16;

/** Rejects parameters that cannot work (negative sizes, fractions outside 0..1), naming the first bad one. */
export function checkGeometryParams(p: GeometryParams): GeometryParams {
  const bad = (name: string, why: string) => { throw new UserError(`geometry parameter ${name} = ${JSON.stringify(valueAt(p, name))} is not valid: ${why}`); };
  const int = (name: string, min: number) => { const v = valueAt(p, name); if (!(Number.isInteger(v) && (v as number) >= min)) bad(name, `give an integer >= ${min}`); };
  const pos = (name: string) => { const v = valueAt(p, name); if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) bad(name, 'give a positive number'); };
  const frac = (name: string) => { const v = valueAt(p, name); if (!(typeof v === 'number' && v > 0 && v <= 1)) bad(name, 'give a fraction in (0, 1]'); };
  int('analysisWidth', 16); int('lag', 0); int('window', 2);
  int('tracking.cornerCell', 2); int('tracking.kltWindow', 1); pos('tracking.kltBackError'); int('tracking.minTracks', 6); int('tracking.keyframeMinTracks', 6);
  frac('tracking.keyframeKeep'); frac('tracking.keyframeFlow'); pos('tracking.maxTurnDeg'); int('tracking.baWindow', 1); pos('tracking.baPriorSigma');
  pos('tracking.inlierPx'); pos('tracking.dropPx'); int('tracking.dropAfterViews', 1); frac('tracking.cutTrackedFrac'); frac('tracking.minInlierFrac');
  pos('tracking.fullQualityInliers'); frac('tracking.fullQualityFrac');
  if (p.tracking.dropPx < p.tracking.inlierPx) bad('tracking.dropPx', 'it must be at least tracking.inlierPx (an inlier would be dropped)');
  int('units.history', 1); int('units.minCorners', 3); pos('units.weight'); pos('units.kltBackError');
  int('scale.lookahead', 1); pos('scale.pull'); frac('scale.minOverlap'); int('scale.minPixels', 1); int('scale.stride', 1); frac('scale.fitInliers'); frac('scale.floor');
  if (!(Array.isArray(p.scale.links) && p.scale.links.length > 0 && p.scale.links.every((k) => Number.isInteger(k) && k >= 1))) bad('scale.links', 'give frame offsets >= 1');
  // The fusion keeps up to 2 * radius + 1 values a pixel in a Uint8 count.
  int('fusion.radius', 0); if (p.fusion.radius > 120) bad('fusion.radius', 'at most 120 frames each side');
  int('fusion.every', 1); int('fusion.step', 1); pos('fusion.gate'); pos('fusion.reach'); pos('fusion.photo');
  frac('temporal.alpha'); pos('temporal.tolerance'); frac('temporal.minConfidence');
  pos('stereo.targetPx'); pos('stereo.minSidePx'); frac('stereo.parallaxQuantile'); int('stereo.maxLabels', 24); pos('stereo.agree');
  return p;
}

function valueAt(p: GeometryParams, name: string): unknown {
  return name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], p);
}

/** The geometry's part of a cache entry's identity: the algorithm's version and every parameter. */
export function geometryCacheVersion(p: GeometryParams = GEOMETRY_PARAMS): string {
  const text = JSON.stringify({ algorithm: GEOMETRY_ALGORITHM_VERSION, params: p });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
