import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src-main/engine/encode/npy.ts';
import { openAnalysis, runAnalysis, type AnalysisResult, type AnalyzeOptions } from '../../src-main/engine/jobs/analyze.ts';
import { CancelledError } from '../../src-main/common/errors.ts';
import { readPly } from '../../src-main/engine/geometry/pointcloud.ts';
import type { Progress } from '../../src-main/common/types.ts';
import { clip, dataset, sharedModels } from '../helpers/shared.ts';

let tmp = '';
beforeAll(async () => {
  process.env.GEMDEPTH_MODELS = sharedModels();
  tmp = await mkdtemp(join(tmpdir(), 'gemdepth-analyze-'));
});

async function allDepth(r: AnalysisResult): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = r.start; i <= r.end; i++) out.push((await r.readDepth(i)).data);
  return out;
}

async function checkOutputs(dir: string, frames: number[], w: number, h: number) {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.npy')).sort();
  expect(names).toEqual(frames.map((i) => `depth_${String(i).padStart(6, '0')}.npy`));
  for (const n of names) {
    const { data, shape } = decodeNpy(await readFile(join(dir, n)));
    expect(shape).toEqual([h, w]);
    let bad = 0;
    for (const v of data) if (!(Number.isFinite(v) && v > 0)) bad++;
    expect(bad).toBe(0);
  }
}

