import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';
import { startVideoEncoder, type EncoderOptions, type VideoEncoder } from './encoder-process.ts';

export type { EncoderOptions, EncoderTools, VideoCodec, VideoEncoder } from './encoder-process.ts';

/**
 * Raw frames in, a finished file out. Writes go to a hidden temporary sibling and respect ffmpeg's
 * pipe backpressure; the final name appears only after ffmpeg exits cleanly.
 */
export function openVideoEncoder(outPath: string, o: EncoderOptions): Promise<VideoEncoder> {
  return startVideoEncoder(resolveFfmpeg(), outPath, o);
}
