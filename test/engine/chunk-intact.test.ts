import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkIntact, writeChunk } from '../../src-main/engine/cache/chunk-file.ts';
import { tempDir } from '../helpers/tools.ts';

/**
 * Opening a cached analysis checks every chunk's sha256 once per process and remembers the file's identity;
 * a chunk replaced or rewritten since must be checked again (and found corrupt).
 */
describe('chunkIntact', () => {
  const chunk = () => ({ first: 0, width: 8, height: 4, frames: [{ depth: Float32Array.from({ length: 32 }, (_, i) => 1 + i / 10) }] });

  it('finds a corrupted chunk after an earlier check passed, whether replaced by rename or rewritten in place', async () => {
    const dir = await tempDir('gemdepth-chunk-');
    const path = join(dir, 'chunk_000000_1.bin');
    await writeChunk(path, chunk());
    expect(await chunkIntact(path)).toBe(true);
    expect(await chunkIntact(path), 'remembered').toBe(true);

    // A new file renamed over it (a new inode), corrupt.
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(join(dir, 'other'), bytes);
    renameSync(join(dir, 'other'), path);
    expect(await chunkIntact(path)).toBe(false);

    // Rewritten whole, then corrupted in place with a different size.
    await writeChunk(path, chunk());
    expect(await chunkIntact(path)).toBe(true);
    writeFileSync(path, readFileSync(path).subarray(0, 40));
    expect(await chunkIntact(path)).toBe(false);
  });
});
