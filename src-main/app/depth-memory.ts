import type { DepthBlockImage } from '../common/api/depth-block.ts';

/** What the memory needs of an analysis: its analysed range (the key is the analysis object itself). */
interface Analysed {
  start: number;
  end: number;
}

/**
 * The viewer's depth maps in memory, read from the cache once: a random jump otherwise reads, checks and
 * dequantises a whole chunk file (16 frames) for the one frame shown. On the first request for a clip's
 * analysis, the rest of it is read in the background, frames nearest the request first, one frame per
 * turn of the event loop so requests are answered in between. Bounded by bytes over all clips: the least
 * recently used analysis is dropped first, and filling stops at the bound rather than evict what is near
 * the playhead (a clip longer than the bound keeps the frames around where the user looked first).
 * Maps are held as they travel (the cache's uint16 form where it gives them bit for bit): half the bytes,
 * and a block for playback is sent as it is held.
 */
export function createDepthMemory<A extends Analysed>(read: (a: A, index: number) => Promise<DepthBlockImage>, maxBytes = 128 << 20) {
  const held = new Map<A, Map<number, DepthBlockImage>>();
  const filling = new Set<A>();
  let bytes = 0;
  const sizeOf = (d: DepthBlockImage) => (d.q ? d.q.data : d.data).byteLength;

  const drop = (a: A) => {
    for (const d of held.get(a)?.values() ?? []) bytes -= sizeOf(d);
    held.delete(a);
  };
  const framesOf = (a: A) => {
    let m = held.get(a);
    if (m) {
      // Most recently used last.
      held.delete(a);
      held.set(a, m);
      return m;
    }
    held.set(a, (m = new Map()));
    return m;
  };
  /** Keeps `d` unless the bound is reached with only this analysis left. */
  const keep = (a: A, d: DepthBlockImage): boolean => {
    const m = framesOf(a);
    if (m.has(d.index)) return true;
    const size = sizeOf(d);
    for (const other of held.keys()) {
      if (bytes + size <= maxBytes) break;
      if (other !== a) drop(other);
    }
    if (bytes + size > maxBytes) return false;
    m.set(d.index, d);
    bytes += size;
    return true;
  };

  async function fill(a: A, from: number) {
    filling.add(a);
    try {
      // Outwards from the first frame asked for: forward first (where play goes), then back.
      const order = [...Array.from({ length: a.end - from }, (_, k) => from + 1 + k), ...Array.from({ length: from - a.start }, (_, k) => from - 1 - k)];
      for (const i of order) {
        if (!held.has(a)) return;
        await new Promise((r) => setImmediate(r));
        if (held.get(a)?.has(i)) continue;
        if (!keep(a, await read(a, i))) return;
      }
    } catch {
      /* a frame that cannot be read is read (and its error reported) when it is asked for */
    } finally {
      filling.delete(a);
    }
  }

  return {
    /** Frame `index` of analysis `a` (within its range), from memory when read before. */
    async get(a: A, index: number): Promise<DepthBlockImage> {
      const hit = held.get(a)?.get(index);
      if (hit) {
        framesOf(a);
        return hit;
      }
      const d = await read(a, index);
      keep(a, d);
      if (!filling.has(a)) void fill(a, index);
      return d;
    },
    /** An analysis replaced (a new analysis of the clip, the cache cleared): its frames go. */
    forget: drop,
    stats: () => ({ analyses: held.size, frames: [...held.values()].reduce((n, m) => n + m.size, 0), bytes }),
  };
}
