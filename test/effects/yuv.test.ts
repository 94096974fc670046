import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernels, YUV_SOURCE } from '../../scripts/build-wasm.ts';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { pipeFormats, sourceColour } from '../../src-main/engine/decode/pipe-format.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { rgbToYuv420, yuvToRgb } from '../../src-main/engine/effects/yuv.ts';
import { YUV_WASM_BASE64 } from '../../src-main/engine/effects/yuv-wasm-binary.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import type { VideoInfo } from '../../src-main/common/types.ts';
import { clip } from '../helpers/shared.ts';
import { ffmpeg, tempDir } from '../helpers/tools.ts';
import { psnr } from './fixture.ts';

const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** ffmpeg's own conversion of raw frames (the reference the pipes replace). */
function ffmpegConvert(data: Uint8Array, from: string, to: string, w: number, h: number, extra: string[] = []): Uint8Array {
  return new Uint8Array(execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', from, '-s', `${w}x${h}`, '-i', 'pipe:0', ...extra, '-f', 'rawvideo', '-pix_fmt', to, 'pipe:1'], { input: data, maxBuffer: 1 << 28 }));
}

/** Every frame of a short file, decoded by ffmpeg as `pixFmt`. */
function decodeAll(path: string, pixFmt: string): Buffer {
  return execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'], { maxBuffer: 1 << 30 });
}

describe('YUV pipes: colour conversion in WebAssembly', () => {
  it('the embedded module is the one built from effects/wasm/yuv.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(YUV_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(YUV_WASM_BASE64);
  }, 60_000);

  it("equals ffmpeg's own RGB decode of real frames: 4:4:4 (cockatoo), 4:2:0 (realshort), BT.709 and full-range 4:2:0", async () => {
    const dir = await tempDir();
    const small = clip('realshort.mp4');
    // realshort re-encoded with BT.709 tags, and as full-range yuvj420p: ffmpeg converts each with its own matrix.
    const bt709 = join(dir, 'bt709.mp4');
    const full = join(dir, 'full.mp4');
    await ffmpeg(['-i', small, '-frames:v', '3', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', bt709]);
    await ffmpeg(['-i', small, '-frames:v', '3', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuvj420p', '-color_range', 'pc', full]);
    const cases: [string, number, VideoInfo['pixelFormat'], 'bt601' | 'bt709', boolean][] = [
      [clip('cockatoo.mp4'), 120, 'yuv444p', 'bt601', false],
      [small, 20, 'yuv420p', 'bt601', false],
      [bt709, 2, 'yuv420p', 'bt709', false],
      [full, 2, 'yuvj420p', 'bt601', true],
    ];
    for (const [path, index, pixFmt, matrix, isFull] of cases) {
      const info = await probe(path);
      expect(info.pixelFormat).toBe(pixFmt);
      const colour = sourceColour(info)!;
      expect(colour).toEqual({ matrix, full: isFull });
      const layout = pixFmt.endsWith('444p') ? 'yuv444p' : 'yuv420p';
      const yuv = await readFrame(info, index, { pixelFormat: layout });
      const ref = await readFrame(info, index, {});
      const rgb = yuvToRgb(yuv.data, layout, info.width, info.height, colour);
      const p = psnr(rgb, ref.data);
      // 4:4:4 is exact to rounding; ffmpeg's 4:2:0 path rounds down by about one level, this one to nearest.
      expect(p, `${path} frame ${index}: ${p.toFixed(2)} dB`).toBeGreaterThanOrEqual(45);
      expect(maxDiff(rgb, ref.data)).toBeLessThanOrEqual(layout === 'yuv444p' ? 1 : 3);
    }
  }, 120_000);

  it("RGB to 4:2:0 equals ffmpeg's own conversion of the same frame (each 2x2 block's chroma)", async () => {
    const info = await probe(clip('cockatoo.mp4'));
    const { data } = await readFrame(info, 60, {});
    const mine = rgbToYuv420(data, info.width, info.height, { matrix: 'bt601', full: false });
    const ref = ffmpegConvert(data, 'rgb24', 'yuv420p', info.width, info.height);
    const n = info.width * info.height;
    expect(psnr(mine.subarray(0, n), ref.subarray(0, n))).toBeGreaterThanOrEqual(60);
    expect(psnr(mine.subarray(n), ref.subarray(n))).toBeGreaterThanOrEqual(50);
    // And back: the round trip is within chroma subsampling of the source.
    expect(psnr(yuvToRgb(mine, 'yuv420p', info.width, info.height, { matrix: 'bt601', full: false }), data)).toBeGreaterThan(35);
  }, 60_000);

  it('keeps RGB pipes where YUV is not safe: odd sizes, scaling, 10-bit, 4:2:2, other matrices, image sequences, RGB needed', () => {
    const base = { kind: 'video', width: 1280, height: 720, pixelFormat: 'yuv420p', colorSpace: 'bt709' } as VideoInfo;
    const o = { yuvOut: true, rgbNeeded: false };
    expect(pipeFormats(base, 1280, 720, o)).toEqual({ decode: 'yuv420p', encode: 'yuv420p', colour: { matrix: 'bt709', full: false }, outColour: { matrix: 'bt709', full: false } });
    // Full range: in only as the source's own yuvj frames; out as RGB where the output is tagged full (ffmpeg would expand it again).
    expect(pipeFormats({ ...base, pixelFormat: 'yuvj420p' }, 1280, 720, o)).toMatchObject({ decode: 'yuv420p', encode: 'yuv420p', colour: { full: true }, outColour: { full: false } });
    expect(pipeFormats({ ...base, pixelFormat: 'yuvj420p', colorRange: 'pc' }, 1280, 720, o)).toMatchObject({ decode: 'yuv420p', encode: 'rgb24' });
    expect(pipeFormats({ ...base, colorRange: 'pc' }, 1280, 720, o)).toMatchObject({ decode: 'rgb24', encode: 'rgb24' });
    expect(pipeFormats({ ...base, pixelFormat: 'yuvj444p' }, 1280, 720, o).decode).toBe('yuv444p');
    expect(pipeFormats(base, 640, 360, o)).toMatchObject({ decode: 'rgb24', encode: 'yuv420p' });
    expect(pipeFormats({ ...base, width: 721, pixelFormat: 'yuv444p' }, 722, 720, o)).toMatchObject({ decode: 'rgb24', encode: 'yuv420p' });
    expect(pipeFormats({ ...base, pixelFormat: 'yuv420p10le' }, 1280, 720, o).decode).toBe('rgb24');
    expect(pipeFormats({ ...base, pixelFormat: 'yuv422p' }, 1280, 720, o).decode).toBe('rgb24');
    expect(pipeFormats({ ...base, colorSpace: 'bt2020nc' }, 1280, 720, o)).toMatchObject({ decode: 'rgb24', encode: 'rgb24' });
    expect(pipeFormats({ ...base, kind: 'images' }, 1280, 720, o).decode).toBe('rgb24');
    expect(pipeFormats(base, 1280, 720, { yuvOut: true, rgbNeeded: true }).decode).toBe('rgb24');
    expect(pipeFormats(base, 1280, 720, { yuvOut: false, rgbNeeded: false }).encode).toBe('rgb24');
  });

  it('an export through YUV pipes equals the one through RGB pipes (4:2:0 and 4:4:4 sources; at CRF 18 as close to the lossless picture)', async () => {
    const dir = await tempDir();
    // 10 frames of cockatoo (4:4:4, 720p): its whole-clip analysis stays short.
    const ck = join(dir, 'cockatoo-10.mp4');
    await ffmpeg(['-i', clip('cockatoo.mp4'), '-frames:v', '10', '-an', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv444p', ck]);
    const cacheDir = join(dir, 'cache');
    for (const [input, spec] of [[clip('realshort.mp4'), 'fog:density=3'], [ck, 'relight']] as const) {
      const info = await probe(input);
      const out = async (mode: string, crf: number) => {
        const path = join(dir, `${mode}-${crf}-${info.width}.mp4`);
        if (mode === 'rgb') process.env.GEMDEPTH_RGB_PIPES = '1';
        try {
          await runRender({ input, out: path, effects: [parseEffectSpec(spec)], cacheDir, crf, end: Math.min(info.frameCount - 1, 5) });
        } finally {
          delete process.env.GEMDEPTH_RGB_PIPES;
        }
        return decodeAll(path, 'rgb24');
      };
      // Lossless (crf 0): only the pipes differ.
      const rgb0 = await out('rgb', 0);
      const yuv0 = await out('yuv', 0);
      expect(yuv0.length).toBe(rgb0.length);
      const p0 = psnr(yuv0, rgb0);
      expect(p0, `${input} lossless: ${p0.toFixed(2)} dB`).toBeGreaterThanOrEqual(45);
      // At the default quality two encodes of inputs a level apart differ by the encoder's own noise (about
      // 40 dB on realshort): instead, the encoder loses no more from the YUV pipes' frames than from the RGB pipes'.
      console.log(`${input}: yuv vs rgb pipes, lossless: ${p0.toFixed(2)} dB`);
      if (info.width > 320) continue; // once is enough (and 720p encodes are slow here)
      const toRef = (mode: string) => out(mode, 18).then((d) => psnr(d, mode === 'rgb' ? rgb0 : yuv0));
      const [pr, py] = [await toRef('rgb'), await toRef('yuv')];
      expect(py, `${input} crf 18 vs lossless: rgb pipes ${pr.toFixed(2)} dB, yuv pipes ${py.toFixed(2)} dB`).toBeGreaterThan(pr - 0.3);
      console.log(`${input}: crf 18 vs lossless: rgb pipes ${pr.toFixed(2)}, yuv pipes ${py.toFixed(2)} dB`);
    }
  }, 300_000);
});
