import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { commitFile, tempSibling } from '../../util/atomic.ts';
import { UserError } from '../../common/errors.ts';
import { checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import { lastErrorLine, runTool } from '../decode/run-tool.ts';
import type { Rational } from '../../common/types.ts';
import type { ExportCodec } from '../../common/export-options.ts';

/** The export codecs, and FFV1 for the lossless depth pass. */
export type VideoCodec = ExportCodec | 'ffv1';

export interface EncoderOptions {
  width: number;
  height: number;
  frameRate: Rational;
  codec?: VideoCodec;
  /** Constant quality; ignored when `bitrate` is set. */
  crf?: number;
  /** e.g. '8M'. */
  bitrate?: string;
  /** x264/x265 speed preset; previews use a fast one so they do not compete with inference. */
  preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'fast' | 'medium' | 'slow';
  /** yuv420p: planar frames already in the output's colour space (the colour tags below), as the encoder stores them. */
  inputPixelFormat?: 'rgb24' | 'gray16le' | 'yuv420p';
  /** Carry this file's audio over, trimmed to the exported range; copied unchanged when the container allows. */
  audioFrom?: { path: string; startTime: number; duration: number };
  colour?: { space?: string; primaries?: string; transfer?: string; range?: string };
  signal?: AbortSignal;
  /** A user's output: checked before encoding and never replacing a file unless policy.replace. */
  policy?: OutputPolicy;
}

export interface VideoEncoder {
  readonly tempPath: string;
  /** Resolves when ffmpeg's pipe has taken the frame: the buffer may then be reused. */
  write(frame: Uint8Array): Promise<void>;
  /** Waits for ffmpeg, then renames the temporary file to the final path. */
  finish(): Promise<string>;
  /** Stops ffmpeg and removes the partial file. */
  abort(): Promise<void>;
}

function codecArgs(o: EncoderOptions): string[] {
  const codec = o.codec ?? 'h264';
  const q = (def: number) => (o.bitrate ? ['-b:v', o.bitrate] : ['-crf', String(o.crf ?? def)]);
  switch (codec) {
    case 'h264':
      return ['-c:v', 'libx264', '-preset', o.preset ?? 'medium', ...q(18), '-pix_fmt', 'yuv420p'];
    case 'h265':
      return ['-c:v', 'libx265', '-preset', o.preset ?? 'medium', ...q(22), '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1'];
    case 'vp9':
      return ['-c:v', 'libvpx-vp9', '-row-mt', '1', ...(o.bitrate ? ['-b:v', o.bitrate] : ['-crf', String(o.crf ?? 32), '-b:v', '0']), '-pix_fmt', 'yuv420p'];
    case 'prores':
      // ProRes 422 HQ; its quality is set by profile, not CRF.
      return ['-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le'];
    case 'ffv1':
      return ['-c:v', 'ffv1', '-level', '3', '-pix_fmt', o.inputPixelFormat === 'gray16le' ? 'gray16le' : 'yuv444p'];
  }
}

/** Audio codecs each container takes as-is; anything else is re-encoded rather than dropped. */
function audioArgs(outPath: string, codec: VideoCodec): string[] {
  const ext = outPath.toLowerCase().split('.').pop();
  if (ext === 'webm' || codec === 'vp9') return ['-c:a', 'libopus', '-b:a', '160k'];
  if (ext === 'mov' || ext === 'mkv' || ext === 'mp4') return ['-c:a', 'copy'];
  return ['-c:a', 'aac', '-b:a', '192k'];
}

function colourArgs(c: EncoderOptions['colour']): string[] {
  if (!c) return [];
  const out: string[] = [];
  const ok = (v?: string) => v && v !== 'unknown' && v !== 'reserved';
  if (ok(c.space)) out.push('-colorspace', c.space!);
  if (ok(c.primaries)) out.push('-color_primaries', c.primaries!);
  if (ok(c.transfer)) out.push('-color_trc', c.transfer!);
  if (ok(c.range)) out.push('-color_range', c.range!);
  return out;
}

const WRITE_ERROR = /No space left|Error writing trailer|I\/O error|av_interleaved_write_frame\(\): /i;

/** Video packets in a finished file (ffprobe demuxes it once, no decoding), or null without ffprobe; -1 if unreadable. */
async function countVideoPackets(ffprobe: string | null, path: string): Promise<number | null> {
  if (!ffprobe) return null;
  const r = await runTool(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path]);
  const n = parseInt(r.stdout.trim(), 10);
  return r.code === 0 && Number.isFinite(n) ? n : -1;
}

