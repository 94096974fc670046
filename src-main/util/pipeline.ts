import { CancelledError } from '../common/errors.ts';
import type { Progress } from '../common/types.ts';

/**
 * A bounded queue between two pipeline stages: the producer runs at most `depth` items ahead of the
 * consumer, so decode, inference and writing overlap while memory stays bounded.
 */
export async function* prefetch<T>(src: AsyncIterable<T>, depth: number, signal?: AbortSignal): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const fill = () => {
    // Async generators queue concurrent next() calls, so asking ahead is safe; past the end they answer done.
    while (pending.length < Math.max(1, depth)) {
      const next = it.next();
      // Awaited in order below; until then a failure must not count as unhandled (Node would exit
      // before the consumer reaches it, e.g. a disk-full cache write while it is busy encoding).
      next.catch(() => {});
      pending.push(next);
    }
  };
  try {
    fill();
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      const r = await pending.shift()!;
      if (r.done) return;
      fill();
      yield r.value;
    }
  } finally {
    // Reads asked ahead may fail once the source is torn down; nobody awaits them any more.
    for (const p of pending) p.catch(() => {});
    // Let the source release its resources (kill ffmpeg, close files) on early exit.
    await it.return?.(undefined);
  }
}

/**
 * prefetch that starts pulling now rather than at the consumer's first next(), so the source works while
 * the caller awaits something else first (analysis: decoding while the model thread starts). close()
 * stops the source whether or not it was ever read.
 */
export function prefetchStarted<T>(src: AsyncIterable<T>, depth: number): { items: AsyncGenerator<T>; close(): Promise<void> } {
  const g = prefetch(src, depth);
  const first = g.next();
  first.catch(() => {});
  async function* items(): AsyncGenerator<T> {
    const r = await first;
    if (r.done) return;
    yield r.value;
    yield* g;
  }
  return {
    items: items(),
    async close() {
      await first.catch(() => {});
      await g.return(undefined);
    },
  };
}

/** Map with at most `concurrency` calls in flight, results in input order. */
export async function* mapConcurrent<T, U>(
  src: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<U>,
): AsyncGenerator<U> {
  const inflight: Promise<U>[] = [];
  for await (const item of src) {
    inflight.push(fn(item));
    if (inflight.length >= concurrency) yield await inflight.shift()!;
  }
  while (inflight.length) yield await inflight.shift()!;
}

/** Frames/s and ETA over a sliding window, so a slow start does not distort the estimate forever. */
export function createProgressMeter(total: number, stage: string, device?: string) {
  const t0 = performance.now();
  const marks: { t: number; done: number }[] = [{ t: t0, done: 0 }];
  return {
    update(done: number, message?: string): Progress {
      const t = performance.now();
      marks.push({ t, done });
      while (marks.length > 2 && t - marks[0].t > 5000) marks.shift();
      const first = marks[0];
      const dt = (t - first.t) / 1000;
      const fps = dt > 0 ? (done - first.done) / dt : 0;
      const eta = fps > 0 ? (total - done) / fps : null;
      return { stage, done, total, fps, etaSeconds: eta, device, message };
    },
    elapsedSeconds: () => (performance.now() - t0) / 1000,
  };
}
