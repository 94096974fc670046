import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, readChunk, writeChunk } from '../../src-main/engine/cache/chunk-file.ts';
import { roundTrip, roundTripInPlace } from '../../src-main/engine/cache/quantize.ts';
import { fromBlockImage } from '../../src-main/common/api/depth-block.ts';
import { cachedDepthMap } from '../../src-main/engine/jobs/analysis-plan.ts';
import { decodeNpy, encodeNpy, npyParts } from '../../src-main/engine/encode/npy.ts';
import { writeFile } from 'node:fs/promises';
import { tempDir } from '../helpers/tools.ts';
import { colorizeDepth, depthRange } from '../../src-main/common/effects/colormap.ts';
import { toInverseDepth } from '../../src-main/common/depth.ts';

/**
 * The analysis writes its cache chunks and .npy files in pieces and round-trips depth in place (fewer
 * large arrays a frame): the bytes and values must be exactly what the one-buffer forms give.
 */
describe('analysis buffers', () => {
  // Depth-like values with a wide range and awkward fractions, so rounding differences would show.
  const depth = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 0.1 + 9.9 * Math.abs(Math.sin(i * 12.9898 + seed * 78.233)) ** 3);

  it('roundTripInPlace gives roundTrip\'s values and quantised data bit for bit', () => {
    for (const seed of [1, 2, 3]) {
      const src = depth(398 * 224, seed);
      const want = roundTrip(src.slice());
      const got = src.slice();
      const q = roundTripInPlace(got);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.depth.buffer))).toBe(true);
      expect(q.offset).toBe(want.quantized.offset);
      expect(q.scale).toBe(want.quantized.scale);
      expect(Buffer.from(q.data.buffer).equals(Buffer.from(want.quantized.data.buffer))).toBe(true);
      // And it did change the values (a no-op would also match if the source were already quantised).
      expect(Buffer.from(got.buffer).equals(Buffer.from(src.buffer))).toBe(false);
      // Into a recycled array (a written chunk's, old values in it): the same data, in that array.
      const into = new Uint16Array(src.length).fill(12345);
      const again = src.slice();
      const qi = roundTripInPlace(again, into);
      expect(qi.data).toBe(into);
      expect(Buffer.from(into.buffer).equals(Buffer.from(want.quantized.data.buffer))).toBe(true);
      expect(Buffer.from(again.buffer).equals(Buffer.from(want.depth.buffer))).toBe(true);
    }
  });

  it('a map read from the cache comes with its stored uint16 form on request, which gives it back bit for bit', () => {
    const w = 398, h = 224;
    const frames = [1, 2, 3].map((seed) => {
      const d = depth(w * h, seed);
      return { depth: d, quantized: roundTripInPlace(d) };
    });
    const chunk = decodeChunk(encodeChunk({ first: 0, width: w, height: h, frames }))!;
    for (const [k, f] of chunk.frames.entries()) {
      const plain = cachedDepthMap(k, 'metric', { ...f, width: w, height: h });
      expect(plain.stored).toBeUndefined();
      const map = cachedDepthMap(k, 'metric', { ...f, width: w, height: h }, true);
      expect(Buffer.from(map.data.buffer).equals(Buffer.from(frames[k].depth.buffer))).toBe(true);
      // Its own array, not a view of the chunk's (an export's worker would clone the whole chunk).
      expect(map.stored!.data.buffer.byteLength).toBe(w * h * 2);
      expect(Buffer.from(map.stored!.data.buffer).equals(Buffer.from(frames[k].quantized.data.buffer))).toBe(true);
      const img = { index: k, width: w, height: h, kind: 'metric' as const, min: 0.1, max: 10, intrinsics: null, range: null };
      const back = fromBlockImage({ ...img, q: map.stored! });
      expect(Buffer.from(back.data.buffer).equals(Buffer.from(map.data.buffer))).toBe(true);
      expect({ ...back, data: null }).toEqual({ ...img, data: null });
    }
  });

  it('a chunk written in pieces is encodeChunk\'s bytes and reads back as cached', async () => {
    const dir = await tempDir('gemdepth-chunk-parts-');
    const frames = [0, 1, 2].map((k) => {
      const d = depth(40 * 24, k);
      return { depth: d, quantized: roundTripInPlace(d), pose: Array.from({ length: 16 }, (_, i) => i + k), extra: { confidence: 0.5 + k, shotId: k } };
    });
    const c = { first: 32, width: 40, height: 24, frames };
    const path = join(dir, 'chunk_000032_3.bin');
    await writeChunk(path, c);
    const bytes = readFileSync(path);
    expect(bytes.equals(encodeChunk(c))).toBe(true);
    const back = await readChunk(path);
    expect(back).not.toBeNull();
    expect(decodeChunk(bytes)!.frames.length).toBe(3);
    for (let k = 0; k < 3; k++) {
      expect(Buffer.from(back!.frames[k].depth.buffer).equals(Buffer.from(frames[k].depth.buffer))).toBe(true);
      expect(back!.frames[k].pose).toEqual(frames[k].pose);
    }
  });

  it('an .npy written from its parts is encodeNpy\'s bytes, the depth unchanged', async () => {
    const dir = await tempDir('gemdepth-npy-parts-');
    const d = depth(398 * 224, 7);
    const path = join(dir, 'depth_000000.npy');
    await writeFile(path, npyParts(d, [224, 398]));
    const bytes = await readFile(path);
    expect(bytes.equals(encodeNpy(d, [224, 398]))).toBe(true);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([224, 398]);
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(d.buffer))).toBe(true);
    expect(() => npyParts(d, [224, 397])).toThrow(/does not match/);
  });

  it('the preview colours metric depth into a reused buffer exactly as from its inverse-depth map', () => {
    const d = depth(398 * 224, 11);
    d[5] = 0; // no depth: inverse 0
    d[6] = NaN;
    const inv = toInverseDepth(d, 'metric');
    const range = depthRange(inv);
    const want = colorizeDepth(inv, 398, 224, 'relative-inverse', range);
    const buf = new Uint8Array(398 * 224 * 3).fill(7);
    expect(colorizeDepth(d, 398, 224, 'metric', range, buf)).toBe(buf);
    expect(Buffer.from(buf).equals(Buffer.from(want))).toBe(true);
    expect(Buffer.from(colorizeDepth(d, 398, 224, 'metric')).equals(Buffer.from(colorizeDepth(inv, 398, 224, 'relative-inverse')))).toBe(true);
    expect(new Set(want).size).toBeGreaterThan(50);
  });
});
