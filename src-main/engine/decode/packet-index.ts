import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UserError } from '../../common/errors.ts';
import { lastErrorLine } from './run-tool.ts';

/** Frames the engine indexes in one clip: 24 hours at 60 fps. A file claiming more is damaged or forged. */
export const MAX_FRAMES = 5_184_000;

export interface PacketIndex {
  times: number[];
  keyTimes: number[];
  /** Largest byte offset + size of any packet (0 when the tool gives no positions). */
  lastEnd: number;
}

export interface PacketListing {
  tool: 'ffprobe' | 'ffmpeg';
  bin: string;
  args: string[];
  /** One packet from one output line; null for lines that are not packets (headers). */
  parse(line: string): { t: number; key: boolean; end: number } | null;
}

/**
 * The video packets' timestamps, streamed from the tool line by line: only numbers are kept, at most
 * MAX_FRAMES of them, and reading stops at the first packet that lies past the end of the file, so a
 * forged index (an MP4 claiming 20 million frames) costs neither memory nor time.
 */
export function readPacketIndex(l: PacketListing, input: string, fileSize: number, signal?: AbortSignal): Promise<PacketIndex & { code: number | null; crashed: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(l.bin, l.args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const times: number[] = [];
    const keyTimes: number[] = [];
    let lastEnd = 0;
    let stderr = '';
    let refused: UserError | null = null;
    p.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 20000) stderr += d.toString();
    });
    const stop = (e: UserError) => {
      refused ??= e;
      p.kill('SIGKILL');
    };
    createInterface({ input: p.stdout }).on('line', (line) => {
      if (refused) return;
      const pk = l.parse(line);
      if (!pk) return;
      if (Number.isFinite(pk.t)) {
        times.push(pk.t);
        if (pk.key) keyTimes.push(pk.t);
      }
      lastEnd = Math.max(lastEnd, pk.end);
      if (lastEnd > fileSize) stop(new UserError(`file is truncated or corrupt: ${input} (video data ends past the end of the file)`, 'ECORRUPT'));
      else if (times.length > MAX_FRAMES) {
        stop(new UserError(`${input} claims more than ${MAX_FRAMES} frames (24 hours at 60 fps): the file is damaged or forged`, 'ECORRUPT'));
      }
    });
    p.on('error', reject);
    p.on('close', (code, sig) => {
      if (refused) return reject(refused);
      resolve({ times, keyTimes, lastEnd, code, crashed: sig && sig !== 'SIGKILL' ? sig : code !== null && code > 128 ? `exit ${code}` : null, stderr });
    });
  });
}

/** ffprobe's packet listing: pts, dts, byte position, size, flags. */
export const ffprobePackets = (ffprobe: string, path: string, stream: number): PacketListing => ({
  tool: 'ffprobe',
  bin: ffprobe,
  args: ['-v', 'error', '-select_streams', `${stream}`, '-show_entries', 'packet=pts_time,dts_time,pos,size,flags', '-of', 'csv=p=0', path],
  parse(line) {
    if (!line.trim()) return null;
    const [pts, dts, pos, size, flags] = line.split(',');
    const p = Number(pos);
    const sz = Number(size);
    return { t: Number(pts !== 'N/A' && pts !== '' ? pts : dts), key: !!flags?.startsWith('K'), end: Number.isFinite(p) && Number.isFinite(sz) ? p + sz : 0 };
  },
});

/**
 * The same through ffmpeg itself (its framecrc muxer lists each packet without decoding), for files
 * the bundled ffprobe crashes on (MPEG-TS/M2TS). Timestamps are in the stream's time base, in the
 * container's own clock (-copyts), like ffprobe's; framecrc marks non-keyframes with F=.
 */
export function ffmpegPackets(ffmpeg: string, path: string): PacketListing {
  let tb = 0;
  return {
    tool: 'ffmpeg',
    bin: ffmpeg,
    args: ['-hide_banner', '-nostdin', '-loglevel', 'error', '-copyts', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'framecrc', '-'],
    parse(line) {
      const base = /^#tb 0: (\d+)\/(\d+)/.exec(line);
      if (base) tb = Number(base[1]) / Number(base[2]);
      if (line.startsWith('#') || !tb) return null;
      const f = line.split(',').map((s) => s.trim());
      if (f.length < 5) return null;
      const flags = f.find((s) => s.startsWith('F='));
      return { t: Number(f[2]) * tb, key: !flags || (Number(flags.slice(2)) & 1) === 1, end: 0 };
    },
  };
}

export const packetError = (input: string, tool: string, r: { code: number | null; crashed: string | null; stderr: string }) =>
  new UserError(`corrupt media file: ${input} (${tool}: ${r.crashed ? `crashed (${r.crashed})` : lastErrorLine(r.stderr)})`, 'ECORRUPT');
