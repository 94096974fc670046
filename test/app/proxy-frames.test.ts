import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createJpegSplitter } from '../../src-main/engine/decode/jpeg-stream.ts';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { createProxyFrames } from '../../src-main/app/proxy-frames.ts';
import { psnr } from '../effects/fixture.ts';
import { clip } from '../helpers/shared.ts';

/** A JPEG decoded by ffmpeg to RGB at its own size. */
function decodeJpeg(jpeg: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  return new Promise((res, rej) => {
    const p = spawn(resolveFfmpeg().ffmpeg, ['-v', 'error', '-f', 'jpeg_pipe', '-i', 'pipe:0', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
    const out: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.on('error', rej);
    p.on('close', () => {
      const b = Buffer.concat(out);
      if (b.length !== width * height * 3) rej(new Error(`decoded ${b.length} bytes`));
      else res(new Uint8Array(b));
    });
    p.stdin.end(jpeg);
  });
}

describe('the viewer proxy (small JPEG per frame)', () => {
  it('splits a JPEG stream at image ends only, whatever the chunking', () => {
    // Two tiny "images" whose tables and scans hold 0xFF 0xD9 byte pairs that are not ends.
    const img = (fill: number) => Uint8Array.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0xff, 0xd9, 0xff, 0xda, 0x00, 0x02, fill, 0xff, 0x00, 0xff, 0xd0, fill, 0xff, 0xd9]);
    const stream = Uint8Array.from([...img(1), ...img(2)]);
    for (const size of [1, 3, 7, stream.length]) {
      const got: Uint8Array[] = [];
      const s = createJpegSplitter((j) => got.push(j));
      for (let o = 0; o < stream.length; o += size) s.push(stream.subarray(o, o + size));
      expect(got.map((g) => [...g])).toEqual([[...img(1)], [...img(2)]]);
    }
  });

  it('holds every frame of a clip, frame N being the picture of frame N', async () => {
    const info = await probe(clip('realshort.mp4'));
    const proxies = createProxyFrames({ width: 160 });
    try {
      expect(proxies.get(info, 0)).toBeNull();
      const t0 = Date.now();
      while (!proxies.get(info, info.frameCount - 1) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
      const p = proxies.get(info, 20)!;
      expect(p).toMatchObject({ index: 20, width: 160, height: 120 });
      const shown = await decodeJpeg(p.jpeg, p.width, p.height);
      const same = await readFrame(info, 20, { width: 160, height: 120 });
      const other = await readFrame(info, 14, { width: 160, height: 120 });
      const right = psnr(shown, same.data);
      // Close to its own frame (JPEG loss only) and clearly closer than to a frame 6 earlier.
      expect(right).toBeGreaterThan(28);
      expect(right).toBeGreaterThan(psnr(shown, other.data) + 3);
      expect(proxies.stats().bytes).toBeGreaterThan(0);
    } finally {
      proxies.dispose();
    }
  }, 90_000);

  it('keeps its memory bound: a clip over it keeps its first frames only', async () => {
    const info = await probe(clip('realshort.mp4'));
    const proxies = createProxyFrames({ width: 160, maxBytes: 40_000 });
    try {
      proxies.get(info, 0);
      const t0 = Date.now();
      while (proxies.stats().bytes < 40_000 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      expect(proxies.stats().bytes).toBeGreaterThan(40_000);
      expect(proxies.stats().bytes).toBeLessThanOrEqual(40_000 + 20_000);
      expect(proxies.get(info, info.frameCount - 1)).toBeNull();
    } finally {
      proxies.dispose();
    }
  }, 30_000);
});
