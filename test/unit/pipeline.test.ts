import { createBufferPool } from '../../src-main/util/buffer-pool.ts';
import { describe, expect, it } from 'vitest';
import { prefetch, prefetchStarted } from '../../src-main/util/pipeline.ts';
import { CancelledError } from '../../src-main/common/errors.ts';

describe('prefetchStarted (the source works before the consumer asks)', () => {
  const source = (log: string[]) =>
    (async function* () {
      try {
        for (let i = 0; i < 10; i++) {
          log.push(`made ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    })();

  it('produces items before the first read (depth, and one more once the first is in), then yields them all in order', async () => {
    const log: string[] = [];
    const s = prefetchStarted(source(log), 3);
    await new Promise((r) => setTimeout(r, 10));
    expect(log.slice(0, 3)).toEqual(['made 0', 'made 1', 'made 2']);
    expect(log.length).toBeLessThanOrEqual(4);
    const seen: number[] = [];
    for await (const v of s.items) seen.push(v);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log[log.length - 1]).toBe('closed');
    await s.close();
  });

  it('close() stops the source when it was never read, and after an early exit', async () => {
    const log: string[] = [];
    await prefetchStarted(source(log), 2).close();
    expect(log).toContain('closed');
    const log2: string[] = [];
    const s = prefetchStarted(source(log2), 2);
    for await (const v of s.items) if (v === 3) break;
    expect(log2).toContain('closed');
    expect(log2.length).toBeLessThan(10);
    await s.close();
  });
});

describe('prefetch (bounded queue between stages)', () => {
  it('keeps order, runs the producer at most `depth` ahead, and closes the source on early exit', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 50; i++) {
          produced++;
          maxAhead = Math.max(maxAhead, produced - consumed);
          await new Promise((r) => setTimeout(r, 1));
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    for await (const v of prefetch(source(), 3)) {
      seen.push(v);
      consumed++;
      await new Promise((r) => setTimeout(r, 3));
      if (v === 20) break;
    }
    expect(seen).toEqual(Array.from({ length: 21 }, (_v, i) => i));
    expect(maxAhead).toBeLessThanOrEqual(4);
    expect(closed).toBe(true);
  });

  it('stops with CancelledError when the signal aborts', async () => {
    const ac = new AbortController();
    async function* source() {
      for (let i = 0; ; i++) yield i;
    }
    const run = async () => {
      for await (const v of prefetch(source(), 2, ac.signal)) if (v === 5) ac.abort();
    };
    await expect(run()).rejects.toBeInstanceOf(CancelledError);
  });

  it('a stage that fails while the consumer is busy reaches the consumer as its error, not as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      async function* source() {
        yield 1;
        throw new Error('disk full');
      }
      const seen: number[] = [];
      const run = async () => {
        for await (const v of prefetch(source(), 3)) {
          seen.push(v);
          // Busy past a turn of the event loop: the failed read ahead sits unawaited meanwhile.
          await new Promise((r) => setTimeout(r, 30));
        }
      };
      await expect(run()).rejects.toThrow('disk full');
      await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([1]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('buffer pool', () => {
  it('hands back recycled buffers of its size only, and keeps at most `keep`', () => {
    const pool = createBufferPool(16, 2);
    const a = pool.take();
    const b = pool.take();
    expect(a.length).toBe(16);
    expect(a).not.toBe(b);
    a.fill(7);
    pool.give(a);
    pool.give(a); // twice: kept once
    pool.give(new Uint8Array(8)); // wrong size
    pool.give(new Uint8Array(32).subarray(0, 16)); // a view into a bigger buffer
    pool.give(undefined);
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
    for (const x of [b, new Uint8Array(16), new Uint8Array(16)]) pool.give(x);
    const kept = [pool.take(), pool.take(), pool.take()];
    expect(kept.filter((x) => x === b || x.every((v) => v === 0)).length).toBe(3);
    expect(new Set(kept).size).toBe(3);
  });
});
