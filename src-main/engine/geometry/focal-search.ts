import type { Intrinsics } from '../../common/types.ts';
import type { FocalSpan } from './focal-tracks.ts';
import type { Mat4 } from '../../common/types.ts';
import { fromRt, mul3, mulVec3, svd3, transpose3, det3, type Mat3, hypot2, hypot3 } from './linalg.ts';
import { estimatePose } from './pose.ts';
import { epipolarFocal, rigidSpan, subsetSpan, type RigidSpan, type SpanFocal } from './focal-epipolar.ts';
import { bundleAdjustWindow, windowErrors, type WindowObservation } from './window-ba.ts';

export interface FocalEstimate {
  /** Focal length in pixels at the tracking grid's width. */
  f: number;
  /** Horizontal field of view, degrees. */
  fovDeg: number;
  /** One standard error of fovDeg, degrees (Infinity: the footage does not tell). */
  sigmaDeg: number;
  /** 0..1, from sigmaDeg: how far the estimate can be trusted. */
  confidence: number;
  /** Spans of footage that told something. */
  spans: number;
  /** The spans' own estimates disagree beyond their errors: the focal length changed along the shot (a zoom). */
  zoom: boolean;
  /** Which fit told it: the spans' bundle adjustment (or rotation) curves, or their epipolar geometry. */
  method?: 'bundle' | 'epipolar';
}

const focalOf = (fovDeg: number, width: number) => width / 2 / Math.tan((fovDeg * Math.PI) / 360);
/** Cauchy loss (pixels): smooth in the focal length, so the cost curve has no steps where inliers change. */
const rho = (e: number) => CAUCHY * CAUCHY * Math.log1p((e * e) / (CAUCHY * CAUCHY));

/**
 * Self-calibration of the focal length (square pixels, principal point at the centre, no distortion).
 * Every candidate focal length is scored by how well the spans' tracks fit a camera with it: a small
 * bundle adjustment per span (poses and the corners' depths free, the model's depth a weak prior), or
 * where the camera only turned, a rotation between views. A wrong focal length bends the rotation's
 * image motion in a way no rigid motion explains, so the cost is lowest at the true one; a static shot
 * or a pure translation leaves it flat, which the curvature turns into a low confidence.
 */
export function estimateFocal(given: FocalSpan[], width: number, height: number, explain?: string[]): FocalEstimate {
  // Only the corners that move with the scene's dominant rigid motion are scored (focal-epipolar.ts).
  const rigid = given.map((s) => remember(s, `rigid ${width}x${height}`, () => rigidSpan(s, MIN_INLIERS, width, height))).filter((r): r is RigidSpan => r !== null);
  explain?.push(`spans with motion: ${given.length}; with >= ${MIN_INLIERS} corners in one rigid motion: ${rigid.length} (corners kept ${rigid.map((r) => `${r.span.q0.length}/${given.find((g) => g.start === r.span.start)!.q0.length}`).join(' ')})`);
  const ba = bundleFocal(rigid.map((r) => r.span), width, height, explain);
  // The spans' epipolar geometry: each span's own estimate (a zoom shows as a steady drift of them), and
  // where the bundle adjustment cannot tell (real footage often defeats it: a close subject, a small
  // model's bent depth), their median where they agree with each other.
  const epi = epipolarFocal(rigid, width, height);
  explain?.push(`bundle: ${ba.fovDeg.toFixed(1)} deg +- ${ba.sigmaDeg.toFixed(1)} (conf ${ba.confidence.toFixed(2)}, ${ba.spans} spans); epipolar: ${epi.spans.length} spans with their own minimum [${epi.spans.map((o) => o.fovDeg.toFixed(0)).join(' ')}] -> ${epi.fovDeg.toFixed(1)} +- ${epi.sigmaDeg.toFixed(1)}`);
  const zoom = driftSeen(epi.spans);
  const confidence = confidenceOf(epi.sigmaDeg);
  if (ba.confidence >= SURE || !(confidence > ba.confidence)) return { ...ba, zoom: ba.zoom || zoom, method: 'bundle' };
  return { f: focalOf(epi.fovDeg, width), fovDeg: epi.fovDeg, sigmaDeg: epi.sigmaDeg, confidence, spans: epi.spans.length, zoom, method: 'epipolar' };
}

