import { z } from 'zod';

/**
 * What an export is encoded with, written once: the API's export requests, the CLI's render flags,
 * the engine's render job and the encoder all take these fields and types from here.
 */
export const EXPORT_CODECS = ['h264', 'h265', 'prores', 'vp9'] as const;
export const ExportCodec = z.enum(EXPORT_CODECS);
export type ExportCodec = z.infer<typeof ExportCodec>;
export const DEFAULT_EXPORT_CODEC: ExportCodec = 'h264';

/** A target bitrate as ffmpeg takes it: 8M, 4500k, 2000000. */
export const BITRATE_PATTERN = /^\d+(\.\d+)?[kKmM]?$/;

const frame = z.number().int().min(0).max(100_000_000);

export const EncodeOptions = z.object({
  /** Inclusive source frame range. */
  start: frame.optional(),
  end: frame.optional(),
  /** Output size; one side keeps the aspect ratio. Default: the source's. */
  width: z.number().int().min(16).max(16384).optional(),
  height: z.number().int().min(16).max(16384).optional(),
  codec: ExportCodec.optional(),
  /** Constant quality (lower is better); ignored when `bitrate` is set. */
  crf: z.number().int().min(0).max(63).optional(),
  bitrate: z.string().regex(BITRATE_PATTERN, 'bitrate like 8M or 4500k').optional(),
});
export type EncodeOptions = z.infer<typeof EncodeOptions>;
