import { basename, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EngineApi, MediaInfo } from '../common/api/types.ts';
import type { VideoInfo } from '../common/types.ts';
import { probe } from '../engine/decode/probe.ts';
import { fingerprintFile } from '../engine/project/fingerprint.ts';
import { createFrameService } from './frames.ts';
import { createLanes } from './lanes.ts';
import { createProxyFrames } from './proxy-frames.ts';
import { createPlaybackProxies, type PlaybackProxies } from './playback-proxy.ts';

/** What the engine sees in a clip or image folder: the CLI's probe, and the app's import (cached per path there). */
export const probeMedia = (path: string): Promise<VideoInfo> => probe(path);

const mediaInfo = ({ files: _f, ...rest }: VideoInfo): MediaInfo => rest;

export interface MediaService extends Pick<EngineApi, 'importMedia' | 'getFrame' | 'getProxyFrame' | 'getPlaybackProxy'> {
  /** The clip's probe, once per path (the viewer asks for it on every frame). */
  info(path: string): Promise<VideoInfo>;
  /** The viewer's frame requests served and cancelled by newer ones, and decoders started and stopped. */
  frameStats(): Omit<ReturnType<EngineApi['frameStats']>, 'depth'>;
  /** The playback proxies on disk, and "Clear cache" for them (those of clips imported in this app stay). */
  proxyCache: Pick<PlaybackProxies, 'summary' | 'clear'>;
  dispose(): Promise<void>;
}

/** Media: probing (cached per path), importing a clip into a project, and frames for the viewer. */
export function createMediaService(): MediaService {
  const frames = createFrameService();
  const proxies = createProxyFrames();
  const playback = createPlaybackProxies();
  const lanes = createLanes();
  const infos = new Map<string, Promise<VideoInfo>>();
  const info = (path: string): Promise<VideoInfo> => {
    const key = resolve(path);
    let p = infos.get(key);
    if (!p) {
      p = probeMedia(key);
      infos.set(key, p);
      p.catch(() => infos.delete(key));
    }
    return p;
  };

  return {
    info,
    proxyCache: { summary: () => playback.summary(), clear: () => playback.clear() },
    async importMedia(req) {
      const i = await info(req.path);
      // The viewer's quick pictures start being made now, so they are there by the first scrub.
      proxies.get(i, 0);
      const fingerprint = await fingerprintFile(i.path);
      playback.start(i, fingerprint.sha256);
      return {
        info: mediaInfo(i),
        clip: {
          id: `clip-${fingerprint.sha256.slice(0, 8)}-${Date.now().toString(36)}`,
          path: i.path,
          name: basename(i.path),
          fingerprint,
          frameCount: i.frameCount,
          fps: i.fps,
          width: i.width,
          height: i.height,
          in: 0,
          out: Math.max(0, i.frameCount - 1),
          effects: [],
        },
      };
    },

    async getFrame(req) {
      const i = await info(req.path);
      if (req.index >= i.frameCount) throw new UserError(`frame ${req.index} is past the end of ${basename(i.path)} (${i.frameCount} frames)`);
      return lanes.run('getFrame', req.lane, (signal) => frames.get(i, req.index, req.maxWidth, signal));
    },

    async getProxyFrame(req) {
      const i = await info(req.path);
      if (req.index >= i.frameCount) throw new UserError(`frame ${req.index} is past the end of ${basename(i.path)} (${i.frameCount} frames)`);
      return proxies.get(i, req.index);
    },

    async getPlaybackProxy(req) {
      const i = await info(req.path);
      // A clip opened with a project, not imported in this session: its hash is cached (util/file-hash.ts).
      if (playback.status(i.path).state === 'none') playback.start(i, (await fingerprintFile(i.path)).sha256);
      return playback.status(i.path);
    },

    frameStats() {
      const d = frames.stats();
      return { frames: lanes.stats('getFrame'), decodersStarted: d.readers, decodersStopped: d.stopped };
    },

    async dispose() {
      proxies.dispose();
      await playback.dispose();
      await frames.dispose();
    },
  };
}
