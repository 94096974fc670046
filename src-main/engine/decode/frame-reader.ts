import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UserError } from '../../common/errors.ts';
import type { RgbFrame, VideoInfo } from '../../common/types.ts';
import { resolveFfmpeg } from './ffmpeg-path.ts';
import { concatScript } from './image-sequence.ts';
import { lastErrorLine } from './run-tool.ts';
import type { BufferPool } from '../../util/buffer-pool.ts';
import { ffmpegPixFmt, frameBytes, type PipeFormat } from './pipe-format.ts';

export interface ReadOptions {
  start?: number;
  /** Inclusive. */
  end?: number;
  /** Output size; give one side to keep the aspect ratio. Default: the display size. */
  width?: number;
  height?: number;
  scaleFlags?: 'bicubic' | 'bilinear' | 'area' | 'lanczos' | 'neighbor';
  signal?: AbortSignal;
  /** Frame buffers come from here (the consumer gives them back when done); default: new ones. */
  buffers?: BufferPool;
  /** What the frames' data holds (pipe-format.ts: pipeFormats decides when YUV is safe); default rgb24. */
  pixelFormat?: PipeFormat;
}

export function outputSize(info: VideoInfo, o: { width?: number; height?: number }): { width: number; height: number } {
  if (o.width && o.height) return { width: o.width, height: o.height };
  if (o.width) return { width: o.width, height: Math.max(1, Math.round((o.width * info.height) / info.width)) };
  if (o.height) return { width: Math.max(1, Math.round((o.height * info.width) / info.height)), height: o.height };
  return { width: info.width, height: info.height };
}

export function clampRange(info: VideoInfo, start?: number, end?: number): { start: number; end: number } {
  const last = info.frameCount - 1;
  const s = start ?? 0;
  const e = end ?? last;
  if (!Number.isInteger(s) || s < 0 || s > last) {
    throw new UserError(`start frame ${s} is outside the clip (0..${last})`, 'ERANGE');
  }
  if (!Number.isInteger(e) || e < s || e > last) {
    throw new UserError(`end frame ${e} is outside ${s}..${last}`, 'ERANGE');
  }
  return { start: s, end: e };
}

/**
 * Where to seek so that decoding starts on a clean keyframe at least one GOP before `time`:
 * some demuxers (MPEG-PS) seek by byte position and may land mid-GOP, and a decoder fed a
 * non-keyframe first produces garbage; the select filter then drops the warm-up frames exactly.
 */
function seekPoint(info: VideoInfo, time: number): number {
  const keys = info.keyframeTimes ?? [];
  let k = -1;
  for (let i = 0; i < keys.length; i++) if (keys[i] <= time + 1e-6) k = i;
  const target = k >= 1 ? keys[k - 1] : k === 0 ? keys[0] : Math.max(0, time - 3);
  return Math.max(0, target - 0.05);
}

/**
 * The first frame a reader started at `index` decodes (or a later one: ffmpeg lands on a keyframe at or
 * before the seek point). A decoder already running at or past it reaches `index` with no more work.
 */
export function decodeStartFrame(info: VideoInfo, index: number): number {
  if (info.kind === 'images' || index <= 0) return Math.max(0, index);
  const seek = seekPoint(info, info.timestamps[index]);
  if (seek <= 0) return 0;
  const keys = (info.keyframeTimes ?? []).filter((k) => k <= seek + 1e-6);
  const at = keys.length ? keys[keys.length - 1] : seek;
  let f = 0;
  while (f + 1 < index && info.timestamps[f + 1] <= at + 1e-6) f++;
  return f;
}

