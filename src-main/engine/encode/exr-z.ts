import { deflateSync } from 'node:zlib';

/**
 * OpenEXR at the byte level, for depth (layout: openexr.com "OpenEXR File Layout"): writing a
 * single-channel 32-bit float "Z" scanline file, which compositors (Nuke, Blender, Resolve) take as a
 * depth pass and three's EXRExporter cannot write (RGBA only); and renaming a file's depth channel to
 * "Y" so three's EXRLoader (which reads R/G/B or Y) decodes it with its own decompressors.
 */
const MAGIC = 20000630;
const FLOAT = 2;
const ZIP = 3;
/** Scanlines per chunk for each compression (NONE, RLE, ZIPS, ZIP, PIZ, PXR24, B44, B44A, DWAA, DWAB). */
const LINES = [1, 1, 1, 16, 32, 16, 32, 32, 32, 256];
/** Version flags that make a file something other than one part of scanlines. */
const TILED = 0x200, NON_IMAGE = 0x800, MULTIPART = 0x1000;

function attribute(name: string, type: string, value: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32LE(value.length);
  return Buffer.concat([Buffer.from(`${name}\0${type}\0`, 'latin1'), size, value]);
}

const ints = (...v: number[]) => Buffer.from(Int32Array.from(v).buffer);
const floats = (...v: number[]) => Buffer.from(Float32Array.from(v).buffer);

interface Channel { name: string; type: number; linear: number; xs: number; ys: number }

function chlist(channels: Channel[]): Buffer {
  return Buffer.concat([
    ...channels.map((c) => Buffer.concat([Buffer.from(`${c.name}\0`, 'latin1'), ints(c.type), Buffer.from([c.linear, 0, 0, 0]), ints(c.xs, c.ys)])),
    Buffer.from([0]),
  ]);
}

/** OpenEXR's ZIP: bytes split into even and odd halves, then a delta predictor, then zlib. */
function zipBlock(raw: Buffer): Buffer {
  const n = raw.length, t = Buffer.alloc(n);
  const half = (n + 1) >> 1;
  for (let i = 0; i < n; i++) t[(i & 1 ? half : 0) + (i >> 1)] = raw[i];
  let p = t[0];
  for (let i = 1; i < n; i++) {
    const v = t[i];
    t[i] = (v - p + 384) & 0xff;
    p = v;
  }
  const z = deflateSync(t);
  // A block that does not shrink is stored as it is (readers tell by its size).
  return z.length < n ? z : raw;
}

/** A single-channel FLOAT "Z" scanline EXR, ZIP compressed, top row first (the format's own order). */
export function encodeZExr(depth: Float32Array, width: number, height: number): Uint8Array {
  const header = Buffer.concat([
    ints(MAGIC, 2),
    attribute('channels', 'chlist', chlist([{ name: 'Z', type: FLOAT, linear: 0, xs: 1, ys: 1 }])),
    attribute('compression', 'compression', Buffer.from([ZIP])),
    attribute('dataWindow', 'box2i', ints(0, 0, width - 1, height - 1)),
    attribute('displayWindow', 'box2i', ints(0, 0, width - 1, height - 1)),
    attribute('lineOrder', 'lineOrder', Buffer.from([0])),
    attribute('pixelAspectRatio', 'float', floats(1)),
    attribute('screenWindowCenter', 'v2f', floats(0, 0)),
    attribute('screenWindowWidth', 'float', floats(1)),
    Buffer.from([0]),
  ]);
  const lines = LINES[ZIP], blocks = Math.ceil(height / lines);
  const chunks: Buffer[] = [];
  const table = Buffer.alloc(8 * blocks);
  let at = header.length + table.length;
  const bytes = Buffer.from(depth.buffer, depth.byteOffset, width * height * 4);
  for (let b = 0; b < blocks; b++) {
    const y0 = b * lines, y1 = Math.min(height, y0 + lines);
    const data = zipBlock(Buffer.from(bytes.subarray(y0 * width * 4, y1 * width * 4)));
    const chunk = Buffer.concat([ints(y0, data.length), data]);
    table.writeBigUInt64LE(BigInt(at), 8 * b);
    at += chunk.length;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat([header, table, ...chunks]));
}

/** The channel other tools write depth to: Z, a layer's ".Z" (depth.Z, ViewLayer.Depth.Z), or a file's only channel. */
function depthChannel(channels: Channel[]): Channel | undefined {
  return channels.find((c) => c.name === 'Z') ?? channels.find((c) => /(^|\.)(Z|depth)$/i.test(c.name)) ?? (channels.length === 1 ? channels[0] : undefined);
}

/**
 * The file with its depth channel renamed "Y" and any R, G, B, A, Y, RY, BY renamed out of the way, so a
 * reader of luminance files decodes the depth; the chunk offsets move with the header's new length.
 * Files without such a channel, or not one part of scanlines, come back as they are.
 */
export function depthAsLuminance(buf: Uint8Array): Uint8Array {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || b.readInt32LE(0) !== MAGIC || b.readInt32LE(4) & (TILED | NON_IMAGE | MULTIPART)) return buf;
  const cstr = (at: number) => {
    const end = b.indexOf(0, at);
    if (end < 0) throw new Error('truncated header');
    return { s: b.toString('latin1', at, end), next: end + 1 };
  };
  const attrs: { name: string; type: string; value: Buffer }[] = [];
  let at = 8;
  while (b[at] !== 0) {
    const name = cstr(at), type = cstr(name.next);
    const size = b.readInt32LE(type.next);
    attrs.push({ name: name.s, type: type.s, value: b.subarray(type.next + 4, type.next + 4 + size) });
    at = type.next + 4 + size;
  }
  const headerEnd = at + 1;
  const ch = attrs.find((a) => a.name === 'channels');
  const comp = attrs.find((a) => a.name === 'compression');
  const dw = attrs.find((a) => a.name === 'dataWindow');
  if (!ch || !comp || !dw) return buf;
  const channels: Channel[] = [];
  for (let p = 0; ch.value[p] !== 0; ) {
    const end = ch.value.indexOf(0, p);
    const name = ch.value.toString('latin1', p, end);
    const v = ch.value;
    channels.push({ name, type: v.readInt32LE(end + 1), linear: v[end + 5], xs: v.readInt32LE(end + 9), ys: v.readInt32LE(end + 13) });
    p = end + 17;
  }
  const depth = depthChannel(channels);
  if (!depth || depth.name === 'Y') return buf;
  const taken = new Set(['R', 'G', 'B', 'A', 'Y', 'RY', 'BY']);
  const renamed = channels.map((c) => ({ ...c, name: c === depth ? 'Y' : taken.has(c.name) ? c.name.toLowerCase() : c.name }));
  const header = Buffer.concat([b.subarray(0, 8), ...attrs.map((a) => attribute(a.name, a.type, a === ch ? chlist(renamed) : a.value)), Buffer.from([0])]);
  const lines = LINES[comp.value[0]] ?? 1;
  const blocks = Math.ceil((dw.value.readInt32LE(12) - dw.value.readInt32LE(4) + 1) / lines);
  const delta = BigInt(header.length - headerEnd);
  const table = Buffer.from(b.subarray(headerEnd, headerEnd + 8 * blocks));
  for (let i = 0; i < blocks; i++) table.writeBigUInt64LE(table.readBigUInt64LE(8 * i) + delta, 8 * i);
  return new Uint8Array(Buffer.concat([header, table, b.subarray(headerEnd + 8 * blocks)]));
}
