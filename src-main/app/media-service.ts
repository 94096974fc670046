import { basename, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import type { EngineApi, MediaInfo } from '../common/api/types.ts';
import type { VideoInfo } from '../common/types.ts';
import { probe } from '../engine/decode/probe.ts';
import { fingerprintFile } from '../engine/project/fingerprint.ts';
import { createFrameService } from './frames.ts';

/** What the engine sees in a clip or image folder: the CLI's probe, and the app's import (cached per path there). */
export const probeMedia = (path: string): Promise<VideoInfo> => probe(path);

const mediaInfo = ({ files: _f, ...rest }: VideoInfo): MediaInfo => rest;

export interface MediaService extends Pick<EngineApi, 'importMedia' | 'getFrame'> {
  /** The clip's probe, once per path (the viewer asks for it on every frame). */
  info(path: string): Promise<VideoInfo>;
  dispose(): Promise<void>;
}

/** Media: probing (cached per path), importing a clip into a project, and frames for the viewer. */
export function createMediaService(): MediaService {
  const frames = createFrameService();
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
    async importMedia(req) {
      const i = await info(req.path);
      const fingerprint = await fingerprintFile(i.path);
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
      return frames.get(i, req.index, req.maxWidth);
    },

    dispose: () => frames.dispose(),
  };
}