const confidenceOf = (sigma: number) => (Number.isFinite(sigma) ? Math.exp(-0.5 * (sigma / SIGMA_OK) ** 2) : 0);

/** The spans' own estimates drift steadily along the shot (a slope many times its error): a zoom. */
function driftSeen(own: SpanFocal[]): boolean {
  if (own.length < 4) return false;
  const n = own.length, mt = own.reduce((t, o) => t + o.start, 0) / n, ma = own.reduce((t, o) => t + o.fovDeg, 0) / n;
  let stt = 0, sta = 0;
  for (const o of own) { stt += (o.start - mt) ** 2; sta += (o.start - mt) * (o.fovDeg - ma); }
  if (!(stt > 0)) return false;
  const slope = sta / stt;
  const res = own.reduce((t, o) => t + (o.fovDeg - ma - slope * (o.start - mt)) ** 2, 0) / (n - 2);
  const se = Math.sqrt(res / stt);
  const span = Math.max(...own.map((o) => o.start)) - Math.min(...own.map((o) => o.start));
  return Math.abs(slope * span) > ZOOM_DEG && Math.abs(slope) > ZOOM_T * se;
}

function bundleFocal(given: FocalSpan[], width: number, height: number, explain?: string[]): FocalEstimate {
  const none: FocalEstimate = { f: NaN, fovDeg: NaN, sigmaDeg: Infinity, confidence: 0, spans: 0, zoom: false };
  if (!given.length) return none;
  const cx = width / 2, cy = height / 2;
  const grid: number[] = [];
  for (let a = FOV_MIN; a <= FOV_MAX + 1e-9; a += GRID_STEP) grid.push(a);
  const fs = grid.map((a) => focalOf(a, width));
  const score = (s: FocalSpan) => {
    const rot = grid.map((a) => rotationCost(s, focalOf(a, width), cx, cy));
    const n = (s.ref.length / 2) * s.views.length;
    const { best: ba, cold } = baCurve(s, fs, width, height);
    // Model selection: where a rotation alone explains the tracks about as well as a full motion with free
    // depths (whose extra freedom always soaks up some tracking noise), the camera only turned, and the
    // rotation's curve is the sharp one; the full motion's is flat there. The rotation's curve is sharp
    // enough that its minimum must be searched, not read off the grid.
    const rotMin = refineMin(grid, rot, (a) => rotationCost(s, focalOf(a, width), cx, cy)).c;
    const rotOnly = rotMin <= ROTATION_RATIO * Math.min(...ba);
    return { rotOnly, n, curve: rotOnly ? rot : ba, cold };
  };
  // Corners that fit no camera near the span's own best focal length are bad tracks (a repeated texture,
  // something moving): they are dropped and the span scored again, so they cannot bend its curve.
  // Each span's outcome is kept while the span lives: when the held frames are extended, only the new
  // spans are searched.
  const kept = given.map((s0) => remember(s0, `bundle ${width}x${height}`, () => {
    const c = score(s0);
    const k = c.curve.indexOf(Math.min(...c.curve));
    const err = c.rotOnly ? rotationErrors(s0, focalOf(grid[k], width), cx, cy) : c.cold[k].err;
    const keep: number[] = [];
    err.forEach((e, i) => { if (e < INLIER_PX) keep.push(i); });
    if (keep.length === err.length) return { s: s0, c, fine: new Map<number, number[]>() };
    if (keep.length < MIN_INLIERS) return null;
    const s = subsetSpan(s0, keep);
    return { s, c: score(s), fine: new Map<number, number[]>() };
  })).filter((v) => v !== null);
  // A span no camera explains well (its tracks still wrong, or the fit lost) or whose own curve falls
  // to the search's edge tells nothing reliable, and its cost would outweigh the spans that do.
  const scored = kept.filter(({ s, c }) => {
    const m = Math.min(...c.curve), k = c.curve.indexOf(m);
    explain?.push(`  span @${s.start}: ${c.rotOnly ? 'rotation only' : 'full motion'}, ${s.q0.length} corners, fit ${(m / c.n).toFixed(2)} (max ${FIT_MAX}), grid minimum ${grid[k]} deg${k === 0 || k === c.curve.length - 1 ? ' (at the edge)' : ''}, dips ${dips(c.curve)}`);
    return m / c.n < FIT_MAX && k > 0 && k < c.curve.length - 1 && dips(c.curve) <= 1;
  });
  if (!scored.length) return none;
  const spans = scored.map((v) => v.s);
  const costs = scored.map((v) => v.c);
  const total = grid.map((_a, i) => costs.reduce((t, c) => t + c.curve[i], 0));
  const nObs = costs.reduce((t, c) => t + c.n, 0);
  // A finer grid around the coarse minimum (the full motion's curves warm-started along it, as above),
  // then a parabola through the finest three.
  const k0 = total.indexOf(Math.min(...total));
  const fine: number[] = [];
  for (let a = grid[k0] - GRID_STEP + FINE_STEP; a < grid[k0] + GRID_STEP - 1e-9; a += FINE_STEP) fine.push(a);
  const fineTotal = new Array<number>(fine.length).fill(0);
  scored.forEach(({ s, c: cost, fine: memo }) => {
    let c = memo.get(k0);
    if (!c) {
      c = cost.rotOnly ? fine.map((a) => rotationCost(s, focalOf(a, width), cx, cy)) : baCurve(s, fine.map((a) => focalOf(a, width)), width, height).best;
      memo.set(k0, c);
    }
    c.forEach((v, i) => { fineTotal[i] += v; });
  });
  const best = parabolaMin(fine, fineTotal);
  const zoom = zoomSeen(grid, costs.map((c) => c.curve), spans, costs.map((c) => c.n));
  // The minimum at the search's edge: the footage points outside any plausible lens, i.e. it cannot tell.
  const edge = best.a < FOV_MIN + GRID_STEP || best.a > FOV_MAX - GRID_STEP;
  const sigma = edge ? Infinity : sigmaOf(best, nObs, spans.reduce((t, s) => t + s.views.length, 0) / spans.length);
  return {
    f: focalOf(best.a, width), fovDeg: best.a, sigmaDeg: sigma,
    confidence: confidenceOf(sigma),
    spans: spans.length, zoom,
  };
}

