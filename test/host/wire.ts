import { randomBytes } from 'node:crypto';

/**
 * Typed arrays across the test host's bridge. Playwright's binding channel carries JSON, and base64 of
 * a 720p frame costs hundreds of milliseconds each way, which would make the benchmark measure the test
 * harness instead of the app. So bulk bytes are parked here and the page fetches them as binary from
 * the host's own HTTP server (same origin, allowed by the CSP's connect-src 'self'); page-bridge.ts
 * turns them back into the same typed arrays Electron's structured clone delivers.
 */
export type Wire = { __ta: 'Uint8Array' | 'Uint16Array' | 'Float32Array'; blob: string; offset: number; length: number };

export function createBlobStore() {
  const blobs = new Map<string, Buffer>();
  /**
   * One response's typed arrays travel in ONE blob (a block of depth maps is one fetch, as it is one
   * IPC message in Electron), each at a 4-byte aligned offset; the page copies each out into its own
   * buffer, so a consumer that transfers one does not detach the others (as with structured clone).
   */
  const encode = (value: unknown): unknown => {
    const parts: Buffer[] = [];
    let size = 0;
    const id = randomBytes(12).toString('hex');
    const walk = (v: unknown): unknown => {
      if (v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Float32Array) {
        const offset = size;
        parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
        size += v.byteLength;
        const pad = (4 - (size % 4)) % 4;
        if (pad) {
          parts.push(Buffer.alloc(pad));
          size += pad;
        }
        return { __ta: v instanceof Uint8Array ? 'Uint8Array' : v instanceof Uint16Array ? 'Uint16Array' : 'Float32Array', blob: id, offset, length: v.byteLength } satisfies Wire;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = walk(x);
        return out;
      }
      return v;
    };
    const out = walk(value);
    if (parts.length) blobs.set(id, Buffer.concat(parts, size));
    return out;
  };
  return {
    encode,
    /** Each blob is served once, then dropped: memory stays bounded by what is in flight. */
    take(id: string): Buffer | undefined {
      const b = blobs.get(id);
      blobs.delete(id);
      return b;
    },
    clear: () => blobs.clear(),
  };
}
