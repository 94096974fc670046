import { luma } from './guided-filter.ts';
import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectDef, EffectInput, LowDistance } from './types.ts';

/**
 * Synthetic depth of field as a layered scatter-as-gather (Jimenez 2014; the look of Nuke ZDefocus and
 * Blender Defocus). Circle of confusion in pixels: coc(s) = min(maxBlur, aperture * |s - focus|) / 100 * height.
 * Each pixel p gathers a fixed bokeh-shaped pattern scaled by its search radius R (the largest coc near p,
 * from searchRadii at the analysis resolution), and sorts what it sees into two layers, back to front:
 * - background (samples not in front of p): a sample covers p when its blur disk reaches it, but never
 *   wider than p's own blur plus `threshold`: a blurred background does not bleed onto a sharper
 *   midground or foreground, and a sharp pixel keeps its edge (no halo);
 * - foreground (samples in front of p): a sample spreads its colour over its whole blur disk, with
 *   weight 1 / coc^2 (its light shared over that area); the summed coverage is the foreground's opacity
 *   over p, so a blurred foreground spills over an in-focus background.
 * Bright samples weigh more (highlight gain above a luma threshold), so highlights bloom into bokeh of the
 * pattern's shape (blades, rotation). The same pattern and radii go to the GLSL as uniforms/textures.
 */
export const refocusParams: ParamSpec[] = [
  { name: 'autoFocus', type: 'bool', label: 'Focus on the subject', default: true, description: 'focus on the nearest large region near the centre (ignores Focus distance)' },
  { name: 'focus', type: 'number', label: 'Focus distance', default: 0.2, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'aperture', type: 'number', label: 'Aperture', default: 8, min: 0, max: 100, step: 0.1, unit: '% of height per distance' },
  { name: 'maxBlur', type: 'number', label: 'Max blur', default: 1.5, min: 0, max: 5, step: 0.05, unit: '% of height' },
  { name: 'blades', type: 'number', label: 'Aperture blades', default: 0, min: 0, max: 12, step: 1, unit: '0 = round, else 3..12' },
  { name: 'rotation', type: 'number', label: 'Blade rotation', default: 0, min: 0, max: 360, step: 1, unit: 'degrees' },
  { name: 'highlightGain', type: 'number', label: 'Highlight gain', default: 2, min: 0, max: 20, step: 0.1, description: 'extra weight of bright points, so they bloom into bokeh' },
  { name: 'highlightThreshold', type: 'number', label: 'Highlight threshold', default: 0.8, min: 0, max: 1, step: 0.01, unit: 'luma 0..1' },
  { name: 'threshold', type: 'number', label: 'Background bleed threshold', default: 0.1, min: 0, max: 5, step: 0.01, unit: '% of height', description: 'how much wider than a pixel\'s own blur the background may spread over it' },
];

export const REFOCUS_SAMPLES = 48;
/** Below this radius (px) a pixel is left untouched: the gather would only resample itself. */
export const REFOCUS_MIN_COC = 0.5;
/** Samples nearer than p by more than this distance (0..1) belong to the foreground layer. */
export const FOREGROUND_EPS = 0.01;

/**
 * Vogel (golden-angle) disk mapped onto the aperture: x, y, and the sample's radius in the aperture's own
 * norm (0 centre, 1 rim), for blades = 0 (round) or a regular polygon of `blades` sides rotated by `rotation`.
 */
