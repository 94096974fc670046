import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { UserError } from '../../util/errors.ts';

export interface FfmpegPaths {
  ffmpeg: string;
  /** null when only ffmpeg was found; probing then falls back to parsing `ffmpeg -i`. */
  ffprobe: string | null;
  source: 'setting' | 'env' | 'ffmpeg-static' | '@ffmpeg-installer' | 'PATH';
}

const require = createRequire(import.meta.url);
let explicit: { ffmpeg?: string; ffprobe?: string } = {};
let cached: FfmpegPaths | null = null;

/** The app's settings can pin binaries; this wins over everything else. */
export function setFfmpegPaths(paths: { ffmpeg?: string; ffprobe?: string }): void {
  explicit = { ...paths };
  cached = null;
}

/** Inside a packaged app, binaries live beside app.asar, not in it. */
export function unpackedPath(p: string): string {
  return p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

function executable(p: string | null | undefined): p is string {
  if (!p) return false;
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromModule(load: () => string | null | undefined): string | null {
  try {
    const p = load();
    if (!p) return null;
    const u = unpackedPath(p);
    return executable(u) ? u : executable(p) ? p : null;
  } catch {
    return null;
  }
}

function onPath(name: string): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, exe))) return join(dir, exe);
  }
  return null;
}

const ffprobeFromInstaller = () => fromModule(() => require('@ffprobe-installer/ffprobe').path as string);

/**
 * Order (DEVELOPERS.md): explicit setting, env GEMDEPTH_FFMPEG, ffmpeg-static (only if its binary was
 * really downloaded), @ffmpeg-installer/ffmpeg (ships the binary), then PATH. Any one may be missing.
 */
export function resolveFfmpeg(): FfmpegPaths {
  if (cached) return cached;
  const probeBeside = (ffmpeg: string): string | null => {
    const guess = ffmpeg.replace(/ffmpeg(\.exe)?$/, (_m, ext) => `ffprobe${ext ?? ''}`);
    return guess !== ffmpeg && existsSync(guess) && executable(guess) ? guess : null;
  };
  const pickProbe = (ffmpeg: string): string | null =>
    explicit.ffprobe ?? process.env.GEMDEPTH_FFPROBE ?? probeBeside(ffmpeg) ?? ffprobeFromInstaller() ?? onPath('ffprobe');

  const candidates: [FfmpegPaths['source'], () => string | null][] = [
    ['setting', () => (explicit.ffmpeg && executable(explicit.ffmpeg) ? explicit.ffmpeg : null)],
    ['env', () => (executable(process.env.GEMDEPTH_FFMPEG) ? process.env.GEMDEPTH_FFMPEG! : null)],
    ['ffmpeg-static', () => fromModule(() => require('ffmpeg-static') as string)],
    ['@ffmpeg-installer', () => fromModule(() => require('@ffmpeg-installer/ffmpeg').path as string)],
    ['PATH', () => onPath('ffmpeg')],
  ];
  if (explicit.ffmpeg && !executable(explicit.ffmpeg)) {
    throw new UserError(`ffmpeg set in settings is not an executable file: ${explicit.ffmpeg}`);
  }
  if (process.env.GEMDEPTH_FFMPEG && !executable(process.env.GEMDEPTH_FFMPEG)) {
    throw new UserError(`GEMDEPTH_FFMPEG is not an executable file: ${process.env.GEMDEPTH_FFMPEG}`);
  }
  for (const [source, find] of candidates) {
    const ffmpeg = find();
    if (ffmpeg) {
      cached = { ffmpeg, ffprobe: pickProbe(ffmpeg), source };
      return cached;
    }
  }
  throw new UserError(
    'ffmpeg not found: install it (e.g. apt install ffmpeg), or set GEMDEPTH_FFMPEG to its path, or reinstall npm dependencies',
  );
}
