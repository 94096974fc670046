import { runTool, lastErrorLine } from '../decode/run-tool.ts';
import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';
import { UserError } from '../../common/errors.ts';

/** One piece of the cut's audio: `duration` seconds of `path` from `from`, placed at `at` seconds. */
export interface AudioPiece {
  path: string;
  from: number;
  duration: number;
  at: number;
}

const RATE = 48000;

/**
 * The audio of the cut as one AAC file: each piece trimmed from its source, silence in the gaps, the
 * whole exactly `total` seconds long. Pieces are laid end to end on one track (later pieces win where
 * two overlap), so the concat filter is enough: no mixing, no level changes.
 */
export async function renderCutAudio(pieces: AudioPiece[], total: number, out: string, signal?: AbortSignal): Promise<void> {
  const sorted = [...pieces].filter((p) => p.duration > 0).sort((a, b) => a.at - b.at);
  const inputs: string[] = [];
  const chains: string[] = [];
  const labels: string[] = [];
  const norm = `aresample=${RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;
  const silence = (d: number) => {
    const l = `s${labels.length}`;
    chains.push(`anullsrc=r=${RATE}:cl=stereo,atrim=duration=${d.toFixed(6)},aformat=sample_fmts=fltp:channel_layouts=stereo[${l}]`);
    labels.push(`[${l}]`);
  };
  let t = 0;
  for (const p of sorted) {
    const start = Math.max(p.at, t);
    const skip = start - p.at;
    const dur = Math.min(p.duration - skip, total - start);
    if (dur <= 1e-4) continue;
    if (start - t > 1e-4) silence(start - t);
    const i = inputs.length / 2;
    inputs.push('-i', p.path);
    const l = `a${labels.length}`;
    // apad then atrim: a source whose audio ends before its video still fills its piece exactly.
    chains.push(`[${i}:a:0]atrim=start=${(p.from + skip).toFixed(6)}:duration=${dur.toFixed(6)},asetpts=PTS-STARTPTS,${norm},apad,atrim=duration=${dur.toFixed(6)}[${l}]`);
    labels.push(`[${l}]`);
    t = start + dur;
  }
  if (total - t > 1e-4) silence(total - t);
  const graph = `${chains.join(';')};${labels.join('')}concat=n=${labels.length}:v=0:a=1[out]`;
  const { ffmpeg } = resolveFfmpeg();
  const r = await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', graph, '-map', '[out]', '-c:a', 'aac', '-b:a', '192k', out], signal);
  if (r.code !== 0) throw new UserError(`mixing the cut's audio failed: ${lastErrorLine(r.stderr)}`, 'EENCODER');
}
