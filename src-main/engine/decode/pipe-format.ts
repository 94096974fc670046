import type { VideoInfo } from '../../common/types.ts';

/**
 * What crosses the pipes between ffmpeg and an export: packed RGB, or the source's own planar YUV (Y, U,
 * V planes; no colour conversion in ffmpeg, half the bytes of RGB for 4:2:0), converted in the effect
 * workers (effects/yuv.ts). YUV only where the conversion is known to be the one ffmpeg makes: 8-bit
 * 4:2:0 or 4:4:4 at the source's own size, BT.601 or BT.709; anything else (10-bit, 4:2:2, other matrices,
 * image sequences, scaled or padded exports) keeps RGB.
 */
export type YuvLayout = 'yuv420p' | 'yuv444p';
export type PipeFormat = 'rgb24' | YuvLayout;

export interface YuvColour {
  matrix: 'bt601' | 'bt709';
  /** Full range (0..255), else limited (Y 16..235, chroma 16..240). */
  full: boolean;
}

export interface PipeFormats {
  /** From the decoder. */
  decode: PipeFormat;
  /** To the encoder. */
  encode: 'rgb24' | 'yuv420p';
  /** The decoded frames' matrix and range. */
  colour: YuvColour;
  /** The encoder's YUV input: the source's matrix (the output carries its tags), limited range. */
  outColour: YuvColour;
}

export function frameBytes(format: PipeFormat, width: number, height: number): number {
  const n = width * height;
  return format === 'yuv420p' ? n + 2 * (width >> 1) * (height >> 1) : n * 3;
}

/** The ffmpeg pixel format name that puts `format` on the pipe for this source: its own (yuvj420p stays yuvj420p, no range change). */
export function ffmpegPixFmt(info: Pick<VideoInfo, 'pixelFormat'>, format: PipeFormat): string {
  return format !== 'rgb24' && info.pixelFormat === format.replace('yuv', 'yuvj') ? info.pixelFormat : format;
}

/** The matrix and range ffmpeg converts this source with (BT.709 only when tagged so); null for ones it is not safe to redo here. */
export function sourceColour(info: Pick<VideoInfo, 'pixelFormat' | 'colorSpace' | 'colorRange'>): YuvColour | null {
  const space = info.colorSpace ?? 'unknown';
  const matrix = space === 'bt709' ? 'bt709' : ['unknown', 'bt470bg', 'smpte170m', 'reserved', ''].includes(space) ? 'bt601' : null;
  if (!matrix) return null;
  return { matrix, full: info.pixelFormat.startsWith('yuvj') || info.colorRange === 'pc' || info.colorRange === 'jpeg' };
}

/**
 * The pipes' formats for exporting `info` at width x height. `yuvOut`: the encoder takes 4:2:0 (h264,
 * h265, vp9 at even sizes); `rgbNeeded`: something other than the effects reads the decoded frames as
 * RGB (point clouds, the camera path's images), so the decoder gives RGB.
 */
export function pipeFormats(info: VideoInfo, width: number, height: number, o: { yuvOut: boolean; rgbNeeded: boolean }): PipeFormats {
  const colour = sourceColour(info);
  const rgb: PipeFormats = { decode: 'rgb24', encode: 'rgb24', colour: colour ?? { matrix: 'bt601', full: false }, outColour: { matrix: 'bt601', full: false } };
  if (!colour || process.env.GEMDEPTH_RGB_PIPES === '1') return rgb;
  // ffmpeg converts range by the tags (measured: yuv420p in with '-color_range pc' out is expanded again), so
  // full range crosses a pipe only as the source's own yuvj frames, and the encoder always takes limited range.
  const fullTag = info.colorRange === 'pc' || info.colorRange === 'jpeg';
  const outColour = { matrix: colour.matrix, full: false };
  const layout = /^yuvj?420p$/.test(info.pixelFormat) ? 'yuv420p' : /^yuvj?444p$/.test(info.pixelFormat) ? 'yuv444p' : null;
  const sameSize = width === info.width && height === info.height;
  const even = width % 2 === 0 && height % 2 === 0;
  const rangeKept = !colour.full || info.pixelFormat.startsWith('yuvj');
  const decode = layout && rangeKept && sameSize && info.kind !== 'images' && !o.rgbNeeded && (layout === 'yuv444p' || even) ? layout : 'rgb24';
  return { decode, encode: o.yuvOut && even && !fullTag ? 'yuv420p' : 'rgb24', colour, outColour };
}
