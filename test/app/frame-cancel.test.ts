import { afterAll, describe, expect, it } from 'vitest';
import { createFrameService } from '../../src-main/app/frames.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { clip } from '../helpers/shared.ts';

const frames = createFrameService();
afterAll(() => frames.dispose());

describe('viewer frames: a cancelled request', () => {
  it('stops its decoder or never starts it, and the next request still gets its exact frame', async () => {
    const info = await probe(clip('cockatoo.mp4'));
    const s0 = frames.stats();
    // Decoding: frame 270 is far from its keyframe (a long decode), aborted as soon as it has started.
    const a = new AbortController();
    const running = frames.get(info, 270, 1280, a.signal);
    // Queued behind it: aborted before its turn, never decoded.
    const b = new AbortController();
    const queued = frames.get(info, 200, 1280, b.signal);
    await new Promise((r) => setTimeout(r, 50));
    a.abort();
    b.abort();
    await expect(running).rejects.toMatchObject({ name: 'CancelledError' });
    await expect(queued).rejects.toMatchObject({ name: 'CancelledError' });
    const s1 = frames.stats();
    expect(s1.stopped - s0.stopped).toBe(1);
    expect(s1.readers - s0.readers).toBe(1);
    const f = await frames.get(info, 140, 320);
    expect(f.index).toBe(140);
    expect(Buffer.compare(Buffer.from(f.data), Buffer.from((await readFrame(info, 140, { width: 320, height: 180 })).data))).toBe(0);
  }, 60_000);
});
