import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { ffmpeg, tempDir } from '../helpers/tools.ts';

const exec = promisify(execFile);

/** Mean |2*row(y) - row(y-1) - row(y+1)| of the green channel: combing (fields from two instants) makes it large. */
function combing(rgb: Uint8Array, w: number, h: number): number {
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 0; x < w; x++) {
      const g = (yy: number) => rgb[(yy * w + x) * 3 + 1];
      s += Math.abs(2 * g(y) - g(y - 1) - g(y + 1));
    }
  }
  return s / (w * (h - 2));
}

describe('interlaced video', () => {
  it('is seen as interlaced and decoded deinterlaced (combing gone), frame count unchanged', async () => {
    const dir = await tempDir('gemdepth-interlaced-');
    const f = join(dir, 'interlaced.mpg');
    // Two fields from two instants of fast-panning content in every frame, flagged top-field-first.
    const pan = "crop=320:240:x='mod(n*12\\,320)':y=0";
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=640x240:r=50', '-vf', `${pan},tinterlace=interleave_top,fieldorder=tff`, '-frames:v', '20', '-c:v', 'mpeg2video', '-flags', '+ildct+ilme', '-top', '1', '-q:v', '2', f]);
    const info = await probe(f);
    expect(info.interlaced).toBe(true);
    expect(info.frameCount).toBe(20);
    const ours = await readFrame(info, 10);
    // The reference: ffmpeg's plain decode of the same frame, fields as stored.
    const { stdout } = await exec(resolveFfmpeg().ffmpeg, ['-v', 'error', '-i', f, '-vf', 'select=eq(n\\,10)', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 });
    const raw = new Uint8Array(stdout);
    expect(raw.length).toBe(320 * 240 * 3);
    const stored = combing(raw, 320, 240);
    const decoded = combing(ours.data, 320, 240);
    // Measured 33 stored vs 8.6 deinterlaced.
    expect(decoded).toBeLessThan(0.5 * stored);
    // A progressive clip is left alone.
    const p = join(dir, 'progressive.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25', '-frames:v', '5', '-pix_fmt', 'yuv420p', p]);
    expect((await probe(p)).interlaced).toBe(false);
  }, 60_000);
});
