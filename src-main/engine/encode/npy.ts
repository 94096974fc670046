/** The analysis's file for source frame `index` (depth_000042.npy). */
export function depthFileName(index: number): string {
  return `depth_${String(index).padStart(6, '0')}.npy`;
}

/** NumPy .npy v1.0, little-endian float32, C order: what `numpy.load` reads with no extra options. */
export function encodeNpy(data: Float32Array, shape: number[]): Buffer {
  return Buffer.concat(npyParts(data, shape));
}

/**
 * encodeNpy's bytes as its header and a view of `data` (no copy): a writer that takes pieces
 * (fs.writeFile with an array, writev) writes one file a frame without building it in memory.
 */
export function npyParts(data: Float32Array, shape: number[]): [Buffer, Buffer] {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape ${shape.join('x')} does not match ${data.length} values`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Magic (6) + version (2) + header length (2) + header must be a multiple of 64, ending in '\n'.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10 + header.length);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  head.write(header, 10, 'latin1');
  return [head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}

export function decodeNpy(buf: Uint8Array): { data: Float32Array; shape: number[] } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error('npy: bad magic');
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = b.toString('latin1', hstart, hstart + hlen);
  if (!header.includes("'<f4'")) throw new Error(`npy: only little-endian float32 is supported (${header.trim()})`);
  if (header.includes("'fortran_order': True")) throw new Error('npy: Fortran order is not supported');
  const shape = (header.match(/'shape':\s*\(([^)]*)\)/)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const off = hstart + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.byteLength));
  return { data, shape };
}
