import { kernelsFor, RANGE_LUT_CAPACITY } from './wasm-kernels.ts';

/**
 * Depth at output resolution by joint bilateral upsampling (Kopf et al. 2007): each output pixel
 * averages the 2x2 low-res samples around it (the bilinear footprint), weighted by a spatial Gaussian
 * (in low-res pixels) and by how close the guide colour at each sample is to the output pixel's own
 * colour. Depth edges thus snap to colour edges instead of the blurry edges of plain interpolation.
 * Four taps keep export fast; glsl/upsample.glsl implements exactly this (same taps, same guide
 * pixels, same quantised range weight).
 */
export const UPSAMPLE_SIGMA_SPATIAL = 1.0;
export const UPSAMPLE_SIGMA_RANGE = 10;
/**
 * Where the four depth samples agree within this, the colour weights cannot move the result by more
 * than it, so the spatial weights alone are used (most of a smooth depth map; halves the cost).
 */
export const FLAT_EPS = 1 / 256;
/** The range weight is a function of the squared colour distance quantised to steps of 4 (LUT size). */
export const RANGE_QUANT_SHIFT = 2;

let rangeLut: Float32Array | null = null;
function rangeWeights(): Float32Array {
  if (rangeLut) return rangeLut;
  const n = ((3 * 255 * 255) >> RANGE_QUANT_SHIFT) + 1;
  if (n > RANGE_LUT_CAPACITY) throw new Error('range LUT larger than its slot in wasm-kernels.ts');
  rangeLut = new Float32Array(n);
  const k = 1 / (2 * UPSAMPLE_SIGMA_RANGE * UPSAMPLE_SIGMA_RANGE);
  for (let i = 0; i < n; i++) rangeLut[i] = Math.exp(-(i << RANGE_QUANT_SHIFT) * k);
  return rangeLut;
}

/** Per output column (or row): the 2 low-res taps and their spatial weights. */
function axisTaps(outSize: number, lowSize: number) {
  const idx = new Int32Array(outSize * 2);
  const w = new Float32Array(outSize * 2);
  const k = 1 / (2 * UPSAMPLE_SIGMA_SPATIAL * UPSAMPLE_SIGMA_SPATIAL);
  const scale = lowSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const u = (o + 0.5) * scale - 0.5;
    const f = Math.floor(u);
    for (let t = 0; t < 2; t++) {
      const i = Math.min(lowSize - 1, Math.max(0, f + t));
      idx[o * 2 + t] = i;
      w[o * 2 + t] = Math.exp(-(i - u) * (i - u) * k);
    }
  }
  return { idx, w };
}

/** Full-res pixel whose colour stands for low-res sample i (nearest to its centre). */
export const guidePixel = (i: number, lowSize: number, outSize: number) => Math.min(outSize - 1, Math.floor(((i + 0.5) * outSize) / lowSize));

/** The per-size tables of one upsampling geometry (output W x H from lw x lh), kept for the next frame. */
interface Geometry {
  key: string;
  cols: ReturnType<typeof axisTaps>;
  rows: ReturnType<typeof axisTaps>;
  /** Output columns come in runs that share the same two low-res columns (about W / lw pixels each). */
  runs: Int32Array;
  /** Horizontal weights normalised per column, for the flat (bilinear) path. */
  nx0: Float32Array;
  /** Full-res pixel offset (x3) of each low-res sample's guide colour. */
  guideAt: Int32Array;
}
let geometry: Geometry | null = null;

function geometryFor(lw: number, lh: number, W: number, H: number): Geometry {
  const key = `${lw}x${lh}>${W}x${H}`;
  if (geometry?.key === key) return geometry;
  const cols = axisTaps(W, lw);
  const rows = axisTaps(H, lh);
  const runs: number[] = [];
  for (let X = 0; X < W; X++) if (X === 0 || cols.idx[X * 2] !== cols.idx[X * 2 - 2] || cols.idx[X * 2 + 1] !== cols.idx[X * 2 - 1]) runs.push(X);
  runs.push(W);
  const nx0 = new Float32Array(W);
  for (let X = 0; X < W; X++) nx0[X] = cols.w[X * 2] / (cols.w[X * 2] + cols.w[X * 2 + 1]);
  const guideAt = new Int32Array(lw * lh);
  for (let j = 0; j < lh; j++) for (let i = 0; i < lw; i++) guideAt[j * lw + i] = (guidePixel(j, lh, H) * W + guidePixel(i, lw, W)) * 3;
  return (geometry = { key, cols, rows, runs: Int32Array.from(runs), nx0, guideAt });
}

/**
 * A frame-sized plane in the kernels' memory: passed as `out`, the upsampled depth is written there in
 * place and the effects read it without a copy. Valid until a larger frame is processed on this thread.
 */
export function depthPlane(W: number, H: number, lw: number, lh: number): Float32Array {
  return kernelsFor({ w: W, h: H, low: lw * lh }).f32('dist', W * H);
}

/**
 * The loops run in WebAssembly (wasm/kernels.as.ts; the same taps and weights as the GLSL). Each output pixel
 * reads the four low-res samples of its run; where they agree within `flatEps` it is plain bilinear,
 * else each sample is weighted by the range LUT of the colour distance to the sample's guide pixel, and
 * when no sample resembles the pixel at all, the nearest sample's depth is used.
 */
export function guidedUpsample(
  low: Float32Array,
  lw: number,
  lh: number,
  guide: Uint8Array,
  W: number,
  H: number,
  /** In the units of `low`; FLAT_EPS suits distances 0..1, 0 disables the shortcut. */
  flatEps = FLAT_EPS,
  out: Float32Array = new Float32Array(W * H),
): Float32Array {
  const geo = geometryFor(lw, lh, W, H);
  const k = kernelsFor({ w: W, h: H, low: lw * lh });
  const lut = rangeWeights();
  k.fill('lut', 'range', () => k.f32('lut', lut.length).set(lut));
  k.fill('colIdx', geo.key, () => {
    k.i32('colIdx', W * 2).set(geo.cols.idx);
    k.f32('colW', W * 2).set(geo.cols.w);
    k.i32('rowIdx', H * 2).set(geo.rows.idx);
    k.f32('rowW', H * 2).set(geo.rows.w);
    k.f32('nx0', W).set(geo.nx0);
    k.i32('runs', geo.runs.length).set(geo.runs);
  });
  // Guide colour per low-res sample, gathered once per frame.
  const g = k.i32('g', lw * lh * 3);
  for (let s = 0, d = 0; s < geo.guideAt.length; s++, d += 3) {
    const p = geo.guideAt[s];
    g[d] = guide[p];
    g[d + 1] = guide[p + 1];
    g[d + 2] = guide[p + 2];
  }
  const dst = k.owns(out) ? out.byteOffset : k.at('ftmp');
  // prettier-ignore
  k.exports.upsample(
    k.input(low, 'low'), lw, k.input(guide, 'rgb'), W, H, flatEps, dst,
    k.at('colIdx'), k.at('colW'), k.at('rowIdx'), k.at('rowW'), k.at('nx0'), k.at('runs'), geo.runs.length - 1,
    k.at('g'), k.at('lut'), RANGE_QUANT_SHIFT,
  );
  if (!k.owns(out)) out.set(k.f32('ftmp', W * H));
  return out;
}
