import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectSpec, LowDistance } from './types.ts';

/**
 * Synthetic depth of field as a layered scatter-as-gather (Jimenez 2014; the look of Nuke ZDefocus and
 * Blender Defocus). Circle of confusion in pixels: coc(s) = min(maxBlur, aperture * max(0, |s - focus| - focusRange)) / 100 * height.
 * Distances within focusRange of the focus are in focus (coc 0); the aperture counts from the range's ends.
 * Each pixel p gathers a bokeh-shaped pattern scaled by its search radius R (the largest coc near p, from
 * searchRadii at the analysis resolution), of one to four samples per pixel of the disk (refocusSamples), and
 * sorts what it sees into two layers, back to front:
 * - background (samples not in front of p): a sample covers p when its blur disk reaches it, but never
 *   wider than p's own blur plus `threshold`: a blurred background does not bleed onto a sharper
 *   midground or foreground, and a sharp pixel keeps its edge (no halo);
 * - foreground (samples in front of p): a sample spreads its colour over its whole blur disk, with
 *   weight 1 / coc^2 (its light shared over that area); the summed coverage is the foreground's opacity
 *   over p, so a blurred foreground spills over an in-focus background.
 * Bright samples weigh more (highlight gain above a luma threshold), so highlights bloom into bokeh of the
 * pattern's shape (blades, rotation). Regrain: the blur also wipes off the source's grain, so a noisy
 * sky turns plastic; `grain` times the source's grain (grain.ts, noise band only: never an edge or texture
 * of the blurred objects) is added back in the share the gather removed (1 - the pixel's own weight in
 * its result), as compositors regrain a defocus. The same pattern and radii go to the GLSL as uniforms/textures.
 * Export's per-pixel work runs in WebAssembly (engine/effects/wasm/refocus.as.ts), the tables are built here.
 */
export const refocusParams: ParamSpec[] = [
  { name: 'autoFocus', type: 'bool', label: 'Focus on the subject', default: true, description: 'focus on the nearest large region near the centre (ignores Focus distance)', offWhenSet: ['focus'] },
  { name: 'focus', type: 'number', label: 'Focus distance', default: 0.2, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'focusRange', type: 'number', label: 'In-focus range', default: 0.03, min: 0, max: 0.5, step: 0.005, unit: 'distance 0..1', description: 'distances this close to the focus stay sharp (the depth of field of Nuke ZDefocus), so the whole subject is crisp despite small depth errors' },
  { name: 'aperture', type: 'number', label: 'Aperture', default: 8, min: 0, max: 100, step: 0.1, unit: '% of height per distance' },
  { name: 'maxBlur', type: 'number', label: 'Max blur', default: 1.5, min: 0, max: 5, step: 0.05, unit: '% of height' },
  { name: 'blades', type: 'number', label: 'Aperture blades', default: 0, min: 0, max: 12, step: 1, unit: '0 = round, else 3..12' },
  { name: 'rotation', type: 'number', label: 'Blade rotation', default: 0, min: 0, max: 360, step: 1, unit: 'degrees' },
  { name: 'highlightGain', type: 'number', label: 'Highlight gain', default: 2, min: 0, max: 20, step: 0.1, description: 'extra weight of bright points, so they bloom into bokeh' },
  { name: 'highlightThreshold', type: 'number', label: 'Highlight threshold', default: 0.8, min: 0, max: 1, step: 0.01, unit: 'luma 0..1' },
  { name: 'grain', type: 'number', label: 'Regrain', default: 1, min: 0, max: 2, step: 0.05, description: 'puts the source\'s fine grain back where the blur removed it (1 = as much as the source has, 0 = none)' },
  { name: 'threshold', type: 'number', label: 'Background bleed threshold', default: 0.1, min: 0, max: 5, step: 0.01, unit: '% of height', description: 'how much wider than a pixel\'s own blur the background may spread over it' },
];

export const REFOCUS_SAMPLES = 48;
/**
 * The pattern sizes a gather takes, smallest first, and the largest disk (area in px^2) each serves: one to
 * four samples per pixel of the disk (12 up to 6 px^2), so a small disk is not sampled 48 times over a few
 * pixels (what most gathers are: in-focus pixels near a blur, and the coarse levels of export's pyramid).
 * Fewer per pixel leave the nearest-pixel samples lumpy (12 samples over 7 px^2 kept stripes visibly less
 * blurred than 48 on cityCC0).
 */
export const REFOCUS_SAMPLE_COUNTS = [12, 24, REFOCUS_SAMPLES] as const;
export const REFOCUS_SAMPLE_AREAS = [6, 24, Infinity] as const;

/** Samples of the gather of radius R (px of the image gathered): wasm/refocus.as.ts samplesFor, refocus.glsl. */
export function refocusSamples(R: number): number {
  const area = Math.PI * R * R;
  return REFOCUS_SAMPLE_COUNTS[REFOCUS_SAMPLE_AREAS.findIndex((a) => area <= a)];
}
/** Below this radius (px) a pixel is left untouched: the gather would only resample itself. */
export const REFOCUS_MIN_COC = 0.5;
/** Samples nearer than p by more than this distance (0..1) belong to the foreground layer. */
export const FOREGROUND_EPS = 0.01;

