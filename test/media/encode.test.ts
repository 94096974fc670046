import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { openVideoEncoder } from '../../src-main/engine/encode/video-encoder.ts';
import { decodeNpy, encodeNpy } from '../../src-main/engine/encode/npy.ts';
import { clip } from '../helpers/shared.ts';
import { ffprobeJson, tempDir } from '../helpers/tools.ts';

describe('encoder', () => {
  it('writes H.264 MP4 with the source audio, same frame count, nothing at the final path until done', async () => {
    const info = await probe(clip('realshort.mp4'));
    const dir = await tempDir();
    const out = join(dir, 'out.mp4');
    const enc = await openVideoEncoder(out, {
      width: info.width,
      height: info.height,
      frameRate: info.frameRate,
      audioFrom: { path: info.path, startTime: 0, duration: info.duration },
    });
    for await (const f of readFrames(info)) {
      await enc.write(f.data);
      expect(await readdir(dir)).not.toContain('out.mp4');
    }
    await enc.finish();
    expect(await readdir(dir)).toEqual(['out.mp4']);
    const got = await probe(out);
    expect(got.frameCount).toBe(info.frameCount);
    expect(got.codec).toBe('h264');
    expect(got.hasAudio).toBe(true);
    const src = await ffprobeJson(info.path, ['-show_streams', '-select_streams', 'a:0']);
    const dst = await ffprobeJson(out, ['-show_streams', '-select_streams', 'a:0']);
    expect(dst.streams[0].codec_name).toBe(src.streams[0].codec_name);
    expect(Math.abs(got.duration - info.duration)).toBeLessThan(0.05);
  });

  it('abort removes the partial file', async () => {
    const dir = await tempDir();
    const enc = await openVideoEncoder(join(dir, 'x.mp4'), { width: 64, height: 64, frameRate: { num: 25, den: 1 } });
    await enc.write(new Uint8Array(64 * 64 * 3));
    await enc.abort();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('npy', () => {
  it('round trips float32 HxW with a numpy-compatible header', async () => {
    const data = Float32Array.from({ length: 12 }, (_v, i) => i * 0.5 + 0.25);
    const buf = encodeNpy(data, [3, 4]);
    expect(buf.toString('latin1', 0, 6)).toBe('\x93NUMPY');
    expect((10 + buf.readUInt16LE(8)) % 64).toBe(0);
    const back = decodeNpy(buf);
    expect(back.shape).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    void readFile;
  });
});
