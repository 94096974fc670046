import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalysis, type AnalysisResult, type AnalyzeOptions } from '../../src-main/engine/jobs/analyze.ts';
import { cachedSha256 } from '../../src-main/util/file-hash.ts';
import { writeChecked } from '../../src-main/util/checked-file.ts';
import { sharedModels } from '../helpers/shared.ts';
import { ffmpeg, tempDir } from '../helpers/tools.ts';

let tmp = '';
beforeAll(async () => {
  process.env.GEMDEPTH_MODELS = sharedModels();
  tmp = await tempDir('gemdepth-identity-');
});

async function depths(r: AnalysisResult): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = r.start; i <= r.end; i++) out.push((await r.readDepth(i)).data);
  return out;
}

const maxRelDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
  return m;
};

/** Overwrites `bytes` of `path` at `offset` with `src`'s bytes at the same place, then sets the old mtime back. */
async function editInPlace(path: string, src: string, offset: number, bytes: number) {
  const before = statSync(path);
  const patch = readFileSync(src).subarray(offset, offset + bytes);
  const fh = await open(path, 'r+');
  await fh.write(patch, 0, patch.length, offset);
  await fh.close();
  utimesSync(path, before.atimeMs / 1000, before.mtimeMs / 1000);
  const after = statSync(path);
  expect([after.size, Math.round(after.mtimeMs), after.ino]).toEqual([before.size, Math.round(before.mtimeMs), before.ino]);
}

const analyse = (input: string, cacheDir: string) =>
  runAnalysis({ input, cacheDir, poses: false, device: 'cpu', threads: 1, preview: false } satisfies AnalyzeOptions);

/**
 * The old fingerprint covered the first and last MiB: an edit in the middle that kept size and mtime
 * was served the old depth (measured up to 161% off). Each case compares the re-analysis with a fresh
 * analysis of the edited file in an empty cache.
 */
describe('cache identity covers the whole content', () => {
  it('a clip edited in the middle (same size, same mtime, same inode) is analysed again', async () => {
    // Uncompressed frames: an edit changes pixels without changing the size, like a careful in-place tool would.
    const a = join(tmp, 'a.nut');
    const b = join(tmp, 'b.nut');
    const raw = ['-c:v', 'rawvideo', '-pix_fmt', 'rgb24', '-frames:v', '48'];
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10', ...raw, a]);
    await ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=160x120:r=10', ...raw, b]);
    const size = statSync(a).size;
    expect(size).toBe(statSync(b).size);
    expect(size).toBeGreaterThan(2 * 2 ** 20 + 4 * 57600); // the edit lies outside the first and last MiB
    const cache = join(tmp, 'cache1');
    const before = await depths(await analyse(a, cache));
    await editInPlace(a, b, 2 ** 20 + 57600, 2 * 57600);
    const again = await analyse(a, cache);
    const fresh = await depths(await analyse(a, join(tmp, 'cache1-fresh')));
    const now = await depths(again);
    const changed = now.map((d, i) => maxRelDiff(d, before[i]));
    expect(Math.max(...changed)).toBeGreaterThan(0.05);
    for (let i = 0; i < now.length; i++) expect(maxRelDiff(now[i], fresh[i])).toBeLessThan(1e-3);
  });

  it('an image sequence whose frames are replaced by others of the same names and sizes is analysed again', async () => {
    const dir = join(tmp, 'seq');
    const other = join(tmp, 'other');
    mkdirSync(dir);
    mkdirSync(other);
    // Uncompressed PNGs: every frame has the same size whatever its picture.
    const png = ['-frames:v', '12', '-compression_level', '0', '-pred', 'none'];
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=128x96:r=10', ...png, join(dir, 'f_%03d.png')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=128x96:r=10', ...png, join(other, 'f_%03d.png')]);
    const cache = join(tmp, 'cache2');
    const before = await depths(await analyse(dir, cache));
    for (const n of ['f_005.png', 'f_006.png']) {
      const p = join(dir, n);
      const st = statSync(p);
      expect(statSync(join(other, n)).size).toBe(st.size);
      copyFileSync(join(other, n), p);
      utimesSync(p, st.atime, st.mtime);
    }
    const now = await depths(await analyse(dir, cache));
    const fresh = await depths(await analyse(dir, join(tmp, 'cache2-fresh')));
    expect(maxRelDiff(now[4], before[4])).toBeGreaterThan(0.05);
    expect(maxRelDiff(now[0], before[0])).toBeLessThan(1e-3);
    for (let i = 0; i < now.length; i++) expect(maxRelDiff(now[i], fresh[i])).toBeLessThan(1e-3);
  });

  it('a damaged or forged model-hash record never refuses the good model', async () => {
    const cache = join(tmp, 'cache3');
    const clipPath = join(tmp, 'small.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10', '-frames:v', '3', '-pix_fmt', 'yuv420p', clipPath]);
    await analyse(clipPath, cache);
    const table = join(cache, 'file-hashes.json');
    const forged = Object.fromEntries(Object.keys(JSON.parse(readFileSync(table).subarray(0, -32).toString())).map((k) => [k, 'f'.repeat(64)]));
    // Raw JSON without a checksum, then a checksummed table with wrong hashes: neither is believed.
    writeFileSync(table, JSON.stringify(forged));
    const model = join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
    const good = await cachedSha256(model, cache, 'f'.repeat(64));
    await writeChecked(table, JSON.stringify(forged));
    const r = await runAnalysis({ input: clipPath, cacheDir: join(cache), poses: false, device: 'cpu', threads: 1, preview: false, start: 1 });
    expect(r.end).toBe(2);
    expect(good).toMatch(/^2f61b24c/);
  });
});
