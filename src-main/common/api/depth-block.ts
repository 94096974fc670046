import { dequantize, type Quantized } from '../quantize.ts';
import type { DepthImage } from './types.ts';

/**
 * A depth map as the viewer's depth memory holds it and a block of them travels to the viewer
 * (getDepthRange, playback's prefetch): the cache's own uint16 form (`q`, which dequantises to the map
 * bit for bit), so a second of play moves half the bytes through IPC; `data` where there is no stored
 * form. fromBlockImage gives the DepthImage getDepth does.
 */
export type DepthBlockImage = Omit<DepthImage, 'data'> & ({ data: Float32Array; q?: undefined } | { q: Quantized; data?: undefined });

export function fromBlockImage(d: DepthBlockImage): DepthImage {
  const { q, data, ...rest } = d;
  return { ...rest, data: q ? dequantize(q) : data! };
}
