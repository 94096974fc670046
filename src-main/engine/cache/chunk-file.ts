import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { withAtomicFile } from '../../util/atomic.ts';
import { dequantize, quantize, type Quantized } from './quantize.ts';
import { writeParts } from './write-parts.ts';

const MAGIC = Buffer.from('GDC1');

export interface ChunkFrame {
  depth: Float32Array;
  /** `depth` already quantised (see roundTrip; a frame read from a chunk is): written as is, `depth` its dequantised form bit for bit. */
  quantized?: Quantized;
  /** Network pose (9 numbers) or camera-to-world 4x4 (16), whatever the layer stores. */
  pose?: number[] | null;
  extra?: Record<string, unknown>;
}

export interface Chunk {
  first: number;
  width: number;
  height: number;
  frames: ChunkFrame[];
}

/**
 * One chunk of consecutive frames: magic, header length, JSON header (frame range, size, per-frame
 * offset/scale, poses), uint16 depth, then a sha256 of everything before it so a torn or corrupted
 * file is detected instead of served.
 */
export function encodeChunk(c: Chunk): Buffer {
  return Buffer.concat(chunkParts(c));
}

/** encodeChunk's bytes in pieces (the depth as views of the quantised frames, no copy), checksum last. */
function chunkParts(c: Chunk): Buffer[] {
  const q = c.frames.map((f) => f.quantized ?? quantize(f.depth));
  const header = Buffer.from(
    JSON.stringify({
      first: c.first,
      count: c.frames.length,
      width: c.width,
      height: c.height,
      offsets: q.map((x) => x.offset),
      scales: q.map((x) => x.scale),
      poses: c.frames.map((f) => f.pose ?? null),
      extra: c.frames.map((f) => f.extra ?? null),
    }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const parts = [MAGIC, len, header, ...q.map((x) => Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength))];
  const hash = createHash('sha256');
  for (const b of parts) hash.update(b);
  return [...parts, hash.digest()];
}

interface ChunkHeader {
  first: number;
  count: number;
  width: number;
  height: number;
  offsets: number[];
  scales: number[];
  poses: (number[] | null)[];
  extra: (Record<string, unknown> | null)[];
}

/** Header and quantised data of an intact chunk (checksum, header and size agree); null when torn or corrupt. */
function parseChunk(buf: Buffer): { h: ChunkHeader; data: Buffer } | null {
  if (buf.length < 40 || !buf.subarray(0, 4).equals(MAGIC)) return null;
  const body = buf.subarray(0, buf.length - 32);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - 32))) return null;
  try {
    const hl = body.readUInt32LE(4);
    const h = JSON.parse(body.subarray(8, 8 + hl).toString()) as ChunkHeader;
    const data = body.subarray(8 + hl);
    return data.length === h.count * h.width * h.height * 2 ? { h, data } : null;
  } catch {
    return null;
  }
}

/** null when the file is missing, torn or corrupt. */
export function decodeChunk(buf: Buffer): Chunk | null {
  const parsed = parseChunk(buf);
  if (!parsed) return null;
  const { h, data } = parsed;
  const n = h.width * h.height;
  // Copy: the file buffer's offset may not be 2-byte aligned.
  const all = new Uint16Array(new Uint8Array(data).buffer);
  const frames: ChunkFrame[] = [];
  for (let i = 0; i < h.count; i++) {
    const quantized = { offset: h.offsets[i], scale: h.scales[i], data: all.subarray(i * n, (i + 1) * n) };
    // The stored form goes with the map: the viewer holds and sends it (half the bytes) as it is.
    frames.push({ depth: dequantize(quantized), quantized, pose: h.poses[i], extra: h.extra[i] ?? undefined });
  }
  return { first: h.first, width: h.width, height: h.height, frames };
}

export async function writeChunk(path: string, c: Chunk): Promise<void> {
  // Written piece by piece: the 2.8 MB of a 16-frame chunk is never copied into one buffer (twice, before).
  const parts = chunkParts(c);
  await withAtomicFile(path, (tmp) => writeParts(tmp, parts));
}

export async function readChunk(path: string): Promise<Chunk | null> {
  try {
    return decodeChunk(await readFile(path));
  } catch {
    return null;
  }
}

/**
 * Chunk files this process has checked whole, by path, with the identity they had then (device, inode,
 * size, modification time): chunks are written to a new file and renamed, never changed in place, so the
 * same identity is the same bytes. Opening a cached analysis checks every chunk (a sha256 of 50 MB for a
 * 15 s clip, about a fifth of a second); the app and a batch export open it again for every export.
 */
const checked = new Map<string, string>();
const identity = (s: { dev: number; ino: number; size: number; mtimeMs: number }) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;

/** Whether the chunk file is whole and intact, without decoding its frames (opening a cached analysis). */
export async function chunkIntact(path: string): Promise<boolean> {
  try {
    const before = identity(await stat(path));
    if (checked.get(path) === before) return true;
    const ok = parseChunk(await readFile(path)) !== null;
    if (ok) checked.set(path, before);
    else checked.delete(path);
    return ok;
  } catch {
    checked.delete(path);
    return false;
  }
}