/** The binaries an encoder runs (decode/ffmpeg-path.ts: resolveFfmpeg). */
export interface EncoderTools {
  ffmpeg: string;
  /** null: a finished file's frames are not counted. */
  ffprobe: string | null;
}

/**
 * video-encoder.ts's openVideoEncoder with the binaries given: this module reaches no package's files
 * (ffmpeg-path.ts does, at load), so a bundled worker thread can encode (the analysis's output thread
 * feeds its preview from there).
 */
export async function startVideoEncoder(tools: EncoderTools, outPath: string, o: EncoderOptions): Promise<VideoEncoder> {
  const finalPath = resolve(outPath);
  if (o.policy) await checkFileOutput(finalPath, o.policy);
  const tempPath = tempSibling(finalPath);
  const { ffmpeg } = tools;
  const codec = o.codec ?? 'h264';
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', o.inputPixelFormat ?? 'rgb24', '-s', `${o.width}x${o.height}`,
    '-framerate', `${o.frameRate.num}/${o.frameRate.den}`, '-i', 'pipe:0',
  ];
  if (o.audioFrom) {
    args.push('-ss', o.audioFrom.startTime.toFixed(6), '-t', o.audioFrom.duration.toFixed(6), '-i', o.audioFrom.path);
    args.push('-map', '0:v:0', '-map', '1:a?');
    args.push(...audioArgs(finalPath, codec));
  } else {
    args.push('-map', '0:v:0');
  }
  args.push(...codecArgs(o), ...colourArgs(o.colour));
  if (/\.(mp4|mov)$/i.test(finalPath)) args.push('-movflags', '+faststart');
  args.push(tempPath);

  const proc = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 20000) stderr += d.toString();
  });
  let failure: Error | null = null;
  proc.on('error', (e) => (failure = e));
  proc.stdin.on('error', (e) => (failure ??= e));
  // 'close' fires once; a process killed by a signal keeps exitCode null, so track it ourselves.
  let closed = false;
  const exited = new Promise<number | null>((res) =>
    proc.on('close', (code) => {
      closed = true;
      res(code);
    }),
  );
  const onAbort = () => proc.kill('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });

  let written = 0;
  const explain = (code: number | null): UserError => {
    const line = lastErrorLine(stderr);
    if (/No space left/i.test(stderr)) return new UserError(`disk full while writing ${finalPath}: free space and retry`, 'ENOSPC');
    if (code === null) return new UserError(`the encoder was killed while writing ${finalPath}; nothing was written`, 'EENCODER');
    return new UserError(`encoding ${finalPath} failed: ${line}`, 'EENCODER');
  };
  const cleanup = async () => {
    o.signal?.removeEventListener('abort', onAbort);
    await rm(tempPath, { force: true });
  };

  return {
    tempPath,
    async write(frame) {
      if (failure || closed || proc.exitCode !== null || proc.signalCode !== null) {
        await exited;
        await cleanup();
        throw explain(proc.exitCode);
      }
      written++;
      // Resolves once the frame has gone into the pipe, so the caller may recycle the buffer (and a
      // fast producer waits for ffmpeg); a failed write shows at the next write or at finish.
      await new Promise<void>((res) => {
        const done = () => {
          proc.off('close', done);
          res();
        };
        proc.on('close', done);
        proc.stdin.write(frame, done);
      });
    },
    async finish() {
      proc.stdin.end();
      const code = await exited;
      // Some ffmpeg builds exit 0 when writing the trailer fails (measured: a full disk left a file with
      // no moov atom, "done"): a write error in its log fails the job like a non-zero exit.
      if (code !== 0 || failure || WRITE_ERROR.test(stderr)) {
        await cleanup();
        throw explain(code === 0 ? 1 : code);
      }
      // And the file must hold every frame sent: nothing truncated is ever renamed into place.
      const found = await countVideoPackets(tools.ffprobe, tempPath);
      if (found !== null && found !== written) {
        await cleanup();
        throw new UserError(`encoding ${finalPath} failed: the file holds ${found} of ${written} frames (disk full or an encoder fault); nothing was written`, 'EENCODER');
      }
      o.signal?.removeEventListener('abort', onAbort);
      await commitFile(tempPath, finalPath, o.policy ? !!o.policy.replace : true);
      return finalPath;
    },
    async abort() {
      proc.kill('SIGKILL');
      await exited;
      await cleanup();
    },
  };
}