/** The estimate's standard error from the cost's curvature at the minimum and the residual's size. */
function sigmaOf(b: { c: number; curv: number }, nObs: number, views: number): number {
  if (!(b.curv > 0)) return Infinity;
  const noise = b.c / nObs;
  // A corner's views share its tracking error: about one independent measurement per corner, not per
  // view; and the tracks' errors are not independent either (a shared template), hence the factor 2.
  return 2 * Math.sqrt((noise / b.curv) * views);
}

/** Number of interior dips of a curve (a point clearly below both neighbours): more than one, and the curve is noise, not a focal length. */
function dips(c: number[]): number {
  const range = Math.max(...c) - Math.min(...c), tol = DIP * range;
  let n = 0;
  for (let k = 1; k < c.length - 1; k++) if (c[k] < c[k - 1] - tol && c[k] < c[k + 1] - tol) n++;
  return n;
}

/** The sampled curve's minimum refined by a parabola through it and its neighbours, with the curvature there. */
function parabolaMin(xs: number[], c: number[]): { a: number; c: number; curv: number } {
  const k = Math.min(xs.length - 2, Math.max(1, c.indexOf(Math.min(...c))));
  const h = xs[1] - xs[0], den = c[k - 1] - 2 * c[k] + c[k + 1];
  const off = den > 0 ? Math.max(-1, Math.min(1, (c[k - 1] - c[k + 1]) / (2 * den))) : 0;
  return { a: xs[k] + off * h, c: c[k] - (den * off * off) / 2, curv: den / (2 * h * h) };
}

