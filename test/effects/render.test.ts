import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { parseEffectSpec, prepareDepth, depthRangeOf, mergeRanges } from '../../src-main/engine/effects/index.ts';
import { decodeDepthPng, dequantizeDepth, listDepthPngs, type DepthMapping } from '../../src-main/engine/encode/depth-passes.ts';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { readPly } from '../../src-main/engine/geometry/pointcloud.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { CancelledError, UserError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';
import { ffmpeg, ffprobeJson, tempDir } from '../helpers/tools.ts';
import { TEST_CACHE } from './fixture.ts';

const streams = async (p: string) => (await ffprobeJson(p, ['-show_streams'])).streams as { codec_type: string; codec_name: string; duration?: string }[];

describe('runRender export', () => {
  it('h264 with audio, depth passes (PNG16 + FFV1) that decode back to the depth, point cloud and camera path', async () => {
    const input = clip('realshort.mp4');
    const dir = await tempDir();
    const out = join(dir, 'fog.mp4');
    const r = await runRender({
      input,
      out,
      effects: [parseEffectSpec('fog:density=2')],
      cacheDir: TEST_CACHE,
      depthPng: join(dir, 'depth_png'),
      depthMkv: join(dir, 'depth.mkv'),
      pointcloud: join(dir, 'cloud.ply'),
      cameraPath: join(dir, 'camera'),
    });
    const src = await probe(input);
    const got = await probe(out);
    expect(r.frames).toBe(src.frameCount);
    expect(got.frameCount).toBe(src.frameCount);
    expect(got.codec).toBe('h264');
    expect(got.frameRate).toEqual(src.frameRate);
    expect(Math.abs(got.duration - src.duration)).toBeLessThan(0.1);
    const a = (await streams(out)).find((s) => s.codec_type === 'audio');
    expect(a?.codec_name).toBe(src.audioCodec);

    // Depth passes: same values in PNG and MKV, equal to the guided-upsampled depth within quantisation.
    const mapping = JSON.parse(readFileSync(join(dir, 'depth.json'), 'utf8')) as DepthMapping;
    expect(JSON.parse(readFileSync(join(dir, 'depth_png', 'mapping.json'), 'utf8'))).toEqual(mapping);
    const pngs = await listDepthPngs(join(dir, 'depth_png'));
    expect(pngs.length).toBe(src.frameCount);
    const W = mapping.width, H = mapping.height;
    const raw = execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-i', join(dir, 'depth.mkv'), '-f', 'rawvideo', '-pix_fmt', 'gray16le', 'pipe:1'], { maxBuffer: 1 << 30 });
    expect(raw.length).toBe(W * H * 2 * src.frameCount);
    const analysis = await runAnalysis({ input, cacheDir: TEST_CACHE, preview: false });
    const ranges = [];
    for (let i = 0; i < src.frameCount; i++) ranges.push(depthRangeOf(await analysis.readDepth(i)));
    for (const k of [0, 17, src.frameCount - 1]) {
      const png = decodeDepthPng(readFileSync(pngs[k]));
      const mkv = new Uint16Array(raw.buffer.slice(raw.byteOffset + k * W * H * 2, raw.byteOffset + (k + 1) * W * H * 2));
      expect(Buffer.from(png.data.buffer).equals(Buffer.from(mkv.buffer))).toBe(true);
      const expected = prepareDepth(await analysis.readDepth(k), await readFrame(src, k), mergeRanges(ranges), true).raw!;
      const back = dequantizeDepth(mkv, mapping);
      let worst = 0;
      for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - expected[i]));
      expect(worst).toBeLessThanOrEqual(mapping.scale / 2 + 1e-6);
    }
    expect(mapping.kind).toBe('metric');

    const ply = readPly(readFileSync(join(dir, 'cloud.ply')));
    expect(ply.positions.length / 3).toBeGreaterThan(1000);
    expect(JSON.parse(readFileSync(join(dir, 'camera', 'poses.json'), 'utf8'))).toBeTruthy();
    // Nothing but the finished outputs: no temporary names left behind.
    expect(readdirSync(dir).sort()).toEqual(['camera', 'cloud.ply', 'depth.json', 'depth.mkv', 'depth_png', 'fog.mp4']);
  });

  it('a range at another size and codec (VP9/WebM): frame count, duration, audio, colour tags kept', async () => {
    const dir = await tempDir();
    // A BT.709-tagged copy of the clip, so there is colour metadata to carry over.
    const input = join(dir, 'tagged.mp4');
    await ffmpeg(['-i', clip('realshort.mp4'), '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv', '-c:a', 'copy', input]);
    const out = join(dir, 'range.webm');
    await runRender({ input, out, start: 5, end: 24, width: 160, codec: 'vp9', crf: 40, effects: [parseEffectSpec('refocus:focus=0.1'), parseEffectSpec('relight')], cacheDir: TEST_CACHE });
    const src = await probe(input);
    const got = await probe(out);
    expect(got.frameCount).toBe(20);
    expect(got.width).toBe(160);
    expect(got.height).toBe(120);
    expect(got.codec).toBe('vp9');
    expect(Math.abs(got.duration - 20 / src.fps)).toBeLessThan(0.08);
    expect(src.colorSpace).toBe('bt709');
    expect([got.colorSpace, got.colorPrimaries, got.colorTransfer]).toEqual([src.colorSpace, src.colorPrimaries, src.colorTransfer]);
    const a = (await streams(out)).find((s) => s.codec_type === 'audio');
    expect(a?.codec_name).toBe('opus');
  });

  it('refuses to write over the input, and a codec its container cannot hold', async () => {
    const input = clip('realshort.mp4');
    await expect(runRender({ input, out: input, effects: [parseEffectSpec('fog')] })).rejects.toThrow(UserError);
    await expect(runRender({ input, out: input, effects: [parseEffectSpec('fog')] })).rejects.toThrow(/is the input/);
    const dir = await tempDir();
    await expect(runRender({ input, out: join(dir, 'x.mp4'), codec: 'prores', effects: [parseEffectSpec('fog')] })).rejects.toThrow(/prores cannot be written to '\.mp4'/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('cancel stops at a frame boundary and leaves no partial files', async () => {
    const dir = await tempDir();
    const ac = new AbortController();
    const job = runRender(
      { input: clip('realshort.mp4'), out: join(dir, 'c.mp4'), depthMkv: join(dir, 'd.mkv'), effects: [parseEffectSpec('fog')], cacheDir: TEST_CACHE },
      { signal: ac.signal, onProgress: (p) => p.stage === 'render' && p.done >= 5 && ac.abort() },
    );
    await expect(job).rejects.toThrow(CancelledError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a killed encoder is a clear error and the partial file is removed', async () => {
    const dir = await tempDir();
    let killed = false;
    const job = runRender(
      { input: clip('realshort.mp4'), out: join(dir, 'k.mp4'), effects: [parseEffectSpec('fog')], cacheDir: TEST_CACHE },
      {
        onProgress: (p) => {
          if (killed || p.stage !== 'render' || p.done < 3) return;
          // The ffmpeg this test's export started: the one writing into this test's own folder.
          const ps = execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n');
          const line = ps.find((l) => l.includes(dir) && l.includes('ffmpeg'));
          if (line) {
            process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
            killed = true;
          }
        },
      },
    );
    await expect(job).rejects.toThrow(/encoder was killed|encoding .* failed/);
    await expect(job).rejects.toThrow(UserError);
    expect(killed).toBe(true);
    expect(existsSync(join(dir, 'k.mp4'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