export function bokehPattern(blades: number, rotationDeg: number): Float32Array {
  const a = new Float32Array(REFOCUS_SAMPLES * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  const n = Math.round(blades);
  const rot = (rotationDeg * Math.PI) / 180;
  const sector = (2 * Math.PI) / Math.max(3, n);
  for (let i = 0; i < REFOCUS_SAMPLES; i++) {
    const r = Math.sqrt((i + 0.5) / REFOCUS_SAMPLES);
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

/** The focus distance in use: the subject's (subject.ts) or the parameter. */
export function focusOf(p: ResolvedParams, low: LowDistance): number {
  return p.autoFocus ? subjectDistance(low.dist, low.width, low.height) : (p.focus as number);
}

export function cocPixels(s: number, focus: number, p: ResolvedParams, height: number): number {
  return (Math.min(p.maxBlur as number, (p.aperture as number) * Math.abs(s - focus)) / 100) * height;
}

/**
 * Per low-res sample: the largest coc (px at output height H) within the largest blur's reach, i.e. how far
 * p must look to find every blur disk that may cover it.
 */
export function searchRadii(low: LowDistance, focus: number, p: ResolvedParams, W: number, H: number): Float32Array {
  const { dist, width: lw, height: lh } = low;
  const c = Float32Array.from(dist, (s) => cocPixels(s, focus, p, H));
  const reach = Math.ceil(((p.maxBlur as number) / 100) * H * Math.max(lw / W, lh / H)) + 1;
  const tmp = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++)
    for (let i = 0; i < lw; i++) {
      let m = 0;
      for (let k = Math.max(0, i - reach); k <= Math.min(lw - 1, i + reach); k++) m = Math.max(m, c[j * lw + k]);
      tmp[j * lw + i] = m;
    }
  const out = new Float32Array(lw * lh);
  for (let j = 0; j < lh; j++)
    for (let i = 0; i < lw; i++) {
      let m = 0;
      for (let k = Math.max(0, j - reach); k <= Math.min(lh - 1, j + reach); k++) m = Math.max(m, tmp[k * lw + i]);
      out[j * lw + i] = m;
    }
  return out;
}

/** Weight of a colour in the gather: 1, plus the highlight gain above the threshold. */
export function highlightWeight(r: number, g: number, b: number, gain: number, thr: number): number {
  const l = luma(r, g, b);
  return l > thr ? 1 + (gain * (l - thr)) / Math.max(1e-3, 1 - thr) : 1;
}

export function applyRefocus(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, low } = inp;
  const focus = focusOf(p, low);
  const search = searchRadii(low, focus, p, W, H);
  const pat = bokehPattern(p.blades as number, p.rotation as number);
  const gain = p.highlightGain as number, hthr = p.highlightThreshold as number;
  const thr = ((p.threshold as number) / 100) * H;
  const n = W * H;
  const coc = new Float32Array(n);
  const hw = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    coc[i] = cocPixels(dist[i], focus, p, H);
    hw[i] = highlightWeight(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], gain, hthr);
  }
  const lowCol = new Int32Array(W), lowRow = new Int32Array(H);
  for (let x = 0; x < W; x++) lowCol[x] = Math.min(low.width - 1, Math.floor(((x + 0.5) * low.width) / W));
  for (let y = 0; y < H; y++) lowRow[y] = Math.min(low.height - 1, Math.floor(((y + 0.5) * low.height) / H)) * low.width;
  const W1 = W - 1, H1 = H - 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const o = i * 3;
      const c = coc[i];
      const R = Math.max(search[lowRow[y] + lowCol[x]], c);
      if (R < REFOCUS_MIN_COC) {
        out[o] = rgb[o];
        out[o + 1] = rgb[o + 1];
        out[o + 2] = rgb[o + 2];
        continue;
      }
      const sp = dist[i];
      const cb = c + thr;
      const w0 = hw[i];
      let br = w0 * rgb[o], bg = w0 * rgb[o + 1], bb = w0 * rgb[o + 2], bw = w0;
      let fr = 0, fg = 0, fb = 0, fw = 0, alpha = 0;
      // Each sample stands for R^2 / N of the disk's area (pi cancels against the coc's disk).
      const area = (R * R) / REFOCUS_SAMPLES;
      const fx = x + 0.5, fy = y + 0.5;
      for (let k = 0; k < REFOCUS_SAMPLES; k++) {
        let qx = Math.floor(fx + R * pat[k * 3]);
        let qy = Math.floor(fy + R * pat[k * 3 + 1]);
        qx = qx < 0 ? 0 : qx > W1 ? W1 : qx;
        qy = qy < 0 ? 0 : qy > H1 ? H1 : qy;
        const q = qy * W + qx;
        const cq = coc[q];
        const r = R * pat[k * 3 + 2];
        const qo = q * 3;
        if (dist[q] < sp - FOREGROUND_EPS) {
          // No +0.5 here: a sharp foreground (coc < 1) spreads over nothing but itself.
          let cov = cq - r;
          if (cov <= 0) continue;
          if (cov > 1) cov = 1;
          const a = (cov * area) / Math.max(cq * cq, 0.25);
          alpha += a;
          const w = a * hw[q];
          fr += w * rgb[qo];
          fg += w * rgb[qo + 1];
          fb += w * rgb[qo + 2];
          fw += w;
        } else {
          let cov = (cq < cb ? cq : cb) - r + 0.5;
          if (cov <= 0) continue;
          if (cov > 1) cov = 1;
          const w = cov * hw[q];
          br += w * rgb[qo];
          bg += w * rgb[qo + 1];
          bb += w * rgb[qo + 2];
          bw += w;
        }
      }
      const al = fw > 0 ? (alpha < 1 ? alpha : 1) : 0;
      const vr = (br / bw) * (1 - al) + (fw > 0 ? (fr / fw) * al : 0);
      const vg = (bg / bw) * (1 - al) + (fw > 0 ? (fg / fw) * al : 0);
      const vb = (bb / bw) * (1 - al) + (fw > 0 ? (fb / fw) * al : 0);
      out[o] = (vr + 0.5) | 0;
      out[o + 1] = (vg + 0.5) | 0;
      out[o + 2] = (vb + 0.5) | 0;
    }
  }
}

export const refocusEffect: EffectDef = {
  id: 'refocus',
  label: 'Refocus',
  description: 'synthetic depth of field: foreground spills over the background, bokeh shape and highlights; focus on the subject or a picked point',
  params: refocusParams,
  apply: applyRefocus,
};
