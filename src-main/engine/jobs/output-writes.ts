import { join } from 'node:path';
import { writePartsSync } from '../cache/write-parts.ts';
import { depthFileName, npyParts } from '../encode/npy.ts';
import { startVideoEncoder, type EncoderOptions, type EncoderTools, type VideoEncoder } from '../encode/encoder-process.ts';
import type { OutputExtras } from '../geometry/driver/frame-output.ts';
import type { OutputWriter } from '../geometry/driver/output-serve.ts';

/**
 * The analysis's per-frame files written on the geometry's output thread (output-serve.ts: OutputWriter)
 * instead of the stage's thread: each frame's .npy and the preview video's feed, into the output folder
 * being built (util/atomic.ts: withAtomicDir's temporary folder, swapped in by the job once complete).
 * The same bytes as analysis-outputs.ts's openOutputs writes there.
 */
export interface OutputWriteOptions {
  /** The folder being built. */
  dir: string;
  /** The preview video (depth_preview.mp4): its encoder's settings and binaries (decode/ffmpeg-path.ts, resolved by the caller). */
  preview: { encoder: Omit<EncoderOptions, 'signal' | 'policy'>; tools: EncoderTools } | null;
}

/** OutputExtras.writes for these options: the worker module that writes. */
export function outputWrites(options: OutputWriteOptions): NonNullable<OutputExtras['writes']> {
  return { base: import.meta.url, path: './output-writes-worker.ts', options };
}

export function createOutputWrites(): OutputWriter {
  let o: OutputWriteOptions | null = null;
  // Started with the thread's settings (ffmpeg boots meanwhile); frames go into it in order (one chain).
  let encoder: Promise<VideoEncoder> | null = null;
  let done = false;
  return {
    open(options) {
      o = options as OutputWriteOptions;
      if (!o.preview) return;
      encoder = startVideoEncoder(o.preview.tools, join(o.dir, 'depth_preview.mp4'), o.preview.encoder);
      // Its failure shows at the first frame or at finish, never as an unhandled rejection.
      encoder.catch(() => undefined);
    },
    write(out) {
      const d = out.depth;
      // Header and the depth's own bytes written as they are (no copy), blocking: the depth moves on after.
      writePartsSync(join(o!.dir, depthFileName(d.index)), npyParts(d.data, [d.height, d.width]));
      const rgb = out.preview;
      if (!encoder) return null;
      if (!rgb) throw new Error(`frame ${d.index}: no preview colours to encode`);
      return encoder.then((e) => e.write(rgb));
    },
    async finish() {
      if (encoder) await (await encoder).finish();
      done = true;
    },
    async abort() {
      if (done || !encoder) return;
      const e = await encoder.catch(() => null);
      await e?.abort();
    },
  };
}
