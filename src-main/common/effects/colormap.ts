import { inverseDepthOf, toInverseDepth } from '../depth.ts';
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

// Flat RGB triples: this runs per pixel of every preview frame. Exported for the output thread's
// WebAssembly colouring (engine/geometry/driver/output-wasm.ts), which must give the same bytes.
export const LUT = Uint8Array.from(Array.from({ length: 256 }, (_v, i) => turbo(i / 255)).flat());

/** Robust display range: percentiles, so a few outliers do not flatten the picture. */
export function depthRange(depth: Float32Array, lo = 0.02, hi = 0.98): [number, number] {
  const step = Math.max(1, Math.floor(depth.length / 4096));
  const all = new Float32Array(Math.ceil(depth.length / step));
  let k = 0;
  for (let i = 0; i < depth.length; i += step) if (Number.isFinite(depth[i])) all[k++] = depth[i];
  if (!k) return [0, 1];
  // A typed array sorts numerically without a comparator (several times faster: export reads every frame's range).
  const s = all.subarray(0, k).sort();
  const a = s[Math.floor(lo * (s.length - 1))];
  const b = s[Math.floor(hi * (s.length - 1))];
  return b > a ? [a, b] : [a, a + 1e-6];
}

/**
 * RGB preview of a depth map. Metric depth is shown as inverse depth so near detail gets the colours,
 * matching how relative-inverse outputs look; pass a fixed `range` to keep colours stable across frames,
 * and `out` (width * height * 3 bytes) to colour into a buffer the caller reuses.
 */
export function colorizeDepth(
  depth: Float32Array,
  width: number,
  height: number,
  kind: DepthKind,
  range?: [number, number],
  out?: Uint8Array,
): Uint8Array {
  const n = width * height;
  const [lo, hi] = range ?? depthRange(toInverseDepth(depth.subarray(0, n), kind));
  const scale = 255 / (hi - lo);
  const rgb = out ?? new Uint8Array(n * 3);
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    // Inverted pixel by pixel, rounded to f32 as toInverseDepth stores it: the same colours, no map-sized array a frame.
    const x = (Math.fround(inverseDepthOf(depth[i], kind)) - lo) * scale + 0.5;
    // NaN fails both tests and maps to 0, as before.
    const v = x >= 255 ? 765 : x > 0 ? (x | 0) * 3 : 0;
    rgb[o] = LUT[v];
    rgb[o + 1] = LUT[v + 1];
    rgb[o + 2] = LUT[v + 2];
  }
  return rgb;
}
