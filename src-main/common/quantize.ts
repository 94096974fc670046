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
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error('depth map holds non-finite values');
  }
  // Math.fround: offset and scale are stored as float32, so dequantising uses exactly what is stored.
  const offset = Math.fround(lo);
  const scale = Math.fround(hi > lo ? (hi - lo) / 65535 : 1);
  const inv = 1 / scale;
  const data = into?.length === src.length ? into : new Uint16Array(src.length);
  // Values are >= offset, so truncating x + 0.5 rounds; the analysis loop runs this per frame.
  for (let i = 0; i < src.length; i++) {
    const q = ((src[i] - offset) * inv + 0.5) | 0;
    data[i] = q < 0 ? 0 : q > 65535 ? 65535 : q;
  }
  return { offset, scale, data };
}

export function dequantize(q: Quantized): Float32Array {
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) out[i] = q.offset + q.data[i] * q.scale;
  return out;
}
