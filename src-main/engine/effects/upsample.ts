import { cellTables, extent, GUIDED_EPS, GUIDED_RADIUS, splineTaps } from '../../common/effects/guided-filter.ts';
import { kernelsFor, type Kernels } from './wasm-kernels.ts';

/**
 * Depth at output resolution: the fast guided filter of guided-filter.ts in WebAssembly, its low-res half
 * (wasm/low-res.as.ts guidedLow, the same steps as the TypeScript the preview runs) and its full-resolution
 * pass (wasm/kernels.as.ts guidedApply, the same math as glsl/upsample.glsl).
 */

/** The B-spline tap and cell tables of one upsampling geometry (output W x H from lw x lh), kept for the next frame. */
interface Geometry {
  key: string;
  cols: ReturnType<typeof splineTaps>;
  rows: ReturnType<typeof splineTaps>;
  cells: ReturnType<typeof cellTables>;
}
let geometry: Geometry | null = null;

function geometryFor(lw: number, lh: number, W: number, H: number): Geometry {
  const key = `${lw}x${lh}>${W}x${H}`;
  if (geometry?.key !== key) geometry = { key, cols: splineTaps(W, lw), rows: splineTaps(H, lh), cells: cellTables(W, H, lw, lh) };
  return geometry;
}

/**
 * The kernels for this geometry with its tables in place (slots colIdx, colW, rowIdx, rowW: the B-spline
 * taps, also used by relight's surface maps; colCell, rowSpan: the guided filter's cells).
 */
export function splineKernels(lw: number, lh: number, W: number, H: number): Kernels {
  const geo = geometryFor(lw, lh, W, H);
  const k = kernelsFor(capacity(W, H, lw, lh));
  k.fill('colIdx', geo.key, () => {
    k.i32('colIdx', W * 4).set(geo.cols.idx);
    k.f32('colW', W * 4).set(geo.cols.w);
    k.i32('rowIdx', H * 4).set(geo.rows.idx);
    k.f32('rowW', H * 4).set(geo.rows.w);
    k.i32('colCell', W).set(geo.cells.colCell);
    k.i32('rowSpan', lh * 2).set(geo.cells.rowSpan);
  });
  return k;
}

export const capacity = (W: number, H: number, lw: number, lh: number) => ({ w: W, h: H, low: lw * lh, lh });

/**
 * A frame-sized plane in the kernels' memory: passed as `out`, the upsampled depth is written there in
 * place and the effects read it without a copy. Valid until a larger frame is processed on this thread.
 */
export function depthPlane(W: number, H: number, lw: number, lh: number): Float32Array {
  return kernelsFor(capacity(W, H, lw, lh)).f32('dist', W * H);
}

/**
 * The kernels' source and result slots as RGB8 frames of W x H: a frame placed in `src` is read where it
 * lies (the guided filter, every effect), and an effect given `out` writes it in place, so neither is copied
 * into or out of the kernels' memory. An effect whose input is `out` must not be given another `out`
 * (effects not writing in place use the result slot as scratch). Valid as depthPlane is.
 */
export function rgbSlots(W: number, H: number, lw: number, lh: number): { src: Uint8Array; out: Uint8Array } {
  const k = kernelsFor(capacity(W, H, lw, lh));
  return { src: k.u8('rgb', W * H * 3), out: k.u8('rgbOut', W * H * 3) };
}

/**
 * guided-filter.ts guidedCoefficients(low, ..., cellLuma(guide, ...)) in WebAssembly: a view of the
 * kernels' coef slot (valid until the next call on this thread).
 */
export function guidedCoefficientsFast(low: Float32Array, lw: number, lh: number, guide: Uint8Array, W: number, H: number): Float32Array {
  const k = splineKernels(lw, lh, W, H);
  k.exports.guidedLow(k.input(guide, 'rgb'), W, k.input(low, 'lowIn'), lw, lh, k.at('colCell'), k.at('rowSpan'), k.at('cellI'), k.at('lowScratch'), GUIDED_RADIUS, GUIDED_EPS, k.at('coef'));
  return k.f32('coef', lw * lh * 2);
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
  guidedCoefficientsFast(low, lw, lh, guide, W, H);
  const k = splineKernels(lw, lh, W, H);
  // The frame was copied into the rgb slot just now (or lives in this memory).
  const rgb = k.owns(guide) ? guide.byteOffset : k.at('rgb');
  const dst = k.owns(out) ? out.byteOffset : k.at('ftmp');
  // prettier-ignore
  k.exports.guidedApply(
    k.at('coef'), lw, lh, rgb, W, H, dst,
    k.at('colIdx'), k.at('colW'), k.at('rowIdx'), k.at('rowW'), k.at('tmp'), ...extent(low),
  );
  if (!k.owns(out)) out.set(k.f32('ftmp', W * H));
  return out;
}
