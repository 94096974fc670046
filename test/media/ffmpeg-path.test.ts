import { afterEach, describe, expect, it } from 'vitest';
import { resolveFfmpeg, setFfmpegPaths, unpackedPath } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { UserError } from '../../src-main/common/errors.ts';

describe('ffmpeg resolution order', () => {
  const saved = process.env.GEMDEPTH_FFMPEG;
  afterEach(() => {
    if (saved === undefined) delete process.env.GEMDEPTH_FFMPEG;
    else process.env.GEMDEPTH_FFMPEG = saved;
    setFfmpegPaths({});
  });

  it('finds a bundled ffmpeg and ffprobe without any setting', () => {
    delete process.env.GEMDEPTH_FFMPEG;
    setFfmpegPaths({});
    const r = resolveFfmpeg();
    expect(['ffmpeg-static', '@ffmpeg-installer', 'PATH']).toContain(r.source);
    expect(r.ffprobe).toBeTruthy();
  });

  it('the env variable wins over packages, and the setting wins over the env', () => {
    const bundled = (setFfmpegPaths({}), resolveFfmpeg().ffmpeg);
    process.env.GEMDEPTH_FFMPEG = bundled;
    setFfmpegPaths({});
    expect(resolveFfmpeg().source).toBe('env');
    setFfmpegPaths({ ffmpeg: bundled });
    expect(resolveFfmpeg().source).toBe('setting');
  });

  it('a wrong explicit path is a clear error, not a silent fallback', () => {
    process.env.GEMDEPTH_FFMPEG = '/nowhere/ffmpeg';
    setFfmpegPaths({});
    expect(() => resolveFfmpeg()).toThrow(UserError);
    expect(() => resolveFfmpeg()).toThrow(/GEMDEPTH_FFMPEG is not an executable file: \/nowhere\/ffmpeg/);
  });

  it('maps paths inside app.asar to the unpacked copy', () => {
    expect(unpackedPath('/opt/App/resources/app.asar/node_modules/x/ffmpeg')).toBe(
      '/opt/App/resources/app.asar.unpacked/node_modules/x/ffmpeg',
    );
  });
});
