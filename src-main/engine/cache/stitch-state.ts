import type { StitchState } from '../stitch/stitcher.ts';

/** Stitch state as bytes (exact float32), so a resumed windowed analysis continues bit for bit. */
export function encodeStitchState(s: StitchState, framesEmitted: number): Buffer {
  const maps = [...s.refs, ...s.pending];
  const header = Buffer.from(
    JSON.stringify({ windowsDone: s.windowsDone, framesEmitted, refs: s.refs.length, pending: s.pending.length, pendingPoses: s.pendingPoses, n: maps[0]?.length ?? 0 }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([len, header, ...maps.map((m) => Buffer.from(m.buffer, m.byteOffset, m.byteLength))]);
}

export function decodeStitchState(b: Buffer): { state: StitchState; framesEmitted: number } {
  const hl = b.readUInt32LE(0);
  const h = JSON.parse(b.subarray(4, 4 + hl).toString()) as {
    windowsDone: number;
    framesEmitted: number;
    refs: number;
    pending: number;
    pendingPoses: (number[] | null)[];
    n: number;
  };
  const all = new Float32Array(new Uint8Array(b.subarray(4 + hl)).buffer);
  const map = (i: number) => all.slice(i * h.n, (i + 1) * h.n);
  const refs = Array.from({ length: h.refs }, (_v, i) => map(i));
  const pending = Array.from({ length: h.pending }, (_v, i) => map(h.refs + i));
  return { state: { windowsDone: h.windowsDone, refs, pending, pendingPoses: h.pendingPoses }, framesEmitted: h.framesEmitted };
}
