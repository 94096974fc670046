import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { bundledFfmpeg, isExecutable, unpackedPath } from '../runtime-paths.ts';

export { unpackedPath };

export interface FfmpegPaths {
  ffmpeg: string;
  /** null when only ffmpeg was found. */
  ffprobe: string | null;
  source: 'setting' | 'env' | 'ffmpeg-static' | '@ffmpeg-installer' | 'PATH';
}

let explicit: { ffmpeg?: string; ffprobe?: string } = {};
let cached: FfmpegPaths | null = null;

/** The app's settings can pin binaries; this wins over everything else. */
export function setFfmpegPaths(paths: { ffmpeg?: string; ffprobe?: string }): void {
  explicit = { ...paths };
  cached = null;
}

function onPath(name: string): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, exe))) return join(dir, exe);
  }
  return null;
}

function checked(p: string | undefined, what: string): string | null {
  if (!p) return null;
  if (!existsSync(p) || !isExecutable(p)) throw new UserError(`${what} is not an executable file: ${p}`);
  return p;
}

/**
 * Order (DEVELOPERS.md): explicit setting, env GEMDEPTH_FFMPEG, ffmpeg-static (only if its binary was
 * really downloaded), @ffmpeg-installer/ffmpeg (ships the binary), then PATH. Any one may be missing;
 * an explicit choice that is wrong is an error rather than a silent fallback to another ffmpeg.
 */
export function resolveFfmpeg(): FfmpegPaths {
  if (cached) return cached;
  const setting = checked(explicit.ffmpeg, 'ffmpeg set in settings');
  const env = checked(process.env.GEMDEPTH_FFMPEG, 'GEMDEPTH_FFMPEG');
  const probeSetting = checked(explicit.ffprobe, 'ffprobe set in settings') ?? checked(process.env.GEMDEPTH_FFPROBE, 'GEMDEPTH_FFPROBE');
  const bundled = bundledFfmpeg();
  const beside = (ffmpeg: string) => {
    const guess = ffmpeg.replace(/ffmpeg(\.exe)?$/, (_m, ext) => `ffprobe${ext ?? ''}`);
    return guess !== ffmpeg && existsSync(guess) && isExecutable(guess) ? guess : null;
  };
  const pick = (ffmpeg: string, source: FfmpegPaths['source']): FfmpegPaths => ({
    ffmpeg: unpackedPath(ffmpeg),
    ffprobe: probeSetting ?? beside(ffmpeg) ?? bundled.ffprobe ?? onPath('ffprobe'),
    source,
  });
  if (setting) cached = pick(setting, 'setting');
  else if (env) cached = pick(env, 'env');
  else if (bundled.ffmpeg) cached = pick(bundled.ffmpeg, bundled.source.ffmpeg!);
  else {
    const fromPath = onPath('ffmpeg');
    if (!fromPath) {
      throw new UserError(
        'ffmpeg not found: install it (e.g. apt install ffmpeg), or set GEMDEPTH_FFMPEG to its path, or reinstall npm dependencies',
      );
    }
    cached = pick(fromPath, 'PATH');
  }
  return cached;
}
