import type { ModelManifest } from '../infer/manifest.ts';
import type { RgbFrame } from '../types.ts';
import { rgbToPlanar } from './normalize.ts';
import { resizeRgb } from './resize.ts';
import type { Size } from './size-rule.ts';

/**
 * One decoded frame (already scaled by ffmpeg to the depth resolution) into the network's planar
 * input at `offset`: resized in JS only when a fixed-size network needs a squashed picture.
 */
export function frameToTensor(frame: RgbFrame, input: Size, manifest: ModelManifest, out: Float32Array, offset: number): void {
  const rgb = resizeRgb(frame.data, frame.width, frame.height, input.width, input.height);
  rgbToPlanar(rgb, input.width, input.height, manifest.normalisation, out, offset);
}

export { modelInputSize, depthSize } from './size-rule.ts';
export type { Size } from './size-rule.ts';
