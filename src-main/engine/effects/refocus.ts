import type { ParamSpec, ResolvedParams } from './params.ts';
import type { EffectDef, EffectInput } from './types.ts';

/**
 * Synthetic depth of field as an occlusion-aware gather (scatter-as-gather, as in Jimenez 2014).
 * Circle of confusion in pixels: coc(s) = min(maxBlur, aperture * |s - focus|) / 100 * height,
 * so the look does not change with output resolution. Each pixel p gathers a fixed Vogel-disk pattern
 * scaled by its own coc; a sample q counts with coverage clamp(c - r + 0.5, 0, 1), r its distance, where
 * c = coc(q) if q is in front of p, else min(coc(q), coc(p)). Hence a sharp foreground never smears
 * onto the blurred background (its coc ~ 0 covers nothing) and the blurred background never spills
 * over a sharp foreground edge (a sharp pixel gathers within radius ~0). The same pattern is passed
 * to the GLSL as a uniform array, so both sides sample exactly the same texels.
 */
export const refocusParams: ParamSpec[] = [
  { name: 'focus', type: 'number', label: 'Focus distance', default: 0.2, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'aperture', type: 'number', label: 'Aperture', default: 8, min: 0, max: 100, step: 0.1, unit: '% of height per distance' },
  { name: 'maxBlur', type: 'number', label: 'Max blur', default: 1.5, min: 0, max: 5, step: 0.05, unit: '% of height' },
];

export const REFOCUS_SAMPLES = 48;
/**
 * Coverage of a sample at distance r by a disk of radius c is clamp(c - r + bias, 0, 1). A bias of 0.5
 * (not the usual 1) means a sharp pixel (c = 0) covers no neighbour at all (every neighbour lies at
 * r >= 0.5 with nearest-texel sampling), so sharp edges leak nothing into the blur around them.
 */
export const COVERAGE_BIAS = 0.5;
/** Below this radius (px) a pixel is left untouched: the gather would only resample itself. */
export const REFOCUS_MIN_COC = 0.5;

/** Vogel (golden-angle) disk: x, y, radius, for a unit circle. */
export const REFOCUS_PATTERN: Float32Array = (() => {
  const a = new Float32Array(REFOCUS_SAMPLES * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < REFOCUS_SAMPLES; i++) {
    const r = Math.sqrt((i + 0.5) / REFOCUS_SAMPLES);
    a[i * 3] = r * Math.cos(i * golden);
    a[i * 3 + 1] = r * Math.sin(i * golden);
    a[i * 3 + 2] = r;
  }
  return a;
})();

export function cocPixels(s: number, p: ResolvedParams, height: number): number {
  return (Math.min(p.maxBlur as number, (p.aperture as number) * Math.abs(s - (p.focus as number))) / 100) * height;
}

export function applyRefocus(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist } = inp;
  const n = W * H;
  const scale = H / 100;
  const focus = p.focus as number;
  const ap = p.aperture as number;
  const mb = p.maxBlur as number;
  // Per pixel: coc and distance side by side, and the colour packed in one word, so each of the
  // 48 samples touches two cache lines instead of five (this loop is the whole cost of refocus).
  const cd = new Float32Array(n * 2);
  const packed = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    cd[i * 2] = Math.min(mb, ap * Math.abs(dist[i] - focus)) * scale;
    cd[i * 2 + 1] = dist[i];
    packed[i] = rgb[i * 3] | (rgb[i * 3 + 1] << 8) | (rgb[i * 3 + 2] << 16);
  }
  const px = new Float32Array(REFOCUS_SAMPLES), py = new Float32Array(REFOCUS_SAMPLES), pr = new Float32Array(REFOCUS_SAMPLES);
  for (let k = 0; k < REFOCUS_SAMPLES; k++) {
    px[k] = REFOCUS_PATTERN[k * 3];
    py[k] = REFOCUS_PATTERN[k * 3 + 1];
    pr[k] = REFOCUS_PATTERN[k * 3 + 2];
  }
  const W1 = W - 1, H1 = H - 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const o = i * 3;
      const c = cd[i * 2];
      if (c < REFOCUS_MIN_COC) {
        out[o] = rgb[o];
        out[o + 1] = rgb[o + 1];
        out[o + 2] = rgb[o + 2];
        continue;
      }
      const sp = cd[i * 2 + 1];
      let wr = rgb[o], wg = rgb[o + 1], wb = rgb[o + 2];
      let ws = 1;
      const fx = x + 0.5, fy = y + 0.5;
      for (let k = 0; k < REFOCUS_SAMPLES; k++) {
        // Truncation equals floor here: negative coordinates clamp to 0 either way.
        let qx = (fx + c * px[k]) | 0;
        let qy = (fy + c * py[k]) | 0;
        qx = qx < 0 ? 0 : qx > W1 ? W1 : qx;
        qy = qy < 0 ? 0 : qy > H1 ? H1 : qy;
        const q = qy * W + qx;
        const cq = cd[q * 2];
        const ce = cd[q * 2 + 1] < sp ? cq : cq < c ? cq : c;
        let w = ce - c * pr[k] + COVERAGE_BIAS;
        if (w <= 0) continue;
        if (w > 1) w = 1;
        const v = packed[q];
        wr += w * (v & 255);
        wg += w * ((v >> 8) & 255);
        wb += w * (v >> 16);
        ws += w;
      }
      out[o] = (wr / ws + 0.5) | 0;
      out[o + 1] = (wg / ws + 0.5) | 0;
      out[o + 2] = (wb / ws + 0.5) | 0;
    }
  }
}

export const refocusEffect: EffectDef = {
  id: 'refocus',
  label: 'Refocus',
  description: 'synthetic depth of field with occlusion-aware blur; set focus by picking a pixel',
  params: refocusParams,
  apply: applyRefocus,
};
