import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../../common/errors.ts';
import type { Rational, VideoInfo } from '../../common/types.ts';
import { resolveFfmpeg } from './ffmpeg-path.ts';
import { listImageFrames } from './image-sequence.ts';
import { rationalFromFps } from '../../common/rational.ts';
import { lastErrorLine, runTool } from './run-tool.ts';
import { checkSequence } from './sequence-checks.ts';
import { checkMp4Claims, requireRegular, requireSettled } from './input-checks.ts';
import { ffmpegPackets, ffprobePackets, MAX_FRAMES, packetError, readPacketIndex } from './packet-index.ts';
import { streamsViaFfmpeg, type FfStream } from './probe-ffmpeg.ts';

export interface ProbeOptions {
  /** Frame rate for image sequences (they carry none). */
  fps?: number;
  signal?: AbortSignal;
}

export function parseRational(s: string | undefined): Rational | null {
  if (!s) return null;
  const [n, d] = s.split('/').map(Number);
  if (!Number.isFinite(n) || !Number.isFinite(d) || n <= 0 || d <= 0) return null;
  return { num: n, den: d };
}

function rotationOf(s: FfStream): number {
  const side = s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const raw = side !== undefined ? Number(side) : Number(s.tags?.rotate ?? 0);
  // Display-matrix rotation is counter-clockwise; normalise to 0/90/180/270 clockwise like `rotate` tags.
  const cw = side !== undefined ? -raw : raw;
  return (((Math.round(cw / 90) * 90) % 360) + 360) % 360;
}

/** Container signatures: a file that starts like media but does not parse is damaged, not foreign. */
async function looksLikeMedia(path: string): Promise<boolean> {
  const h = await open(path, 'r');
  try {
    const b = Buffer.alloc(12);
    await h.read(b, 0, 12, 0);
    const tag = b.toString('latin1', 4, 8);
    return (
      ['ftyp', 'moov', 'mdat', 'wide', 'free'].includes(tag) ||
      b.toString('latin1', 0, 4) === 'RIFF' ||
      b.readUInt32BE(0) === 0x1a45dfa3 || // Matroska/WebM
      b.readUInt32BE(0) === 0x000001ba || // MPEG-PS
      b[0] === 0x47 || // MPEG-TS sync byte
      b.toString('latin1', 0, 4) === 'OggS' ||
      b.toString('latin1', 0, 3) === 'FLV'
    );
  } finally {
    await h.close();
  }
}

/**
 * Everything the engine needs to index frames exactly. Frames are indexed by presentation timestamp
 * (from the packet index, which is cheap to read), so variable-frame-rate clips work.
 */
export async function probe(input: string, opts: ProbeOptions = {}): Promise<VideoInfo> {
  const path = resolve(input);
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new UserError(`input not found: ${input}`, 'ENOENT');
  }
  requireRegular(input, st);
  if (st.isDirectory()) return probeImageFolder(path, opts);
  if (st.size === 0) throw new UserError(`input is an empty file: ${input}`, 'EMEDIA');
  // An export probes its input, then opens its analysis, which probes it again: two ffprobe runs each.
  const key = `${path}|${st.size}|${st.mtimeMs}|${st.ino}`;
  const known = probed.get(key);
  if (known) return structuredClone(known);
  await checkMp4Claims(input, path, st.size);
  const info = await probeFile(input, path, st.size, opts);
  await requireSettled(path, st);
  probed.set(key, info);
  if (probed.size > 16) probed.delete(probed.keys().next().value!);
  return structuredClone(info);
}

/** Recent results by file identity (path, size, mtime, inode): a changed file is probed afresh. */
const probed = new Map<string, VideoInfo>();

