import type { DepthKind } from '../types.ts';

// Turbo colormap (Google, Apache-2.0) as a polynomial fit: near = warm, far = cool for both depth kinds.
function turbo(x: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, x));
  const r = 0.13572138 + t * (4.6153926 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const b = 0.1066733 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  const c = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  return [c(r), c(g), c(b)];
}

const LUT = Array.from({ length: 256 }, (_v, i) => turbo(i / 255));

/** Robust display range: percentiles, so a few outliers do not flatten the picture. */
export function depthRange(depth: Float32Array, lo = 0.02, hi = 0.98): [number, number] {
  const step = Math.max(1, Math.floor(depth.length / 4096));
  const s: number[] = [];
  for (let i = 0; i < depth.length; i += step) if (Number.isFinite(depth[i])) s.push(depth[i]);
  if (!s.length) return [0, 1];
  s.sort((a, b) => a - b);
  const a = s[Math.floor(lo * (s.length - 1))];
  const b = s[Math.floor(hi * (s.length - 1))];
  return b > a ? [a, b] : [a, a + 1e-6];
}

/**
 * RGB preview of a depth map. Metric depth is shown as inverse depth so near detail gets the colours,
 * matching how relative-inverse outputs look; pass a fixed `range` to keep colours stable across frames.
 */
export function colorizeDepth(
  depth: Float32Array,
  width: number,
  height: number,
  kind: DepthKind,
  range?: [number, number],
): Uint8Array {
  const n = width * height;
  const disp = kind === 'metric' ? new Float32Array(n) : depth;
  if (kind === 'metric') for (let i = 0; i < n; i++) disp[i] = depth[i] > 0 ? 1 / depth[i] : 0;
  const [lo, hi] = range ?? depthRange(disp);
  const scale = 255 / (hi - lo);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = Math.max(0, Math.min(255, Math.round((disp[i] - lo) * scale)));
    const c = LUT[v];
    out[i * 3] = c[0];
    out[i * 3 + 1] = c[1];
    out[i * 3 + 2] = c[2];
  }
  return out;
}
