import { spawn } from 'node:child_process';
import { UserError } from '../../common/errors.ts';
import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';
import { lastErrorLine, runTool } from '../decode/run-tool.ts';
import type { VideoInfo } from '../../common/types.ts';

export const PEAKS_PER_SECOND = 50;
// Full rate: resampling lowers peaks (measured: -25.6 dBFS at 16 kHz where ffmpeg's volumedetect reads -21.7).
const RATE = 48000;

/**
 * The timeline's audio waveform: the peak level (0..1) of each 1/50 s of the clip's first audio track,
 * over both channels. Decoded by ffmpeg at a low rate and reduced as it streams, so memory is the peaks only.
 * Times are from the first video frame, like the clip's timestamps; null when the clip has no audio.
 */
export async function audioPeaks(info: VideoInfo, signal?: AbortSignal): Promise<{ peaksPerSecond: number; peaks: Float32Array } | null> {
  if (!info.hasAudio) return null;
  const { ffmpeg, ffprobe } = resolveFfmpeg();
  // Every channel as it is: a downmix halves a sound on one side, an upmix lowers a mono one by 3 dB.
  const probed = ffprobe ? await runTool(ffprobe, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', info.path], signal) : null;
  const channels = Math.max(1, parseInt(probed?.stdout.trim() ?? '', 10) || 2);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', info.path, '-map', '0:a:0', '-vn', '-ac', String(channels), '-ar', String(RATE), '-f', 's16le', 'pipe:1'];
  const proc = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 10000) stderr += d.toString();
  });
  const per = (RATE / PEAKS_PER_SECOND) * channels;
  const peaks: number[] = [];
  let peak = 0;
  let n = 0;
  let carry: Buffer | null = null;
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const whole = buf.length & ~1;
    for (let i = 0; i < whole; i += 2) {
      const v = Math.abs(buf.readInt16LE(i));
      if (v > peak) peak = v;
      if (++n === per) {
        peaks.push(peak / 32768);
        peak = 0;
        n = 0;
      }
    }
    carry = whole < buf.length ? buf.subarray(whole) : null;
  }
  if (n) peaks.push(peak / 32768);
  const code = await new Promise<number | null>((res) => (proc.exitCode !== null ? res(proc.exitCode) : proc.on('close', res)));
  if (code !== 0) throw new UserError(`reading the audio of ${info.path} failed: ${lastErrorLine(stderr)}`, 'ECORRUPT');
  return { peaksPerSecond: PEAKS_PER_SECOND, peaks: Float32Array.from(peaks) };
}
