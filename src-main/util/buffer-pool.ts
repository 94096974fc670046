/**
 * Recycles whole-frame byte buffers. Export moves a few 2.7 MB frames per frame time between the decoder,
 * the effect workers and the encoder; allocating each afresh made V8 run a full GC every other frame
 * (external-memory pressure: 107 mark-compacts in 240 frames, about 7% of export's CPU).
 */
export interface BufferPool {
  /** A buffer of the pool's size: recycled (old contents) or new (zeroed). */
  take(): Uint8Array;
  /** Hands a buffer back once nothing reads it any more; other sizes and views are ignored. */
  give(b: Uint8Array | undefined): void;
}

export function createBufferPool(bytes: number, keep = 16): BufferPool {
  const free: Uint8Array[] = [];
  return {
    take: () => free.pop() ?? new Uint8Array(bytes),
    give(b) {
      if (b && b.byteLength === bytes && b.byteOffset === 0 && b.buffer.byteLength === bytes && free.length < keep && !free.includes(b)) free.push(b);
    },
  };
}