/** Grid minimum, then a golden-section search around it; returns the minimum and the curvature there (cost per degree squared / 2). */
function refineMin(grid: number[], cost: number[], at: (a: number) => number): { a: number; c: number; curv: number } {
  let k = 0;
  for (let i = 1; i < grid.length; i++) if (cost[i] < cost[k]) k = i;
  let lo = grid[Math.max(0, k - 1)], hi = grid[Math.min(grid.length - 1, k + 1)];
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo), f1 = at(x1), f2 = at(x2);
  for (let it = 0; it < GOLDEN_STEPS; it++) {
    if (f1 < f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = at(x1); }
    else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = at(x2); }
  }
  const a = f1 < f2 ? x1 : x2, c = Math.min(f1, f2);
  const cl = at(a - CURV_STEP), cr = at(a + CURV_STEP);
  return { a, c, curv: (cl + cr - 2 * c) / (2 * CURV_STEP * CURV_STEP) };
}

/** Each span's own minimum and error; spans that are sure of themselves but disagree mean the lens zoomed. */
function zoomSeen(grid: number[], curves: number[][], spans: FocalSpan[], ns: number[]): boolean {
  const own = curves.map((c, i) => {
    let k = 0;
    for (let j = 1; j < c.length; j++) if (c[j] < c[k]) k = j;
    if (k === 0 || k === c.length - 1) return null;
    const den = c[k - 1] - 2 * c[k] + c[k + 1];
    if (!(den > 0)) return null;
    const a = grid[k] + (GRID_STEP * (c[k - 1] - c[k + 1])) / (2 * den);
    const sigma = sigmaOf({ c: c[k], curv: den / (2 * GRID_STEP * GRID_STEP) }, ns[i], spans[i].views.length);
    return sigma < ZOOM_SURE_DEG ? { a, sigma } : null;
  }).filter((v): v is { a: number; sigma: number } => v !== null);
  for (const p of own) for (const q of own) if (q.a - p.a > ZOOM_DEG && q.a - p.a > 3 * hypot2(p.sigma, q.sigma)) return true;
  return false;
}

const bearing = (x: number, y: number, f: number, cx: number, cy: number): [number, number, number] => {
  const bx = (x - cx) / f, by = (y - cy) / f, n = hypot3(bx, by, 1);
  return [bx / n, by / n, 1 / n];
};

/** The rotation taking reference bearings to a view's (weighted Kabsch, no translation), and each corner's pixel error. */
function fitRotation(ref: Float32Array, uv: Float32Array, f: number, cx: number, cy: number): { R: Mat3; e: Float64Array } {
  const n = ref.length / 2;
  const w = new Float64Array(n).fill(1), e = new Float64Array(n);
  // Loops here and in baFit, not closures made per call (Array.from's, forEach's): V8 holds a closure's
  // optimised code weakly, so a collection dropped it and the next call's closures were compiled again.
  const b1: [number, number, number][] = [], b2: [number, number, number][] = [];
  for (let i = 0; i < n; i++) b1.push(bearing(ref[2 * i], ref[2 * i + 1], f, cx, cy));
  for (let i = 0; i < n; i++) b2.push(bearing(uv[2 * i], uv[2 * i + 1], f, cx, cy));
  let R: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let pass = 0; pass < 3; pass++) {
    const C = new Array<number>(9).fill(0);
    for (let i = 0; i < n; i++) for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) C[r * 3 + c] += w[i] * b2[i][r] * b1[i][c];
    const { U, V } = svd3(C);
    const Vt = transpose3(V);
    R = mul3(U, Vt);
    if (det3(R) < 0) R = mul3(mul3(U, [1, 0, 0, 0, 1, 0, 0, 0, -1]), Vt);
    for (let i = 0; i < n; i++) {
      const p = mulVec3(R, b1[i]);
      e[i] = p[2] > 1e-6 ? hypot2((f * p[0]) / p[2] + cx - uv[2 * i], (f * p[1]) / p[2] + cy - uv[2 * i + 1]) : 3 * CAUCHY;
      w[i] = 1 / (1 + (e[i] / CAUCHY) ** 2);
    }
  }
  return { R, e };
}

