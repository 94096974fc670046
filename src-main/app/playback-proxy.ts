import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { VideoInfo } from '../common/types.ts';
import type { PlaybackProxy } from '../common/api/types.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { spawnBackgroundFfmpeg } from './background-ffmpeg.ts';
import { proxySize } from './proxy-frames.ts';

/**
 * Playback proxies, as NLEs make them (Premiere's proxies, Resolve's optimized media): a small H.264 +
 * AAC MP4 of a clip that the viewer's <video> plays instead of the source. Drawing a 720p <video> into
 * the small preview costs the page's thread more than a frame's time on few cores; a 640-wide picture
 * costs a fraction, and its short GOP (a keyframe every 10 frames) makes seeks cheap. Codecs Chromium
 * cannot play (MPEG-2, MPEG-4 part 2) get browser playback through their proxy too.
 * Same frames, same timestamps (passthrough: none dropped or repeated), sound kept. One background ffmpeg
 * per clip at low priority, written under a hidden temporary name (removed on cancel, or by
 * util/stale-partials.ts after a crash) and renamed into <cache>/proxies/, keyed by the source's
 * content hash, so a later session reuses it; the folder is bounded (least recently used file first).
 */
export const PROXY_DIR = 'proxies';
/** A finished proxy's name (content hash, size): eviction and clearing never touch a file not named so. */
const PROXY_NAME = /^[0-9a-f]{24}-\d+x\d+\.mp4$/;

interface Making {
  proc: ChildProcess | null;
  tmp: string;
  done: Promise<void>;
}

