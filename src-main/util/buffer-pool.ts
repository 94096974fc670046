/**
 * Recycles whole-frame byte buffers. Export moves a few 2.7 MB frames per frame time between the decoder,
 * the effect workers and the encoder; allocating each afresh made V8 run a full GC about every other frame
 * (external-memory pressure: 107 mark-compacts in 240 720p frames, 81 with recycling).
 */
export interface BufferPool {
  /** A buffer of the pool's size: recycled (old contents) or new (zeroed). */
  take(): Uint8Array;
  /** Hands a buffer back once nothing reads it any more; other sizes and views are ignored. */
  give(b: Uint8Array | undefined): void;
}

/** A view over its whole ArrayBuffer: it can be moved to a worker (transferred) or recycled as is. */
export function isWholeBuffer<T extends ArrayBufferView>(b: T | undefined): b is T {
  return !!b && b.byteOffset === 0 && b.buffer instanceof ArrayBuffer && b.byteLength === b.buffer.byteLength;
}

export function createBufferPool(bytes: number, keep = 16): BufferPool {
  const free: Uint8Array[] = [];
  return {
    take: () => free.pop() ?? new Uint8Array(bytes),
    give(b) {
      if (isWholeBuffer(b) && b.byteLength === bytes && free.length < keep && !free.includes(b)) free.push(b);
    },
  };
}
