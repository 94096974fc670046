import type { FocalSpan } from './focal-tracks.ts';
import { fundamentalRansac, ransacHypotheses, type Hypotheses } from './epipolar.ts';
import { mul3, svd3, transpose3, type Mat3 } from './linalg.ts';

/** A span reduced to the corners that move as one rigid scene, with its views' fundamental matrices. */
export interface RigidSpan {
  span: FocalSpan;
  /** Reference -> view fundamental matrix per view (pixels at the tracking resolution). */
  F: Mat3[];
}

/** One span's own focal estimate from its epipolar geometry. */
export interface SpanFocal { start: number; fovDeg: number }

/**
 * The span's corners that move as one rigid scene (epipolar consensus with the reference in every
 * view), or null when too few do: a bird, a passer-by, a wrong track would otherwise bend every
 * candidate's cost. A rigid object that fills most of the picture wins the consensus; its motion
 * relative to the camera tells the focal length as well as the room's would.
 */
export function rigidSpan(s: FocalSpan, minCorners: number, width: number, height: number): RigidSpan | null {
  const n = s.q0.length;
  let best: { ok: Uint8Array; count: number } | null = null;
  // The lenses score the same samples (one seed per view): drawn and solved once.
  const hyp: Hypotheses[] = s.views.map((uv, j) => ransacHypotheses(s.ref, uv, CONSENSUS_ITERATIONS, s.start * 31 + j + 1));
  // The consensus of an essential matrix (five degrees of freedom) for each of a few lenses: a free
  // fundamental matrix (seven) bends to take in a subject's corners too where the scene's own motion
  // is close to degenerate. The lens whose consensus is largest keeps its corners.
  for (const fov of CONSENSUS_FOVS) {
    const f = width / 2 / Math.tan((fov * Math.PI) / 360);
    const K: Mat3 = [f, 0, width / 2, 0, f, height / 2, 0, 0, 1];
    const ok = new Uint8Array(n).fill(1);
    for (const [j, uv] of s.views.entries()) {
      const r = fundamentalRansac(s.ref, uv, { thresholdPx: EPIPOLAR_PX, K, hypotheses: hyp[j] });
      if (!r) { ok.fill(0); break; }
      // Loops, not closures made per call (here and below): V8 holds a closure's optimised code weakly,
      // so a collection dropped it and the next call's closure was compiled again.
      for (let i = 0; i < r.inliers.length; i++) if (!r.inliers[i]) ok[i] = 0;
    }
    let count = 0;
    for (let i = 0; i < ok.length; i++) count += ok[i];
    if (!best || count > best.count) best = { ok, count };
  }
  const keep: number[] = [];
  for (let i = 0; i < best!.ok.length; i++) if (best!.ok[i]) keep.push(i);
  if (keep.length < minCorners) return null;
  const span = keep.length === n ? s : subsetSpan(s, keep);
  // The focal-free geometry of the rigid corners, for the focal length's own search.
  const F: Mat3[] = [];
  for (const [j, uv] of span.views.entries()) {
    const r = fundamentalRansac(span.ref, uv, { thresholdPx: EPIPOLAR_PX, seed: s.start * 31 + j + 1, iterations: 100 });
    if (!r) return null;
    F.push(r.F);
  }
  return { span, F };
}

export function subsetSpan(s: FocalSpan, keep: number[]): FocalSpan {
  const pick = (a: Float32Array) => Float32Array.from(keep.flatMap((i) => [a[2 * i], a[2 * i + 1]]));
  return { start: s.start, ref: pick(s.ref), q0: Float64Array.from(keep.map((i) => s.q0[i])), views: s.views.map(pick), viewDepth: s.viewDepth.map((d) => Float32Array.from(keep.map((i) => d[i]))) };
}

/**
 * The focal length from the spans' fundamental matrices alone (Mendonca and Cipolla): with the right
 * focal length K^T F K is an essential matrix, whose two non-zero singular values are equal. Each span
 * gives its own estimate where its curve has a clear interior minimum (enough rotation and
 * translation; a pure turn, a pure push-in or a flat scene leave it flat or at an end); the spans'
 * median is the estimate and their spread its error, so a few spans fooled by a wrong consensus
 * cannot move it. It needs no depth and no bundle adjustment, which a small depth model's wrong
 * shapes and a close, moving subject can defeat.
 */
export function epipolarFocal(rigid: RigidSpan[], width: number, height: number): { fovDeg: number; sigmaDeg: number; spans: SpanFocal[] } {
  const grid: number[] = [];
  for (let a = FOV_MIN; a <= FOV_MAX + 1e-9; a += STEP) grid.push(a);
  const own: SpanFocal[] = [];
  for (const r of rigid) {
    const curve: number[] = [];
    for (const a of grid) {
      let t = 0;
      for (const F of r.F) t = t + essentialGap(F, width / 2 / Math.tan((a * Math.PI) / 360), width / 2, height / 2);
      curve.push(t);
    }
    const k = curve.indexOf(Math.min(...curve));
    if (k < 2 || k > grid.length - 3) continue;
    // A clear dip: the minimum well below the curve at both ends of the search.
    if (curve[k] > DIP_RATIO * Math.min(curve[0], curve[curve.length - 1])) continue;
    const den = curve[k - 1] - 2 * curve[k] + curve[k + 1];
    const off = den > 0 ? Math.max(-1, Math.min(1, (curve[k - 1] - curve[k + 1]) / (2 * den))) : 0;
    own.push({ start: r.span.start, fovDeg: grid[k] + off * STEP });
  }
  if (own.length < MIN_SPANS) return { fovDeg: NaN, sigmaDeg: Infinity, spans: own };
  const a = own.map((o) => o.fovDeg).sort((x, y) => x - y);
  const med = median(a);
  const mad = median(a.map((v) => Math.abs(v - med)).sort((x, y) => x - y));
  // The spread of the spans' own estimates (a robust standard deviation) over the root of their number;
  // never below a degree: the spans share the lens' distortion and the tracker's biases.
  const sigma = Math.max(SIGMA_FLOOR, (1.4826 * mad) / Math.sqrt(a.length));
  return { fovDeg: med, sigmaDeg: sigma, spans: own };
}

/** (s1 - s2) / (s1 + s2) of K^T F K: 0 for an essential matrix. */
function essentialGap(F: Mat3, f: number, cx: number, cy: number): number {
  const K: Mat3 = [f, 0, cx, 0, f, cy, 0, 0, 1];
  const S = svd3(mul3(mul3(transpose3(K), F), K)).S.slice().sort(descending);
  return S[0] + S[1] > 0 ? (S[0] - S[1]) / (S[0] + S[1]) : 1;
}

function descending(x: number, y: number): number {
  return y - x;
}

const median = (sorted: number[]) => {
  const n = sorted.length;
  return n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
};

/** Largest distance (tracking pixels) of a corner from its epipolar line that still counts as moving with the scene. */
const EPIPOLAR_PX = 1;
/** Lenses (horizontal field of view, degrees) whose essential-matrix consensus picks the rigid corners. */
const CONSENSUS_FOVS = [35, 55, 75, 95, 115];
const CONSENSUS_ITERATIONS = 150;
const FOV_MIN = 25;
const FOV_MAX = 125;
const STEP = 1;
/** A span's minimum must fall below this fraction of its curve's ends to count. */
const DIP_RATIO = 0.6;
/** Least error (degrees) claimed for the combined estimate. */
const SIGMA_FLOOR = 1.5;
/** Fewest spans with their own estimate for a combined one. */
const MIN_SPANS = 3;
