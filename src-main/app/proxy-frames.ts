import type { ChildProcess } from 'node:child_process';
import { spawnBackgroundFfmpeg } from './background-ffmpeg.ts';
import { createJpegSplitter } from '../engine/decode/jpeg-stream.ts';
import type { VideoInfo } from '../common/types.ts';
import type { ProxyFrame } from '../common/api/types.ts';

/**
 * The viewer's instant pictures: every frame of a clip as a small JPEG, made by one background ffmpeg
 * pass (at low priority) the first time the viewer asks. A random jump then shows a picture at once
 * while the exact frame is decoded: long-GOP sources (cockatoo.mp4 has a keyframe every 70 frames)
 * otherwise need up to a GOP of decoding before any picture. Intra-only JPEGs are random access and
 * the browser decodes them natively. Made from import on. Memory is bounded by bytes over all clips (least recently used
 * clip dropped first); a clip whose proxy alone would pass the bound keeps its first frames only.
 */
const PROXY_WIDTH = 640;

interface Proxy {
  frames: Uint8Array[];
  bytes: number;
  width: number;
  height: number;
  proc: ChildProcess | null;
}

export function proxySize(info: { width: number; height: number }, maxWidth = PROXY_WIDTH) {
  const width = Math.max(2, Math.round(Math.min(maxWidth, info.width) / 2) * 2);
  const height = Math.max(2, Math.round((width * info.height) / info.width / 2) * 2);
  return { width, height };
}

export function createProxyFrames(opts: { maxBytes?: number; width?: number } = {}) {
  const maxBytes = opts.maxBytes ?? 96 << 20;
  const clips = new Map<string, Proxy>();
  let bytes = 0;

  const stop = (p: Proxy) => {
    p.proc?.kill('SIGKILL');
    p.proc = null;
  };
  const drop = (path: string) => {
    const p = clips.get(path);
    if (!p) return;
    stop(p);
    bytes -= p.bytes;
    clips.delete(path);
  };

  const build = (info: VideoInfo): Proxy => {
    const { width, height } = proxySize(info, opts.width);
    const p: Proxy = { frames: [], bytes: 0, width, height, proc: null };
    clips.set(info.path, p);
    const filters = [...(info.interlaced ? ['bwdif=mode=send_frame:deint=all'] : []), `scale=${width}:${height}:flags=bilinear`];
    // One frame out per decoded frame, as the frame reader counts them, so proxy frame N is frame N.
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', info.path, '-map', '0:v:0', '-an', '-sn', '-vsync', 'passthrough'];
    args.push('-vf', filters.join(','), '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1');
    const proc = spawnBackgroundFfmpeg(args, ['ignore', 'pipe', 'ignore']);
    p.proc = proc;
    let full = false;
    const splitter = createJpegSplitter((jpeg) => {
      // One chunk of output can hold several images: none is kept past the bound.
      if (full || clips.get(info.path) !== p) return;
      p.frames.push(jpeg);
      p.bytes += jpeg.byteLength;
      bytes += jpeg.byteLength;
      for (const [path] of clips) {
        if (bytes <= maxBytes || path === info.path) break;
        drop(path);
      }
      if (bytes > maxBytes) {
        full = true;
        stop(p);
      }
    });
    proc.stdout!.on('data', (d: Buffer) => {
      try {
        splitter.push(d);
      } catch {
        stop(p);
      }
    });
    proc.on('error', () => (p.proc = null));
    proc.on('close', () => {
      if (p.proc === proc) p.proc = null;
    });
    return p;
  };

  return {
    /** Frame `index` of the clip's proxy, or null while it is not made yet (the first call starts making it). */
    get(info: VideoInfo, index: number): ProxyFrame | null {
      if (info.kind === 'images') return null;
      let p = clips.get(info.path);
      if (p) {
        // Most recently used last.
        clips.delete(info.path);
        clips.set(info.path, p);
      } else p = build(info);
      const jpeg = p.frames[index];
      return jpeg ? { index, time: info.timestamps[index], width: p.width, height: p.height, jpeg } : null;
    },
    stats: () => ({ clips: clips.size, bytes }),
    dispose() {
      for (const path of [...clips.keys()]) drop(path);
    },
  };
}
