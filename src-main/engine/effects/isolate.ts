import { ISOLATE_SAMPLES, isolateBlurPattern, isolateSpec, isolateTarget, isolateWeight } from '../../common/effects/isolate.ts';
import type { ResolvedParams } from '../../common/effects/params.ts';
import type { EffectDef, EffectInput } from '../../common/effects/types.ts';

/** The CPU kernel of depth isolate (common/effects/isolate.ts holds its parameters and mask; glsl/isolate.glsl the preview's). */
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

export const isolateEffect: EffectDef = { ...isolateSpec, apply: applyIsolate };
