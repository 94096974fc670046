import { runTool } from './run-tool.ts';

/** The part of ffprobe's stream description the engine reads. */
export interface FfStream {
  index: number;
  codec_type: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  field_order?: string;
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_range?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number | string }[];
}

const FIELD_ORDERS: Record<string, string> = { 'top first': 'tt', 'bottom first': 'bb', 'top coded first (swapped)': 'tb', 'bottom coded first (swapped)': 'bt' };

const rate = (v: string | undefined) => {
  if (!v) return undefined;
  const n = Number(v.replace(/k$/, '')) * (v.endsWith('k') ? 1000 : 1);
  // ffmpeg prints 29.97 for 30000/1001: keep it exact.
  for (const base of [24, 30, 60, 120]) if (Math.abs(n - (base * 1000) / 1001) < 0.01) return `${base * 1000}/1001`;
  return Number.isFinite(n) && n > 0 ? `${Math.round(n * 1000)}/1000` : undefined;
};

/**
 * Streams as ffmpeg itself describes them (`ffmpeg -i`), for files the bundled ffprobe crashes on.
 * Parses its stream lines, e.g.
 *   Stream #0:0[0x100]: Video: mpeg2video (Main) (...), yuv420p(tv, top first), 720x576 [SAR 16:15 DAR 4:3], 25 fps, 25 tbr, 90k tbn
 */
export async function streamsViaFfmpeg(ffmpeg: string, path: string, signal?: AbortSignal): Promise<{ streams: FfStream[]; error: string | null }> {
  const r = await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-i', path], signal);
  const streams: FfStream[] = [];
  const lines = r.stderr.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*Stream #0:(\d+)[^:]*: (Video|Audio): (\w+)(.*)$/.exec(lines[i]);
    if (!m) continue;
    const rest = m[4];
    const s: FfStream = { index: Number(m[1]), codec_type: m[2].toLowerCase(), codec_name: m[3] };
    if (s.codec_type === 'video') {
      const fmt = /, (\w+)(?:\(([^)]*)\))?, (\d+)x(\d+)/.exec(rest);
      if (fmt) {
        s.pix_fmt = fmt[1];
        s.width = Number(fmt[3]);
        s.height = Number(fmt[4]);
        const attrs = (fmt[2] ?? '').split(',').map((a) => a.trim());
        s.field_order = attrs.map((a) => FIELD_ORDERS[a]).find(Boolean) ?? (attrs.includes('progressive') ? 'progressive' : undefined);
        if (attrs.includes('tv') || attrs.includes('pc')) s.color_range = attrs.includes('pc') ? 'pc' : 'tv';
      }
      s.avg_frame_rate = rate(/, ([\d.]+k?) fps/.exec(rest)?.[1]);
      s.r_frame_rate = rate(/, ([\d.]+k?) tbr/.exec(rest)?.[1]);
      // Side data follows on the next lines ("displaymatrix: rotation of -90.00 degrees").
      for (let j = i + 1; j < lines.length && !/^\s*Stream #/.test(lines[j]); j++) {
        const rot = /rotation of (-?[\d.]+) degrees/.exec(lines[j]);
        if (rot) s.side_data_list = [{ rotation: Number(rot[1]) }];
      }
    }
    streams.push(s);
  }
  const error = streams.length ? null : (r.stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('At least one output')).at(-1) ?? 'no output');
  return { streams, error };
}