export function createPlaybackProxies(opts: { cacheDir?: string; maxBytes?: number; width?: number } = {}) {
  const dir = () => join(resolve(opts.cacheDir ?? defaultCacheDir()), PROXY_DIR);
  const maxBytes = opts.maxBytes ?? Number(process.env.GEMDEPTH_PROXY_MAX_MB ?? 4096) * 2 ** 20;
  const state = new Map<string, PlaybackProxy>();
  const making = new Map<string, Making>();
  // Off: no proxy is made, not even at import, and the viewer plays the sources (benchmarks compare both in one run).
  const off = process.env.GEMDEPTH_PLAYBACK_PROXY === '0';

  /** The finished proxies on disk, least recently used first. */
  const listed = async () => {
    const files = await Promise.all(
      (await readdir(dir()).catch(() => [] as string[]))
        .filter((n) => PROXY_NAME.test(n))
        .map(async (n) => ({ path: join(dir(), n), st: await stat(join(dir(), n)).catch(() => null) })),
    );
    return files.filter((f) => f.st).sort((a, b) => a.st!.mtimeMs - b.st!.mtimeMs) as { path: string; st: Stats }[];
  };
  const forget = (path: string) => {
    for (const [k, v] of state) if (v.path === path) state.delete(k);
  };

  const evict = async (keep: string) => {
    const live = await listed();
    let total = live.reduce((s, f) => s + f.st.size, 0);
    for (const f of live) {
      if (total <= maxBytes) break;
      if (f.path === keep) continue;
      await rm(f.path, { force: true });
      total -= f.st.size;
      forget(f.path);
    }
  };

  const make = async (info: VideoInfo, key: string, sha256: string) => {
    const { width, height } = proxySize(info, opts.width);
    const out = join(dir(), `${sha256.slice(0, 24)}-${width}x${height}.mp4`);
    const st = await stat(out).catch(() => null);
    if (st?.isFile()) {
      // Used again: the newest for eviction.
      const now = new Date();
      await utimes(out, now, now).catch(() => undefined);
      state.set(key, { state: 'ready', path: out, width, height });
      return;
    }
    await mkdir(dir(), { recursive: true });
    const tmp = join(dir(), `.${sha256.slice(0, 24)}.mp4.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
    const filters = [...(info.interlaced ? ['bwdif=mode=send_frame:deint=all'] : []), `scale=${width}:${height}:flags=bilinear`];
    // Passthrough: one frame out per decoded frame with its own timestamp, so proxy frame N is frame N at the same time.
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', info.path, '-map', '0:v:0', '-map', '0:a:0?', '-sn', '-dn', '-vsync', 'passthrough'];
    args.push('-vf', filters.join(','), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-g', '10', '-pix_fmt', 'yuv420p');
    args.push('-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-f', 'mp4', tmp);
    const proc = spawnBackgroundFfmpeg(args, ['ignore', 'ignore', 'pipe']);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const m: Making = { proc, tmp, done: Promise.resolve() };
    making.set(key, m);
    m.done = new Promise<void>((res) => {
      proc.on('error', (e) => (err = String(e)));
      proc.on('close', (code) => {
        m.proc = null;
        void (async () => {
          const ok = code === 0 && making.get(key) === m;
          if (ok) {
            await rename(tmp, out);
            // Ready once the folder is back within its bound, so whoever sees it ready sees the folder settled.
            await evict(out).catch(() => undefined);
            state.set(key, { state: 'ready', path: out, width, height });
          } else {
            await rm(tmp, { force: true });
            if (making.get(key) === m) state.set(key, { state: 'failed', path: null, message: err.trim().split('\n').pop() || `ffmpeg exited with ${code}` });
          }
        })()
          .catch((e) => state.set(key, { state: 'failed', path: null, message: String(e) }))
          .finally(() => {
            if (making.get(key) === m) making.delete(key);
            res();
          });
      });
    });
  };

  return {
    /** Starts making the clip's proxy (once per source); `sha256` is the source's content hash. */
    start(info: VideoInfo, sha256: string): void {
      const key = resolve(info.path);
      if (off || info.kind === 'images' || state.has(key)) return;
      state.set(key, { state: 'making', path: null });
      make(info, key, sha256).catch((e) => state.set(key, { state: 'failed', path: null, message: String(e) }));
    },
    /** Where the clip's proxy stands (none: never started). */
    status(path: string): PlaybackProxy {
      if (off) return { state: 'failed', path: null, message: 'playback proxies are off (GEMDEPTH_PLAYBACK_PROXY=0)' };
      return state.get(resolve(path)) ?? { state: 'none', path: null };
    },
    /** Stops making it: the temporary file is removed before this resolves. */
    async cancel(path: string): Promise<void> {
      const key = resolve(path);
      const m = making.get(key);
      state.delete(key);
      if (!m) return;
      making.delete(key);
      m.proc?.kill('SIGKILL');
      await m.done;
      await rm(m.tmp, { force: true });
    },
    /** The proxies on disk (Settings' cache figures). */
    async summary(): Promise<{ files: number; bytes: number; limitBytes: number }> {
      const live = await listed();
      return { files: live.length, bytes: live.reduce((s, f) => s + f.st.size, 0), limitBytes: maxBytes };
    },
    /**
     * "Clear cache": removes every proxy but those of clips this app has imported (the viewer may be
     * playing them; it holds no handle that would survive the file going) and those being made.
     * `keepUsedWithinMs`: also keeps those used that recently (the CLI cannot see an app's clips; a
     * proxy is touched each time an app opens it).
     */
    async clear(opts: { keepUsedWithinMs?: number } = {}): Promise<{ removed: number; freedBytes: number; keptBytes: number }> {
      const inUse = new Set([...state.values()].map((v) => v.path));
      const since = Date.now() - (opts.keepUsedWithinMs ?? -1);
      const r = { removed: 0, freedBytes: 0, keptBytes: 0 };
      for (const f of await listed()) {
        if (inUse.has(f.path) || f.st.mtimeMs > since) {
          r.keptBytes += f.st.size;
          continue;
        }
        await rm(f.path, { force: true });
        forget(f.path);
        r.removed++;
        r.freedBytes += f.st.size;
      }
      return r;
    },
    async dispose(): Promise<void> {
      await Promise.all([...making.keys()].map((k) => this.cancel(k)));
    },
  };
}
export type PlaybackProxies = ReturnType<typeof createPlaybackProxies>;
