/**
 * Depth stored as uint16 with a per-frame offset and scale: half the bytes of float32, and a step of
 * (max-min)/65535, far finer than any depth network's accuracy.
 */
export interface Quantized {
  offset: number;
  scale: number;
  data: Uint16Array;
}

/** `into`: a Uint16Array of src's length to hold the data (a written chunk's, recycled) instead of a new one. */
export function quantize(src: Float32Array, into?: Uint16Array): Quantized {
  const { offset, scale } = quantizeStep(src);
  const data = into !== undefined && into.length === src.length ? into : new Uint16Array(src.length);
  quantizeInto(src, offset, 1 / scale, data);
  return { offset, scale, data };
}

/**
 * quantize, and the values the cache will give back (as dequantize computes them) written over `src` in
 * the same pass: the analysis's main thread does this for every frame.
 */
export function quantizeRoundTrip(src: Float32Array, into?: Uint16Array): Quantized {
  const { offset, scale } = quantizeStep(src);
  const data = into !== undefined && into.length === src.length ? into : new Uint16Array(src.length);
  roundTripInto(src, offset, scale, 1 / scale, data);
  return { offset, scale, data };
}

export function dequantize(q: Quantized): Float32Array {
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) out[i] = q.offset + q.data[i] * q.scale;
  return out;
}

// The loops are functions of their own: V8 compiles a loop that runs long on its first call before the
// code after it has run, and a loop sharing its function with another was compiled, thrown away on
// reaching the other and compiled again, several times a run.

/** Offset and step of src's range. */
function quantizeStep(src: Float32Array): { offset: number; scale: number } {
  return quantizeStepOf(minMax(src), maxSeen);
}

/** Offset and step of the range lo..hi (a map's minimum and maximum, found by whoever wrote it). */
export function quantizeStepOf(lo: number, hi: number): { offset: number; scale: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error('depth map holds non-finite values');
  }
  // Math.fround: offset and scale are stored as float32, so dequantising uses exactly what is stored.
  return { offset: Math.fround(lo), scale: Math.fround(hi > lo ? (hi - lo) / 65535 : 1) };
}

/** minMax's second result (the maximum): a variable, not an array, so that nothing after its loop needs type feedback. */
let maxSeen = -Infinity;
/** src's minimum; its maximum left in maxSeen (read it with maxOfLastMinMax). */
export function minMax(src: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  maxSeen = hi;
  return lo;
}

export const maxOfLastMinMax = (): number => maxSeen;

// Values are >= offset, so truncating x + 0.5 rounds.
function quantizeInto(src: Float32Array, offset: number, inv: number, data: Uint16Array): void {
  for (let i = 0; i < src.length; i++) {
    const q = ((src[i] - offset) * inv + 0.5) | 0;
    data[i] = q < 0 ? 0 : q > 65535 ? 65535 : q;
  }
}

function roundTripInto(src: Float32Array, offset: number, scale: number, inv: number, data: Uint16Array): void {
  for (let i = 0; i < src.length; i++) {
    let q = ((src[i] - offset) * inv + 0.5) | 0;
    q = q < 0 ? 0 : q > 65535 ? 65535 : q;
    data[i] = q;
    src[i] = offset + q * scale;
  }
}