function rotationCost(s: FocalSpan, f: number, cx: number, cy: number): number {
  let c = 0;
  for (const uv of s.views) for (const e of fitRotation(s.ref, uv, f, cx, cy).e) c += rho(e);
  return c;
}

/** Each corner's largest error over the span's views under the rotation. */
function rotationErrors(s: FocalSpan, f: number, cx: number, cy: number): Float64Array {
  const worst = new Float64Array(s.q0.length);
  for (const uv of s.views) {
    const e = fitRotation(s.ref, uv, f, cx, cy).e;
    for (let i = 0; i < e.length; i++) worst[i] = Math.max(worst[i], e[i]);
  }
  return worst;
}

/** Robust reprojection cost of the span after a bundle adjustment with this focal length (rotation-only start). */
interface BaState { T: Mat4[]; q: Float64Array }

/**
 * The span's cost at each focal length, each the least of a cold start and warm starts from its
 * neighbours' solutions (up the list and down it): the bundle adjustment's convergence alone must not
 * make the curve jagged.
 */
type BaFit = ReturnType<typeof baFit>;
function baCurve(s: FocalSpan, fs: number[], width: number, height: number): { best: number[]; cold: BaFit[] } {
  const cold = fs.map((f) => baFit(s, f, width, height));
  const best = cold.map((r) => r.cost);
  for (const dir of [1, -1]) {
    let prev: BaState | null = null;
    for (let k = dir > 0 ? 0 : fs.length - 1; k >= 0 && k < fs.length; k += dir) {
      const r: ReturnType<typeof baFit> = prev ? baFit(s, fs[k], width, height, prev) : cold[k];
      if (r.cost < best[k]) best[k] = r.cost;
      prev = r.cost <= cold[k].cost ? r.state : cold[k].state;
    }
  }
  return { best, cold };
}

/** What the search made of one span, kept with the span (its pixels never change once it is closed). */
const memo = new WeakMap<FocalSpan, Map<string, unknown>>();
function remember<T>(s: FocalSpan, key: string, make: () => T): T {
  let m = memo.get(s);
  if (!m) memo.set(s, (m = new Map()));
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}