async function probeFile(input: string, path: string, size: number, opts: ProbeOptions): Promise<VideoInfo> {
  const { ffprobe } = resolveFfmpeg();
  if (!ffprobe) throw new UserError('ffprobe not found: install ffmpeg with ffprobe, or set GEMDEPTH_FFPROBE');
  const meta = await runTool(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], opts.signal);
  let streams: FfStream[];
  // The bundled ffprobe crashes on every MPEG-TS/M2TS file: those are probed through ffmpeg itself.
  const probeCrashed = meta.code === null || meta.code > 128;
  if (probeCrashed) {
    const via = await streamsViaFfmpeg(resolveFfmpeg().ffmpeg, path, opts.signal);
    if (via.error) {
      throw new UserError(`not a media file ffmpeg can read: ${input} (ffprobe crashed, then ffmpeg: ${via.error.replace(`${path}: `, '')})`, 'EMEDIA');
    }
    streams = via.streams;
  } else if (meta.code !== 0) {
    const why = lastErrorLine(meta.stderr).replace(`${path}: `, '');
    if (await looksLikeMedia(path)) {
      throw new UserError(`media file is truncated or corrupt: ${input} (${why})`, 'ECORRUPT');
    }
    throw new UserError(`not a media file ffmpeg can read: ${input} (${why})`, 'EMEDIA');
  } else {
    streams = (JSON.parse(meta.stdout) as { streams?: FfStream[] }).streams ?? [];
  }
  const video = streams.find((s) => s.codec_type === 'video' && s.tags?.['mimetype'] === undefined && (s.width ?? 0) > 0);
  if (!video) throw new UserError(`no video stream in ${input}`, 'ENOVIDEO');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (Number(video.nb_frames) > MAX_FRAMES) {
    throw new UserError(`${input} claims ${video.nb_frames} frames, more than the ${MAX_FRAMES} the engine reads: the file is damaged or forged`, 'ECORRUPT');
  }

  let packets = probeCrashed ? null : await readPacketIndex(ffprobePackets(ffprobe, path, video.index), input, size, opts.signal);
  let tool = 'ffprobe';
  if (!packets || packets.crashed || packets.times.length === 0) {
    packets = await readPacketIndex(ffmpegPackets(resolveFfmpeg().ffmpeg, path), input, size, opts.signal);
    tool = 'ffmpeg';
  }
  if (packets.code !== 0) throw packetError(input, tool, packets);
  const { times, keyTimes, lastEnd } = packets;
  if (times.length === 0) throw new UserError(`no decodable video frames in ${input}`, 'ECORRUPT');
  // The packet index of a truncated file points past its end (e.g. an MP4 whose moov survived).
  if (lastEnd > size) {
    throw new UserError(`file is truncated or corrupt: ${input} (video data ends past the end of the file)`, 'ECORRUPT');
  }
  times.sort((a, b) => a - b);
  const startTime = times[0];
  const timestamps = times.map((t) => t - startTime);

  const avg = parseRational(video.avg_frame_rate);
  const real = parseRational(video.r_frame_rate);
  const deltas = timestamps.slice(1).map((t, i) => t - timestamps[i]);
  const sortedDeltas = [...deltas].sort((a, b) => a - b);
  const median = sortedDeltas.length ? sortedDeltas[sortedDeltas.length >> 1] : 0;
  const variableFrameRate =
    deltas.length > 1 && median > 0 && deltas.some((d) => Math.abs(d - median) > Math.max(0.25 * median, 0.002));
  let frameRate: Rational;
  if (!variableFrameRate && real && median > 0 && Math.abs(real.den / real.num - median) < 0.1 * median) frameRate = real;
  else if (avg && (!variableFrameRate || deltas.length === 0)) frameRate = avg;
  else if (deltas.length) frameRate = rationalFromFps(deltas.length / (timestamps.at(-1)! - timestamps[0]));
  else frameRate = avg ?? real ?? { num: 25, den: 1 };
  const fps = frameRate.num / frameRate.den;
  const frameDuration = median > 0 ? median : 1 / fps;

  const rotation = rotationOf(video);
  const swap = rotation === 90 || rotation === 270;
  const codedWidth = video.width!;
  const codedHeight = video.height!;
  return {
    path,
    kind: 'video',
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    rotation,
    frameRate,
    fps,
    frameCount: timestamps.length,
    duration: timestamps.at(-1)! + frameDuration,
    pixelFormat: video.pix_fmt ?? 'unknown',
    codec: video.codec_name ?? 'unknown',
    hasAudio: !!audio,
    audioCodec: audio?.codec_name,
    variableFrameRate,
    timestamps,
    keyframeTimes: keyTimes.sort((a, b) => a - b).map((t) => t - startTime),
    startTime,
    colorSpace: video.color_space,
    colorPrimaries: video.color_primaries,
    colorTransfer: video.color_transfer,
    colorRange: video.color_range,
    interlaced: !!video.field_order && video.field_order !== 'progressive' && video.field_order !== 'unknown',
  };
}

async function probeImageFolder(dir: string, opts: ProbeOptions): Promise<VideoInfo> {
  const files = await listImageFrames(dir);
  if (files.length === 0) throw new UserError(`no PNG or JPG frames in folder ${dir}`, 'ENOVIDEO');
  const { ffprobe } = resolveFfmpeg();
  if (!ffprobe) throw new UserError('ffprobe not found: install ffmpeg with ffprobe, or set GEMDEPTH_FFPROBE');
  const r = await runTool(
    ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_streams', files[0]],
    opts.signal,
  );
  const s = r.code === 0 ? (JSON.parse(r.stdout) as { streams?: FfStream[] }).streams?.[0] : undefined;
  if (!s?.width || !s.height) {
    throw new UserError(`not an image ffmpeg can read: ${files[0]} (${lastErrorLine(r.stderr)})`, 'EMEDIA');
  }
  await checkSequence(dir, files, s.width, s.height);
  const fps = opts.fps ?? 30;
  const frameRate = rationalFromFps(fps);
  const exactFps = frameRate.num / frameRate.den;
  return {
    path: dir,
    kind: 'images',
    width: s.width,
    height: s.height,
    codedWidth: s.width,
    codedHeight: s.height,
    rotation: 0,
    frameRate,
    fps: exactFps,
    frameCount: files.length,
    duration: files.length / exactFps,
    pixelFormat: s.pix_fmt ?? 'unknown',
    codec: s.codec_name ?? 'unknown',
    hasAudio: false,
    variableFrameRate: false,
    timestamps: files.map((_f, i) => i / exactFps),
    startTime: 0,
    files,
  };
}