function buildArgs(info: VideoInfo, start: number, count: number, w: number, h: number, flags: string, pixFmt: string, concatFile?: string) {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const filters: string[] = [];
  if (info.kind === 'images') {
    args.push('-f', 'concat', '-safe', '0', '-i', concatFile!);
  } else {
    const t = info.timestamps[start];
    if (start > 0) {
      const seek = seekPoint(info, t);
      // ffmpeg adds the container's start time to -ss itself: adding ours too overshot by it (1.4 s in
      // MPEG-TS, whose clock rarely starts at 0) and landed past the frame asked for.
      if (seek > 0) args.push('-ss', seek.toFixed(6));
      args.push('-noaccurate_seek');
    }
    // Keep the container's own clock so the select threshold below is exact.
    args.push('-copyts', '-i', info.path);
    // Interlaced footage: combing would read as depth edges. One frame per frame, so indices are unchanged.
    if (info.interlaced) filters.push('bwdif=mode=send_frame:deint=all');
    if (start > 0) {
      // Midway between the previous frame and this one: robust to rounding of either timestamp.
      const threshold = info.startTime + (info.timestamps[start - 1] + t) / 2;
      filters.push(`select=gte(t\\,${threshold.toFixed(6)})`);
    }
  }
  if (w !== info.width || h !== info.height) {
    if (flags === 'bilinear' && /^yuvj?420p$/.test(info.pixelFormat) && w % 2 === 0 && h % 2 === 0) {
      // Analysis input: scale in YUV, then convert to RGB at the small size. The one-step bilinear
      // scale to rgb24 takes swscale's slow path (0.65 vs 0.25 CPU-s per 280 frames of 720p here);
      // the two agree to 44 dB PSNR, far below what a depth network sees.
      filters.push(`scale=${w}:${h}:flags=bilinear`, 'format=yuv420p', 'scale=flags=fast_bilinear');
    } else {
      filters.push(`scale=${w}:${h}:flags=${flags}`);
    }
  }
  args.push('-map', '0:v:0', '-an', '-sn', '-vsync', 'passthrough');
  if (filters.length) args.push('-vf', filters.join(','));
  args.push('-frames:v', String(count), '-pix_fmt', pixFmt, '-f', 'rawvideo', 'pipe:1');
  return args;
}

/**
 * Frames start..end as RGB buffers, streamed from ffmpeg with backpressure: only a few frames are
 * ever in memory, and frame N is the same picture whether reading starts at 0 or at N.
 */
export async function* readFrames(info: VideoInfo, opts: ReadOptions = {}): AsyncGenerator<RgbFrame> {
  const { start, end } = clampRange(info, opts.start, opts.end);
  const { width, height } = outputSize(info, opts);
  const count = end - start + 1;
  const { ffmpeg } = resolveFfmpeg();
  let tmpDir: string | null = null;
  let concatFile: string | undefined;
  if (info.kind === 'images') {
    // The process id in the name lets the next start remove it if this process is killed (stale-partials.ts).
    tmpDir = await mkdtemp(join(tmpdir(), `gemdepth-seq-${process.pid}-`));
    concatFile = join(tmpDir, 'frames.ffconcat');
    await writeFile(concatFile, concatScript(info.files!.slice(start, end + 1), 1 / info.fps));
  }
  const format = opts.pixelFormat ?? 'rgb24';
  const args = buildArgs(info, start, count, width, height, opts.scaleFlags ?? 'bicubic', ffmpegPixFmt(info, format), concatFile);
  const proc = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 20000) stderr += d.toString();
  });
  const exited = new Promise<number | null>((res) => proc.on('close', (code) => res(code)));
  const spawnError = new Promise<never>((_res, rej) => proc.on('error', rej));
  spawnError.catch(() => {});
  const onAbort = () => proc.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const bytes = frameBytes(format, width, height);
  const newBuffer = () => opts.buffers?.take() ?? new Uint8Array(bytes);
  let buf = newBuffer();
  let filled = 0;
  let index = start;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(bytes - filled, chunk.length - off);
        buf.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === bytes) {
          if (opts.signal?.aborted) throw new CancelledError();
          const frame: RgbFrame = { index, time: info.timestamps[index], width, height, data: buf };
          index++;
          buf = newBuffer();
          filled = 0;
          yield frame;
          if (index > end) return;
        }
      }
    }
    const code = await Promise.race([exited, spawnError]);
    if (opts.signal?.aborted) throw new CancelledError();
    if (index <= end) {
      const why = code !== 0 ? lastErrorLine(stderr) : 'the file ends early';
      throw new UserError(
        `decoding ${info.path} failed at frame ${index} of ${info.frameCount} (${why}): the file is truncated or corrupt`,
        'ECORRUPT',
      );
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (proc.exitCode === null) proc.kill('SIGKILL');
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  }
}

export async function readFrame(
  info: VideoInfo,
  index: number,
  opts: Omit<ReadOptions, 'start' | 'end'> = {},
): Promise<RgbFrame> {
  for await (const f of readFrames(info, { ...opts, start: index, end: index })) return f;
  throw new UserError(`could not read frame ${index} of ${info.path}`, 'ECORRUPT');
}
