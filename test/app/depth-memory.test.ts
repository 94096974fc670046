import { describe, expect, it } from 'vitest';
import { createDepthMemory } from '../../src-main/app/depth-memory.ts';
import type { DepthBlockImage } from '../../src-main/common/api/depth-block.ts';

const W = 40;
const H = 30;
const depthOf = (index: number): DepthBlockImage => ({ index, width: W, height: H, kind: 'metric', data: new Float32Array(W * H).fill(index), min: index, max: index, intrinsics: null, range: null });
const settle = async (ms = 100) => new Promise((r) => setTimeout(r, ms));

describe('depth memory (the viewer depth read once per frame, not once per jump)', () => {
  it('fills the rest of an analysis in the background and answers later jumps from memory', async () => {
    const reads: number[] = [];
    const a = { start: 0, end: 49 };
    const mem = createDepthMemory(async (_a: typeof a, i: number) => (reads.push(i), depthOf(i)));
    expect((await mem.get(a, 20)).index).toBe(20);
    await settle();
    // Every frame read once: forward from the first request, then back.
    expect(reads.length).toBe(50);
    expect(reads.slice(0, 3)).toEqual([20, 21, 22]);
    expect(new Set(reads).size).toBe(50);
    for (const i of [3, 49, 0, 33]) expect((await mem.get(a, i)).data?.[0]).toBe(i);
    expect(reads.length).toBe(50);
  });

  it('stays within its byte bound, dropping the least recently used analysis first', async () => {
    const frame = W * H * 4;
    const a = { start: 0, end: 9 };
    const b = { start: 0, end: 9 };
    const mem = createDepthMemory(async (_x: typeof a, i: number) => depthOf(i), frame * 12);
    await mem.get(a, 0);
    await settle();
    expect(mem.stats()).toMatchObject({ analyses: 1, frames: 10 });
    await mem.get(b, 5);
    await settle();
    // b fills up to the bound: a is dropped to make room, b never evicts its own frames.
    expect(mem.stats().bytes).toBeLessThanOrEqual(frame * 12);
    expect(mem.stats()).toMatchObject({ analyses: 1, frames: 10 });
    mem.forget(b);
    expect(mem.stats()).toMatchObject({ analyses: 0, frames: 0, bytes: 0 });
  });

  it('holds a map in the cache\'s uint16 form at two bytes a pixel', async () => {
    const a = { start: 0, end: 3 };
    const quantized = (index: number): DepthBlockImage => {
      const { data: _, ...rest } = depthOf(index);
      return { ...rest, q: { offset: index, scale: 1, data: new Uint16Array(W * H) } };
    };
    const mem = createDepthMemory(async (_x: typeof a, i: number) => (i % 2 ? quantized(i) : depthOf(i)));
    expect((await mem.get(a, 1)).q?.offset).toBe(1);
    await settle();
    // Two float32 maps and two uint16 ones.
    expect(mem.stats()).toMatchObject({ frames: 4, bytes: 2 * W * H * 4 + 2 * W * H * 2 });
  });
});
