import type { ParamSpec, ResolvedParams } from './params.ts';
import { subjectDistance } from './subject.ts';
import type { EffectDef, EffectInput, LowDistance } from './types.ts';

/**
 * Depth isolate (the idea of Resolve's Depth Map): a soft mask over the normalised distance s,
 *   band(s) = 1 - smoothstep(tolerance, tolerance + softness, |s - target|)
 * (1 within `tolerance` of the target, 0 beyond tolerance + softness), and a grade (saturation, exposure,
 * tint) and/or a blur applied where the mask says: outside the band (the default: the subject stays as
 * shot, the rest is toned down) or inside it. The target is the subject's distance (subject.ts) unless
 * one is given. The mask is read at frame resolution from the guided-upsampled distance, so its edges
 * follow the picture's edges; the blur gathers only from pixels of the same region (normalised
 * convolution), so the subject's colours do not smear into a blurred background.
 * The grade works on the encoded values: with a 2.2 power curve an exposure of e stops is a gain of
 * 2^(e / 2.2), exact, and saturation mixes with Rec. 709 luma; the tint is normalised to keep luma.
 */
export const isolateParams: ParamSpec[] = [
  { name: 'autoTarget', type: 'bool', label: 'Isolate the subject', default: true, description: 'target the nearest large region near the centre (ignores Target distance)', offWhenSet: ['target'] },
  { name: 'target', type: 'number', label: 'Target distance', default: 0.2, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'tolerance', type: 'number', label: 'Tolerance', default: 0.1, min: 0, max: 1, step: 0.005, unit: 'distance 0..1 either side' },
  { name: 'softness', type: 'number', label: 'Softness', default: 0.15, min: 0, max: 1, step: 0.005, unit: 'distance 0..1' },
  { name: 'region', type: 'enum', label: 'Apply to', default: 'outside', options: ['outside', 'inside'], description: 'grade and blur outside the depth band (the rest of the picture) or inside it (inverts the mask)' },
  { name: 'exposure', type: 'number', label: 'Exposure', default: -1, min: -4, max: 4, step: 0.05, unit: 'stops' },
  { name: 'saturation', type: 'number', label: 'Saturation', default: 0.45, min: 0, max: 2, step: 0.01, unit: '1 = unchanged' },
  { name: 'tint', type: 'color', label: 'Tint colour', default: '#8fa8d0' },
  { name: 'tintAmount', type: 'number', label: 'Tint amount', default: 0.25, min: 0, max: 1, step: 0.01 },
  { name: 'blur', type: 'number', label: 'Blur', default: 0, min: 0, max: 3, step: 0.05, unit: '% of height' },
  { name: 'showMask', type: 'bool', label: 'Show mask', default: false, description: 'white where the grade and blur apply' },
];

/** Samples of the blur: a Vogel (golden-angle) disk; shared with the GLSL as a uniform array. */
export const ISOLATE_SAMPLES = 32;

/** x, y on the unit disk and a Gaussian weight (sigma = half the radius) per sample. */
export function isolateBlurPattern(): Float32Array {
  const a = new Float32Array(ISOLATE_SAMPLES * 3);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < ISOLATE_SAMPLES; i++) {
    const r = Math.sqrt((i + 0.5) / ISOLATE_SAMPLES);
    a[i * 3] = r * Math.cos(i * golden);
    a[i * 3 + 1] = r * Math.sin(i * golden);
    a[i * 3 + 2] = Math.exp(-2 * r * r);
  }
  return a;
}

/** The target distance in use: the subject's or the parameter. */
export function isolateTarget(p: ResolvedParams, low: LowDistance): number {
  return p.autoTarget ? subjectDistance(low.dist, low.width, low.height) : (p.target as number);
}

/** Weight of the grade at distance s (0 = untouched, 1 = fully graded): the band, or its complement. */
export function isolateWeight(s: number, target: number, p: ResolvedParams): number {
  const tol = p.tolerance as number, soft = p.softness as number;
  const d = Math.abs(s - target);
  let band: number;
  if (soft < 1e-6) band = d <= tol ? 1 : 0;
  else {
    const t = Math.min(1, Math.max(0, (d - tol) / soft));
    band = 1 - t * t * (3 - 2 * t);
  }
  return p.region === 'inside' ? band : 1 - band;
}

export function applyIsolate(inp: EffectInput, p: ResolvedParams, out: Uint8Array): void {
  const { width: W, height: H, rgb, dist, low } = inp;
  const n = W * H;
  const target = isolateTarget(p, low);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = isolateWeight(dist[i], target, p);
  if (p.showMask) {
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = (w[i] * 255 + 0.5) | 0;
    return;
  }
  const sat = p.saturation as number;
  const gain = Math.pow(2, (p.exposure as number) / 2.2);
  const tint = p.tint as number[];
  const tl = Math.max(1e-3, 0.2126 * tint[0] + 0.7152 * tint[1] + 0.0722 * tint[2]);
  const ta = p.tintAmount as number;
  const mul = tint.map((c) => gain * (1 + ta * (c / tl - 1)));
  const radius = ((p.blur as number) / 100) * H;
  const blur = radius >= 0.5;
  const pat = isolateBlurPattern();
  const off = new Int32Array(ISOLATE_SAMPLES * 2);
  for (let k = 0; k < ISOLATE_SAMPLES; k++) {
    off[k * 2] = Math.floor(pat[k * 3] * radius + 0.5);
    off[k * 2 + 1] = Math.floor(pat[k * 3 + 1] * radius + 0.5);
  }
  const c = [0, 0, 0];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const o = i * 3;
      const wi = w[i];
      if (wi <= 0) {
        out[o] = rgb[o];
        out[o + 1] = rgb[o + 1];
        out[o + 2] = rgb[o + 2];
        continue;
      }
      c[0] = rgb[o];
      c[1] = rgb[o + 1];
      c[2] = rgb[o + 2];
      if (blur) {
        // Normalised convolution over the graded region: each sample weighs its Gaussian times its own weight.
        let sr = 0, sg = 0, sb = 0, sw = 0;
        for (let k = 0; k < ISOLATE_SAMPLES; k++) {
          const sx = Math.min(W - 1, Math.max(0, x + off[k * 2]));
          const sy = Math.min(H - 1, Math.max(0, y + off[k * 2 + 1]));
          const j = sy * W + sx;
          const ww = pat[k * 3 + 2] * w[j];
          sr += ww * rgb[j * 3];
          sg += ww * rgb[j * 3 + 1];
          sb += ww * rgb[j * 3 + 2];
          sw += ww;
        }
        if (sw > 1e-6) {
          c[0] += wi * (sr / sw - c[0]);
          c[1] += wi * (sg / sw - c[1]);
          c[2] += wi * (sb / sw - c[2]);
        }
      }
      const l = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      for (let ch = 0; ch < 3; ch++) {
        const g = (l + sat * (c[ch] - l)) * mul[ch];
        const v = c[ch] + wi * (g - c[ch]) + 0.5;
        out[o + ch] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
      }
    }
}

export const isolateEffect: EffectDef = {
  id: 'isolate',
  label: 'Depth isolate',
  description: 'a soft depth mask (target, tolerance, softness) with a grade (exposure, saturation, tint) and blur outside or inside it',
  params: isolateParams,
  apply: applyIsolate,
};
