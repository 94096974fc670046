import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeParts } from '../../src-main/engine/cache/write-parts.ts';
import { encodeChunk, readChunk, writeChunk } from '../../src-main/engine/cache/chunk-file.ts';
import { npyParts } from '../../src-main/engine/encode/npy.ts';
import { tempDir } from '../helpers/tools.ts';

/** The analysis's .npy files and cache chunks go through writeParts: the bytes fs/promises writeFile wrote. */
describe('writeParts', () => {
  it('writes the parts in order, views and empty parts included, replacing a longer file whole', async () => {
    const dir = await tempDir('gemdepth-parts-');
    const big = new Float32Array(200_000).map((_, i) => Math.sin(i));
    // A view into the middle of a larger buffer, an empty part, a .npy's header and data.
    const parts = [Buffer.from('head'), new Uint8Array(big.buffer, 4000, 12_345), new Uint8Array(0), ...npyParts(big.subarray(10, 10 + 64 * 48), [48, 64])];
    const a = join(dir, 'a'), b = join(dir, 'b');
    await writeFile(a, parts);
    await writeFile(b, Buffer.alloc(2_000_000, 7));
    await writeParts(b, parts);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    await writeParts(b, []);
    expect(readFileSync(b).length).toBe(0);
  });

  it('fails where the file cannot be made, and a written chunk reads back whole', async () => {
    const dir = await tempDir('gemdepth-parts-');
    await expect(writeParts(join(dir, 'missing', 'x'), [Buffer.from('x')])).rejects.toThrow(/ENOENT/);
    const c = { first: 32, width: 8, height: 4, frames: [1, 2].map((k) => ({ depth: Float32Array.from({ length: 32 }, (_, i) => k + i / 10) })) };
    const path = join(dir, 'chunk_000032_2.bin');
    await writeChunk(path, c);
    expect(readFileSync(path).equals(encodeChunk(c))).toBe(true);
    expect((await readChunk(path))?.frames.length).toBe(2);
  });
});
