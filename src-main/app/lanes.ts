import { CancelledError } from '../common/errors.ts';
import type { LaneStats } from '../common/api/types.ts';

/**
 * "The newest request wins" for the viewer's frame requests. A request names a lane; a newer request of
 * the same method in the same lane aborts the older one, whose AbortSignal reaches the work doing it
 * (app/frames.ts kills its ffmpeg decoder, or never starts it), so a scrub never leaves the engine
 * decoding frames nobody will see. Counts are kept so tests can check it on the engine side.
 */
export function createLanes() {
  const open = new Map<string, AbortController>();
  const stats = new Map<string, LaneStats>();
  const statsOf = (method: string) => {
    let s = stats.get(method);
    if (!s) stats.set(method, (s = { served: 0, cancelled: 0 }));
    return s;
  };

  return {
    /** Runs `work` with a signal that a newer request in the same lane aborts; without a lane, no signal. */
    async run<T>(method: string, lane: string | undefined, work: (signal?: AbortSignal) => Promise<T>): Promise<T> {
      if (!lane) return work();
      const key = `${method}|${lane}`;
      open.get(key)?.abort();
      const ctl = new AbortController();
      open.set(key, ctl);
      const s = statsOf(method);
      try {
        const value = await work(ctl.signal);
        // Finished just as a newer one came in: its result is still the right one for its request.
        s.served++;
        return value;
      } catch (e) {
        if (ctl.signal.aborted) {
          s.cancelled++;
          throw new CancelledError('superseded by a newer request');
        }
        throw e;
      } finally {
        if (open.get(key) === ctl) open.delete(key);
      }
    },
    stats(method: string): LaneStats {
      return { ...statsOf(method) };
    },
  };
}