/**
 * Vogel (golden-angle) disk mapped onto the aperture: x, y, and the sample's radius in the aperture's own
 * norm (0 centre, 1 rim), for blades = 0 (round) or a regular polygon of `blades` sides rotated by `rotation`.
 */
export function bokehPattern(blades: number, rotationDeg: number, samples: number = REFOCUS_SAMPLES): Float32Array {
  const a = new Float32Array(samples * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  const n = Math.round(blades);
  const rot = (rotationDeg * Math.PI) / 180;
  const sector = (2 * Math.PI) / Math.max(3, n);
  for (let i = 0; i < samples; i++) {
    const r = Math.sqrt((i + 0.5) / samples);
    const th = i * golden;
    // Distance from the centre to the polygon's edge along th (1 at the vertices).
    let edge = 1;
    if (n >= 3) {
      const rel = (((th - rot) % sector) + sector) % sector;
      edge = Math.cos(sector / 2) / Math.cos(rel - sector / 2);
    }
    a[i * 3] = r * edge * Math.cos(th);
    a[i * 3 + 1] = r * edge * Math.sin(th);
    a[i * 3 + 2] = r;
  }
  return a;
}

/** bokehPattern of each of REFOCUS_SAMPLE_COUNTS, one after the other (the shader's u_pattern). */
export function bokehPatterns(blades: number, rotationDeg: number): Float32Array {
  const all = REFOCUS_SAMPLE_COUNTS.map((n) => bokehPattern(blades, rotationDeg, n));
  const out = new Float32Array(all.reduce((t, a) => t + a.length, 0));
  all.reduce((at, a) => (out.set(a, at), at + a.length), 0);
  return out;
}

/** The focus distance in use: the subject's (subject.ts) or the parameter. */
export function focusOf(p: ResolvedParams, low: LowDistance): number {
  return p.autoFocus ? subjectDistance(low.dist, low.width, low.height) : (p.focus as number);
}

export function cocPixels(s: number, focus: number, p: ResolvedParams, height: number): number {
  return (Math.min(p.maxBlur as number, (p.aperture as number) * Math.max(0, Math.abs(s - focus) - (p.focusRange as number))) / 100) * height;
}

/**
 * Per low-res sample: the largest coc (px at output height H) within the largest blur's reach, i.e. how far
 * p must look to find every blur disk that may cover it.
 */
export function searchRadii(low: LowDistance, focus: number, p: ResolvedParams, W: number, H: number): Float32Array {
  const { dist, width: lw, height: lh } = low;
  const c = new Float32Array(lw * lh);
  for (let k = 0; k < c.length; k++) c[k] = cocPixels(dist[k], focus, p, H);
  const reach = Math.ceil(((p.maxBlur as number) / 100) * H * Math.max(lw / W, lh / H)) + 1;
  const tmp = new Float32Array(lw * lh);
  const out = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++) windowMax(c, tmp, j * lw, 1, lw, reach);
  for (let i = 0; i < lw; i++) windowMax(tmp, out, i, lw, lh, reach);
  return out;
}

/** windowMax's queue of indices, kept for the next line. */
let queue = new Int32Array(0);

/**
 * dst[k] = max(0, src over the window k - reach .. k + reach clamped to the line) along the line of n
 * values `stride` apart from `start`: the largest-first queue of candidates (each value enters and leaves
 * once), so the cost does not grow with the reach. A NaN (a map with holes) makes the window's max NaN, as
 * Math.max does; such a line is taken window by window.
 */
function windowMax(src: Float32Array, dst: Float32Array, start: number, stride: number, n: number, reach: number): void {
  const q = queue.length < n ? (queue = new Int32Array(n)) : queue;
  let head = 0, tail = 0;
  for (let k = 0; k < n + reach; k++) {
    if (k < n) {
      const v = src[start + k * stride];
      if (v !== v) return windowMaxDirect(src, dst, start, stride, n, reach);
      while (tail > head && src[start + q[tail - 1] * stride] <= v) tail--;
      q[tail++] = k;
    }
    const at = k - reach;
    if (at < 0) continue;
    while (q[head] < at - reach) head++;
    dst[start + at * stride] = Math.max(0, src[start + q[head] * stride]);
  }
}
function windowMaxDirect(src: Float32Array, dst: Float32Array, start: number, stride: number, n: number, reach: number): void {
  for (let at = 0; at < n; at++) {
    let m = 0;
    for (let k = Math.max(0, at - reach); k <= Math.min(n - 1, at + reach); k++) m = Math.max(m, src[start + k * stride]);
    dst[start + at * stride] = m;
  }
}

export const refocusSpec: EffectSpec = {
  id: 'refocus',
  label: 'Refocus',
  description: 'synthetic depth of field: foreground spills over the background, bokeh shape and highlights; focus on the subject or a picked point',
  params: refocusParams,
};
