import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFrame, readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { ffmpeg, tempDir } from '../helpers/tools.ts';

describe('MPEG-TS (probed through ffmpeg: the bundled ffprobe crashes on it)', () => {
  it('indexes every frame on the stream clock and seeks frame-accurately', async () => {
    const dir = await tempDir('gemdepth-ts-');
    const f = join(dir, 'clip.ts');
    // GOP of 12: seeks land on keyframes well inside the clip; TS clocks start at 1.4 s, not 0.
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25', '-t', '4', '-c:v', 'mpeg2video', '-g', '12', f]);
    const info = await probe(f);
    expect(info.frameCount).toBe(100);
    expect(info.startTime).toBeGreaterThan(1);
    expect(info.keyframeTimes?.slice(0, 3).map((t) => +t.toFixed(3))).toEqual([0, 0.48, 0.96]);
    const all: Buffer[] = [];
    for await (const fr of readFrames(info)) all.push(Buffer.from(fr.data));
    expect(all).toHaveLength(100);
    // Each frame read alone is the one read in sequence (before the fix, frame 37 came back as 60).
    for (const i of [13, 37, 60, 99]) {
      const alone = Buffer.from((await readFrame(info, i)).data);
      expect(all.findIndex((a) => a.equals(alone))).toBe(i);
    }
  }, 60_000);
});
