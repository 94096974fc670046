import { afterAll, describe, expect, it } from 'vitest';
import { createFrameService } from '../../src-main/app/frames.ts';
import { decodeStartFrame, readFrame, readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { clip } from '../helpers/shared.ts';

const frames = createFrameService();
afterAll(() => frames.dispose());

describe('viewer frames: playing backwards', () => {
  it('steps back frame by frame with exact pictures and one decoder per block of frames, not per frame', async () => {
    const info = await probe(clip('cockatoo.mp4'));
    const ref = new Map<number, Buffer>();
    for await (const f of readFrames(info, { start: 0, end: 60, width: 320, height: 180 })) ref.set(f.index, Buffer.from(f.data));
    expect((await frames.get(info, 60, 320)).index).toBe(60);
    const before = frames.stats().readers;
    for (let i = 59; i >= 0; i--) {
      const f = await frames.get(info, i, 320);
      expect(f.index).toBe(i);
      expect([f.width, f.height]).toEqual([320, 180]);
      expect(Buffer.compare(Buffer.from(f.data), ref.get(i)!)).toBe(0);
    }
    // 60 steps back: three blocks of 24 frames at most, instead of 60 seeks.
    expect(frames.stats().readers - before).toBeLessThanOrEqual(3);
  });
});

describe('viewer frames: jumping forward', () => {
  it('goes on with the running decoder where a new one would start decoding further back, with the exact picture', async () => {
    const info = await probe(clip('cockatoo.mp4'));
    // cockatoo.mp4: a seek to frame 260 starts decoding at frame 0 (its keyframes cannot start a decode exactly):
    // 50 frames on from 210 cost less than 260 from 0.
    expect(decodeStartFrame(info, 260)).toBe(0);
    expect((await frames.get(info, 210, 320)).index).toBe(210);
    const before = frames.stats().readers;
    const f = await frames.get(info, 260, 320);
    expect(f.index).toBe(260);
    expect(frames.stats().readers - before).toBe(0);
    expect(Buffer.compare(Buffer.from(f.data), Buffer.from((await readFrame(info, 260, { width: 320, height: 180 })).data))).toBe(0);
    // Backwards past the decoder, or far forward from a decoder near the start: a new one.
    expect((await frames.get(info, 100, 320)).index).toBe(100);
    expect(frames.stats().readers - before).toBe(1);
    expect((await frames.get(info, 200, 320)).index).toBe(200);
    expect(frames.stats().readers - before).toBe(2);
  }, 60_000);
});
