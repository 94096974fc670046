/**
 * The focal length refined along the whole shot, as a parameter the tracker's window bundle
 * adjustments share (window-ba.ts: WindowFocal). It starts from the held frames' estimate (or the
 * default) with that estimate's spread as a prior; each keyframe's window then says what its own
 * observations tell about the focal length (an estimate and its information), and the shared value is
 * their information-weighted mean with the prior's. A window that cannot tell (a static stretch, a
 * push-in without turns) carries no information and moves nothing. A steady drift of the windows'
 * own estimates along the shot, far beyond their errors, is a zoom.
 *
 * Everything is in s = log(f / f_K), f_K being the focal length the stage was started with. Memory:
 * a few numbers per keyframe.
 */
export interface FocalRefinement {
  /** The refined field of view (degrees), its standard error and the confidence that maps from it. */
  fovDeg: number;
  sigmaDeg: number;
  confidence: number;
  /** Keyframe windows that told something about it. */
  windows: number;
  /** The windows' estimates drift along the shot (a zoom): their field of view early and late, and where. */
  zoom: { fromDeg: number; toDeg: number; fromFrame: number; toFrame: number } | null;
}

/** A keyframe's latest window (what the shared value takes: its longest reach from the keyframe) and its most informed one (what the drift check takes). */
interface Measure { frame: number; s: number; info: number; best: { frame: number; s: number; info: number } }

/**
 * `width` and `fx`: the grid the stage's K is for and its focal length; `sigma0`: the starting
 * estimate's spread in log focal length (Infinity: none, the default was kept).
 */
export function createFocalRefiner(o: { width: number; fx: number; sigma0: number }) {
  const sigma0 = Math.min(o.sigma0, MAX_PRIOR_SIGMA);
  const info0 = 1 / sigma0 ** 2;
  const byKey = new Map<number, Measure>();

  /** The shared value (log focal) and its information, leaving one keyframe's own measurement out. */
  function combine(skip?: number): { s: number; info: number } {
    let s = 0;
    // Robust: a window far from the rest (a wrong track bending it) counts less (Cauchy weights), twice refined.
    for (let pass = 0; pass < 3; pass++) {
      let num = 0, den = info0;
      for (const [k, m] of byKey) {
        if (k === skip) continue;
        const r2 = (m.s - s) ** 2 * m.info;
        const wgt = pass === 0 ? 1 : 1 / (1 + r2 / CAUCHY_T ** 2);
        num += wgt * m.info * m.s;
        den += wgt * m.info;
      }
      s = num / den;
    }
    let info = info0;
    for (const [k, m] of byKey) if (k !== skip) info += m.info;
    return { s, info };
  }

  const fovOf = (s: number) => (360 / Math.PI) * Math.atan(o.width / 2 / (o.fx * Math.exp(s)));

  return {
    /** The prior a keyframe's window starts from: the shared value without its own measurement, and its spread (plus what a slow zoom may add within a keyframe). */
    prior(key: number): { s0: number; sigma: number } {
      const c = combine(key);
      return { s0: c.s, sigma: Math.min(MAX_PRIOR_SIGMA, Math.hypot(1 / Math.sqrt(c.info), DRIFT_SIGMA)) };
    },
    /**
     * A keyframe window's result: `s` the posterior with the prior (s0, sigma) it was given, `info` its
     * observations' own information. The window's own estimate is recovered from them (Gaussian), and
     * deflated: a window's tracks share their errors, which the bundle adjustment counts as independent.
     * Its windows overlap: one measurement per keyframe.
     */
    set(key: number, frame: number, r: { s: number; info: number; s0: number; sigma: number }) {
      if (!(r.info > MIN_INFO) || !Number.isFinite(r.s)) return;
      const ip = 1 / r.sigma ** 2;
      const own = (r.s * (ip + r.info) - ip * r.s0) / r.info;
      const m = { frame, s: own, info: r.info / DEFLATE }, was = byKey.get(key)?.best;
      byKey.set(key, { ...m, best: was && was.info >= m.info ? was : m });
    },
    /** The shot's refined focal length and whether it drifted. */
    result(): FocalRefinement {
      const c = combine();
      const f = o.fx * Math.exp(c.s);
      // d(fov)/d(log f) = -sin(fov) (radians).
      const fov = fovOf(c.s);
      const sigmaDeg = (Math.sin((fov * Math.PI) / 180) / Math.sqrt(c.info)) * (180 / Math.PI);
      const told = [...byKey.values()].filter((m) => m.info > 0);
      return {
        fovDeg: fov, sigmaDeg,
        // The prior alone (no window told anything) is the held frames' confidence, not a refinement's.
        confidence: told.length ? Math.exp(-0.5 * (sigmaDeg / SIGMA_OK) ** 2) : 0,
        windows: told.length,
        zoom: Number.isFinite(f) ? driftOf(told.map((m) => m.best), fovOf) : null,
      };
    },
  };
}

/**
 * A zoom: the windows' own estimates fitted by a line along the shot (weighted by their information,
 * their scatter about it taken as the noise), whose change over the shot is both large in degrees and
 * many standard errors.
 */
function driftOf(ms: Measure['best'][], fovOf: (s: number) => number): FocalRefinement['zoom'] {
  if (ms.length < MIN_WINDOWS) return null;
  let W = 0, mt = 0, ms0 = 0;
  for (const m of ms) { W += m.info; mt += m.info * m.frame; ms0 += m.info * m.s; }
  mt /= W; ms0 /= W;
  let stt = 0, sts = 0;
  for (const m of ms) { stt += m.info * (m.frame - mt) ** 2; sts += m.info * (m.frame - mt) * (m.s - ms0); }
  if (!(stt > 0)) return null;
  const slope = sts / stt;
  let rss = 0;
  for (const m of ms) rss += m.info * (m.s - ms0 - slope * (m.frame - mt)) ** 2;
  // The scatter's own scale (not the windows' claimed errors, which a real clip's tracks undercut).
  const scale = Math.max(1, rss / (ms.length - 2));
  const se = Math.sqrt(scale / stt);
  const t0 = Math.min(...ms.map((m) => m.frame)), t1 = Math.max(...ms.map((m) => m.frame));
  const from = fovOf(ms0 + slope * (t0 - mt)), to = fovOf(ms0 + slope * (t1 - mt));
  if (Math.abs(to - from) < ZOOM_DEG || Math.abs(slope) < ZOOM_T * se) return null;
  return { fromDeg: from, toDeg: to, fromFrame: t0, toFrame: t1 };
}

/** Widest prior a window is given (log focal: about +-30%), so that a window with no say cannot run off. */
const MAX_PRIOR_SIGMA = 0.3;
/** What the focal length may move within one keyframe's window beyond the shared value's error (log focal), so a slow zoom still shows. */
const DRIFT_SIGMA = 0.03;
/** Windows with less information than this (1 / log-focal variance) are not counted. */
const MIN_INFO = 25;
/** The windows' information divided by this: their tracks share errors. */
const DEFLATE = 4;
/** Cauchy scale of a window's disagreement, in its own standard errors. */
const CAUCHY_T = 3;
/** Standard error (degrees) that maps to confidence exp(-1/2), as the held frames' estimate. */
const SIGMA_OK = 3;
/** Fewest windows for a drift; a drift counts as a zoom when it spans this many degrees and this many standard errors. */
const MIN_WINDOWS = 4;
const ZOOM_DEG = 8;
const ZOOM_T = 3;

export type FocalRefiner = ReturnType<typeof createFocalRefiner>;
