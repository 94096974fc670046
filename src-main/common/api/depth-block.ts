import { dequantize, quantizeExact, type Quantized } from '../quantize.ts';
import type { DepthImage } from './types.ts';

/**
 * A depth map as a block of them travels to the viewer (getDepthRange, playback's prefetch): the cache's
 * own uint16 form (`q`) where it gives the map bit for bit, so a second of play moves half the bytes
 * through IPC; `data` otherwise. fromBlockImage gives the DepthImage getDepth would.
 */
export type DepthBlockImage = Omit<DepthImage, 'data'> & ({ data: Float32Array; q?: undefined } | { q: Quantized; data?: undefined });

export function toBlockImage(d: DepthImage): DepthBlockImage {
  const q = quantizeExact(d.data);
  const { data, ...rest } = d;
  return q ? { ...rest, q } : { ...rest, data };
}

export function fromBlockImage(d: DepthBlockImage): DepthImage {
  const { q, data, ...rest } = d;
  return { ...rest, data: q ? dequantize(q) : data! };
}
