import { cellLuma, extent, guidedCoefficients, splineTaps } from '../../common/effects/guided-filter.ts';
import { kernelsFor } from './wasm-kernels.ts';

/**
 * Depth at output resolution: the fast guided filter of guided-filter.ts (low-res coefficients in
 * TypeScript, shared with the preview) and its full-resolution pass in WebAssembly (wasm/kernels.as.ts),
 * the same math as glsl/upsample.glsl.
 */

/** The B-spline tap tables of one upsampling geometry (output W x H from lw x lh), kept for the next frame. */
interface Geometry {
  key: string;
  cols: ReturnType<typeof splineTaps>;
  rows: ReturnType<typeof splineTaps>;
}
let geometry: Geometry | null = null;

function geometryFor(lw: number, lh: number, W: number, H: number): Geometry {
  const key = `${lw}x${lh}>${W}x${H}`;
  if (geometry?.key !== key) geometry = { key, cols: splineTaps(W, lw), rows: splineTaps(H, lh) };
  return geometry;
}

const capacity = (W: number, H: number, lw: number, lh: number) => ({ w: W, h: H, low: lw * lh, lh });

/**
 * A frame-sized plane in the kernels' memory: passed as `out`, the upsampled depth is written there in
 * place and the effects read it without a copy. Valid until a larger frame is processed on this thread.
 */
export function depthPlane(W: number, H: number, lw: number, lh: number): Float32Array {
  return kernelsFor(capacity(W, H, lw, lh)).f32('dist', W * H);
}

/** Low-res depth (any unit) -> output resolution, guided by the frame (RGB8, W x H). */
export function guidedUpsample(
  low: Float32Array,
  lw: number,
  lh: number,
  guide: Uint8Array,
  W: number,
  H: number,
  out: Float32Array = new Float32Array(W * H),
): Float32Array {
  const geo = geometryFor(lw, lh, W, H);
  const k = kernelsFor(capacity(W, H, lw, lh));
  k.fill('colIdx', geo.key, () => {
    k.i32('colIdx', W * 4).set(geo.cols.idx);
    k.f32('colW', W * 4).set(geo.cols.w);
    k.i32('rowIdx', H * 4).set(geo.rows.idx);
    k.f32('rowW', H * 4).set(geo.rows.w);
  });
  guidedCoefficients(low, lw, lh, cellLuma(guide, W, H, lw, lh), k.f32('coef', lw * lh * 2));
  const dst = k.owns(out) ? out.byteOffset : k.at('ftmp');
  // prettier-ignore
  k.exports.guidedApply(
    k.at('coef'), lw, lh, k.input(guide, 'rgb'), W, H, dst,
    k.at('colIdx'), k.at('colW'), k.at('rowIdx'), k.at('rowW'), k.at('tmp'), ...extent(low),
  );
  if (!k.owns(out)) out.set(k.f32('ftmp', W * H));
  return out;
}