describe('analyze with FastDepth', () => {
  it('realshort.mp4: one positive finite .npy a frame, meta.json and a preview', async () => {
    const out = join(tmp, 'realshort');
    const progress: Progress[] = [];
    const r = await runAnalysis(
      { input: clip('realshort.mp4'), out, poses: false, cacheDir: join(tmp, 'cache'), device: 'cpu' },
      { onProgress: (p) => progress.push(p) },
    );
    expect([r.start, r.end, r.depthKind, r.modelId]).toEqual([0, 35, 'metric', 'fastdepth']);
    // 320x240 source, FastDepth's 224 short side, aspect kept.
    expect([r.width, r.height]).toEqual([298, 224]);
    await checkOutputs(out, Array.from({ length: 36 }, (_v, i) => i), 298, 224);
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ depthKind: 'metric', frameCount: 36, start: 0, end: 35, width: 298, height: 224, model: { id: 'fastdepth' } });
    // FastDepth's metres are its own indoor estimate: meta.json says so rather than 'metres'.
    expect(meta).toMatchObject({ unit: "metric (model's scale, unverified)", depthMeaning: expect.stringMatching(/model's metres, unverified/) });
    expect(meta.frameRate.num / meta.frameRate.den).toBeCloseTo(meta.frameRate.fps, 6);
    expect(meta.device).toMatch(/^cpu/);
    expect(existsSync(join(out, 'depth_preview.mp4'))).toBe(true);
    const last = progress.at(-1)!;
    expect([last.done, last.total]).toEqual([36, 36]);
    expect(last.device).toMatch(/^cpu/);
    // Not a constant map: the scene has near and far parts.
    const d = (await r.readDepth(10)).data;
    expect(Math.max(...d) / Math.min(...d)).toBeGreaterThan(1.5);
  });

  it('with poses, progress follows the frames taken in, not the geometry output held back for the scale', async () => {
    const seen: { done: number; t: number }[] = [];
    const t0 = performance.now();
    await runAnalysis({ input: clip('realshort.mp4'), cacheDir: join(tmp, 'c-poses'), preview: false }, { onProgress: (p) => seen.push({ done: p.done, t: performance.now() }) });
    const total = performance.now() - t0;
    for (let i = 1; i < seen.length; i++) expect(seen[i].done).toBeGreaterThanOrEqual(seen[i - 1].done);
    expect(seen.at(-1)!.done).toBe(36);
    // The whole clip fits in the scale smoother's 40-frame look-ahead, so every frame is written at the
    // end: counted on output, frames 1 to 30 would all show up within the last moments of the run.
    // (The field of view's estimate then holds the output a little longer; progress must not wait for it.)
    const at = (n: number) => seen.find((e) => e.done >= n)!.t - t0;
    expect(at(30)).toBeLessThan(0.7 * total);
  });

  it('--pointcloud inside --out survives the folder swap, and a cached analysis writes the same cloud', async () => {
    const base: AnalyzeOptions = { input: clip('realshort.mp4'), cacheDir: join(tmp, 'c-cloud'), preview: false };
    const out = join(tmp, 'cloud-out'), inside = join(out, 'scene.ply');
    await runAnalysis({ ...base, out, pointcloud: inside });
    const fresh = await readFile(inside);
    const cloud = readPly(fresh);
    expect(cloud.positions.length / 3).toBeGreaterThan(1000);
    expect(cloud.positions.every(Number.isFinite)).toBe(true);
    // From the cache: into the output folder again (replacing the earlier output, as --force asks), and
    // alone, without --out. The cache keeps
    // depth in 16 bits, so a few points fall into neighbouring voxels (measured: 114851 vs 114833).
    const events: string[] = [];
    await runAnalysis({ ...base, out, pointcloud: inside, replace: true }, { onProgress: (p) => { if (p.message) events.push(p.message); } });
    expect(events).toContain('from cache');
    const alone = join(tmp, 'cloud-alone.ply');
    await runAnalysis({ ...base, pointcloud: alone });
    const bounds = (c: { positions: Float32Array }) => {
      const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
      c.positions.forEach((v, i) => { lo[i % 3] = Math.min(lo[i % 3], v); hi[i % 3] = Math.max(hi[i % 3], v); });
      return [...lo, ...hi];
    };
    for (const file of [inside, alone]) {
      const cached = readPly(await readFile(file));
      expect(Math.abs(cached.positions.length / cloud.positions.length - 1)).toBeLessThan(0.005);
      bounds(cached).forEach((v, i) => expect(v).toBeCloseTo(bounds(cloud)[i], 1));
    }
  });

  it('tartanair-hospital frames folder (first 20 frames)', async () => {
    const out = join(tmp, 'tartan');
    const r = await runAnalysis({ input: join(dataset('tartanair-hospital'), 'rgb'), out, end: 19, poses: false, cacheDir: join(tmp, 'cache'), preview: false });
    expect([r.width, r.height]).toEqual([298, 224]);
    await checkOutputs(out, Array.from({ length: 20 }, (_v, i) => i), 298, 224);
    expect(existsSync(join(out, 'depth_preview.mp4'))).toBe(false);
  });

  it('cancel at a random frame, restart: equals an uninterrupted run; the cache serves the next call', async () => {
    const base: AnalyzeOptions = { input: clip('realshort.mp4'), start: 2, end: 33, poses: false, preview: false };
    const full = await runAnalysis({ ...base, cacheDir: join(tmp, 'c-full') });
    const cut = 3 + Math.floor(Math.random() * 26);
    const ac = new AbortController();
    const cacheDir = join(tmp, `c-cut-${cut}`);
    const err = await runAnalysis(
      { ...base, cacheDir, out: join(tmp, 'cut-out') },
      { signal: ac.signal, onProgress: (p) => p.done >= cut && ac.abort() },
    ).catch((e) => e);
    expect(err, `cancelled at ${cut}`).toBeInstanceOf(CancelledError);
    expect(existsSync(join(tmp, 'cut-out'))).toBe(false);
    expect(await openAnalysis({ ...base, cacheDir })).toBeNull();
    let firstDone = -1;
    const resumed = await runAnalysis({ ...base, cacheDir }, { onProgress: (p) => firstDone < 0 && (firstDone = p.done) });
    expect(resumed.cacheKey).toBe(full.cacheKey);
    expect(await allDepth(resumed)).toEqual(await allDepth(full));
    const again = await openAnalysis({ ...base, cacheDir });
    expect(again).not.toBeNull();
    // Other settings never reuse this entry.
    expect(await openAnalysis({ ...base, end: 32, cacheDir })).toBeNull();
  });

  it('a corrupt cache chunk is detected and recomputed', async () => {
    const base: AnalyzeOptions = { input: clip('realshort.mp4'), end: 20, poses: false, cacheDir: join(tmp, 'c-corrupt') };
    const r = await runAnalysis(base);
    const want = await allDepth(r);
    const entry = join(tmp, 'c-corrupt', 'depth', r.cacheKey);
    const chunk = (await readdir(entry)).filter((n) => n.startsWith('chunk_')).sort()[0];
    const bytes = await readFile(join(entry, chunk));
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(join(entry, chunk), bytes);
    expect(await openAnalysis(base)).toBeNull();
    const again = await runAnalysis(base);
    expect(await allDepth(again)).toEqual(want);
  });

  it('an unknown model lists the known ones', async () => {
    await expect(runAnalysis({ input: clip('realshort.mp4'), model: 'nope', cacheDir: join(tmp, 'cache') })).rejects.toThrow(
      /^unknown model 'nope': known models are .*fastdepth/,
    );
  });
});
