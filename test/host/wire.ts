import { randomBytes } from 'node:crypto';

/**
 * Typed arrays across the test host's bridge. Playwright's binding channel carries JSON, and base64 of
 * a 720p frame costs hundreds of milliseconds each way, which would make the benchmark measure the test
 * harness instead of the app. So bulk bytes are parked here and the page fetches them as binary from
 * the host's own HTTP server (same origin, allowed by the CSP's connect-src 'self'); page-bridge.ts
 * turns them back into the same typed arrays Electron's structured clone delivers.
 */
export type Wire = { __ta: 'Uint8Array' | 'Float32Array'; blob: string };

export function createBlobStore() {
  const blobs = new Map<string, Buffer>();
  const encode = (v: unknown): unknown => {
    if (v instanceof Uint8Array || v instanceof Float32Array) {
      const id = randomBytes(12).toString('hex');
      blobs.set(id, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      return { __ta: v instanceof Uint8Array ? 'Uint8Array' : 'Float32Array', blob: id } satisfies Wire;
    }
    if (Array.isArray(v)) return v.map(encode);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = encode(x);
      return out;
    }
    return v;
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
