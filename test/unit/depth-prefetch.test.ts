import { describe, expect, it } from 'vitest';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import { createDepthPrefetch } from '../../src-renderer/preview/video-frames.ts';

/** A depth map that says which frame it is (the scheduling is what is tested; the maps' pixels are not read). */
const depthOf = (index: number): DepthImage => ({ index, width: 2, height: 2, kind: 'relative-inverse', data: new Float32Array(4), min: 0, max: 1, intrinsics: null, range: null });

describe("playback's depth prefetch", () => {
  it('fetches blocks ahead of the playhead, hands each frame its own depth, and a near one while its block is still coming', async () => {
    const asked: [number, number][] = [];
    const answer: (() => void)[] = [];
    const pf = createDepthPrefetch(
      (start, count) => {
        asked.push([start, count]);
        return new Promise((res) => answer.push(() => res(Array.from({ length: count }, (_, k) => depthOf(start + k)))));
      },
      30,
      20,
      12,
      2,
    );
    const primed = pf.prime(0, 99);
    answer.shift()!();
    await primed;
    expect(asked[0]).toEqual([0, 12]);
    expect(pf.want(0, 99)?.index).toBe(0);
    // Blocks after the playhead are on their way (two at a time), none before it.
    expect(asked.length).toBe(3);
    expect(asked.slice(1).every(([s]) => s >= 1)).toBe(true);
    // Frame 13's block has not arrived; 11's (two frames away) has: it stands in, so the frame is drawn.
    expect(pf.want(13, 99)?.index).toBe(11);
    // Nothing within two frames: undefined (the frame is dropped, the clock goes on).
    expect(pf.want(20, 99)).toBeUndefined();
    for (const a of answer.splice(0)) a();
    await new Promise((r) => setTimeout(r, 0));
    expect(pf.want(20, 99)?.index).toBe(20);
    expect(pf.want(21, 99)?.index).toBe(21);
  });

  it('warms the block where Play will start while paused, keeping one block however often the playhead rests', async () => {
    const asked: [number, number][] = [];
    const pf = createDepthPrefetch(async (start, count) => (asked.push([start, count]), Array.from({ length: count }, (_, k) => depthOf(start + k))), 30, 20, 12, 2);
    pf.warm(40, 99);
    pf.warm(40, 99);
    expect(asked).toEqual([[40, 12]]);
    await new Promise((r) => setTimeout(r, 0));
    // A later rest elsewhere forgets the first block.
    pf.warm(70, 99);
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toEqual([[40, 12], [70, 12]]);
    // Play from 70: its block is there, no fetch to wait for; 40's was forgotten.
    await pf.prime(70, 99);
    expect(asked.length).toBe(2);
    expect(pf.want(70, 99)?.index).toBe(70);
    expect(pf.want(40, 99)).toBeUndefined();
  });
});
