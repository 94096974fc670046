/**
 * Typed arrays across Playwright's binding channel, which carries JSON: encoded as base64 with their
 * type name in Node, decoded back in the page (see page-bridge.ts), so the renderer receives exactly
 * what Electron's structured clone would give it.
 */
export type Wire = { __ta: 'Uint8Array' | 'Float32Array'; b64: string };

export function encodeForWire(v: unknown): unknown {
  if (v instanceof Uint8Array) return { __ta: 'Uint8Array', b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof Float32Array) return { __ta: 'Float32Array', b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(encodeForWire);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeForWire(x);
    return out;
  }
  return v;
}