/** The span's robust reprojection cost after a bundle adjustment with this focal length, each corner's largest error over the views, and the solution (to start a neighbour from). */
function baFit(s: FocalSpan, f: number, width: number, height: number, start?: BaState): { cost: number; err: Float64Array; state: BaState } {
  const K: Intrinsics = { fx: f, fy: f, cx: width / 2, cy: height / 2, width, height };
  const n = s.q0.length;
  const rays = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) { rays[2 * i] = (s.ref[2 * i] - K.cx) / f; rays[2 * i + 1] = (s.ref[2 * i + 1] - K.cy) / f; }
  // The model's depth starts the corners (a far better start than one depth where the camera moves
  // forward) but its prior is loose: a small model's depth shapes are wrong enough to bend the cost curve.
  const pb = { rays, q: start ? start.q.slice() : s.q0.slice(), q0: s.q0 };
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  // Views added one at a time, each starting from the one before: the motion grows along the span, and a
  // far view started from a rotation alone can end in a wrong minimum.
  const obs: WindowObservation[] = [];
  const P = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) { const z = 1 / s.q0[i]; P[3 * i] = rays[2 * i] * z; P[3 * i + 1] = rays[2 * i + 1] * z; P[3 * i + 2] = z; }
  if (start) {
    for (let j = 0; j < s.views.length; j++) obs.push({ T: start.T[j], ids, uv: s.views[j] });
    bundleAdjustWindow(pb, obs, K, { priorSigma: PRIOR_SIGMA, iterations: BA_ITERATIONS, thresholdPx: 1.5, stop: BA_STOP });
  } else for (const [j, uv] of s.views.entries()) {
    // Started as the tracker starts a frame: RANSAC on the model's depth at both ends, from the view before.
    const init = obs.length ? obs[obs.length - 1].T : fromRt(fitRotation(s.ref, uv, f, K.cx, K.cy).R, [0, 0, 0]);
    const est = estimatePose(P, uv, s.viewDepth[j], K, { init, seed: j + 1, confidence: RANSAC_CONFIDENCE });
    obs.push({ T: est.ok ? est.T : init, ids, uv });
    // The views before the last only start the next one: a few steps bring them near enough.
    const last = obs.length === s.views.length;
    bundleAdjustWindow(pb, obs, K, { priorSigma: PRIOR_SIGMA, iterations: last ? BA_ITERATIONS : START_ITERATIONS, thresholdPx: 1.5, stop: BA_STOP });
  }
  let c = 0;
  const worst = new Float64Array(n);
  for (const ob of obs) {
    const err = windowErrors(pb, ob, K);
    for (let i = 0; i < err.length; i++) {
      const e = err[i];
      c += rho(Number.isFinite(e) ? e : 3 * CAUCHY);
      worst[i] = Math.max(worst[i], Number.isFinite(e) ? e : Infinity);
    }
  }
  const T: Mat4[] = [];
  for (const o of obs) T.push(o.T);
  return { cost: c, err: worst, state: { T, q: pb.q.slice() } };
}

/** Searched horizontal fields of view (degrees): from a long lens to an action camera's. */
const FOV_MIN = 25;
const FOV_MAX = 125;
const GRID_STEP = 10;
const GOLDEN_STEPS = 12;
/** Half-step of the curvature measurement, degrees. */
const CURV_STEP = 3;
/** The fine grid's step around the coarse minimum, degrees. */
const FINE_STEP = 2;
/** A dip must fall below both neighbours by this fraction of the curve's range. */
const DIP = 0.03;
/** A corner is kept when it fits within this many pixels in every view at its span's best grid focal length; a span with fewer than MIN_INLIERS such corners is left out. */
const INLIER_PX = 3;
const MIN_INLIERS = 20;
/** Largest mean cost per observation of a span that counts (Cauchy: 0.69 is a 1-pixel error everywhere). */
const FIT_MAX = 0.6;
/** Cauchy loss scale, pixels at the tracking resolution. */
const CAUCHY = 1;
const BA_ITERATIONS = 15;
/** ...or fewer: each adjustment stops once a step lowers its cost by less than this fraction (converged). */
const BA_STOP = 1e-6;
/** Iterations of the adjustments that only start a span's next view (the last view's runs BA_ITERATIONS). */
const START_ITERATIONS = 5;
/** The pose starts' RANSAC stops once a better pose would have been drawn with this probability (the corners are one rigid consensus already). */
const RANSAC_CONFIDENCE = 0.999;
/** The depth prior's spread (log inverse depth): only the scale's gauge. */
const PRIOR_SIGMA = 5;
/** A span counts as a turn when the rotation's least cost is within this factor of the full motion's. */
const ROTATION_RATIO = 5;
/** Standard error (degrees) that maps to confidence exp(-1/2). */
const SIGMA_OK = 3;
/** A span counts for the zoom check when its own error is below this; spans this far apart (degrees) mean a zoom. */
const ZOOM_SURE_DEG = 2;
const ZOOM_DEG = 8;
/** A drift counts as a zoom when its slope is this many standard errors. */
const ZOOM_T = 4;
/** A bundle-adjustment estimate this confident is taken as it is. */
const SURE = 0.5;
