import { dequantize, quantize, quantizeRoundTrip, type Quantized } from '../../common/quantize.ts';

export { dequantize, quantize, type Quantized };

/**
 * What the cache will give back for this map, with the quantised form the cache writes (so it is not
 * computed twice): a fresh run and a resumed one then agree bit for bit.
 */
export function roundTrip(src: Float32Array): { depth: Float32Array; quantized: Quantized } {
  const quantized = quantize(src);
  return { depth: dequantize(quantized), quantized };
}

/**
 * roundTrip that writes what the cache will give back over `src` (a buffer the caller owns), the same
 * values as dequantize: the analysis makes one 0.35 MB array a frame fewer for V8 to collect.
 */
export function roundTripInPlace(src: Float32Array, into?: Uint16Array): Quantized {
  return quantizeRoundTrip(src, into);
}
