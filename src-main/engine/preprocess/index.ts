import type { ModelManifest } from '../infer/manifest.ts';
import type { RgbFrame } from '../../common/types.ts';
import { rgbToPlanar } from './normalize.ts';
import type { Size } from './size-rule.ts';

/**
 * One decoded frame (already scaled by ffmpeg to the depth resolution) into the network's planar
 * input at `offset`, resized in the same pass when a fixed-size network needs a squashed picture.
 */
export function frameToTensor(frame: RgbFrame, input: Size, manifest: ModelManifest, out: Float32Array, offset: number): void {
  rgbToPlanar(frame.data, frame.width, frame.height, input.width, input.height, manifest.normalisation, out, offset);
}

export { modelInputSize, depthSize } from './size-rule.ts';
export type { Size } from './size-rule.ts';
