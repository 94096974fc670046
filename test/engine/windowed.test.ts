import { cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinManifestDir, STANDARD_WINDOW_PRESETS } from '../../src-main/engine/infer/manifest.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { runAnalysis, type AnalysisResult, type AnalyzeOptions } from '../../src-main/engine/jobs/analyze.ts';
import { WindowStitcher } from '../../src-main/engine/stitch/stitcher.ts';
import { windowCount, windowInputFrames } from '../../src-main/engine/stitch/windows.ts';
import { CancelledError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';
import { windowedManifestJson, windowedModel, writeModel } from './helpers/onnx-models.ts';

const P = STANDARD_WINDOW_PRESETS.small;
let tmp = '';
let gains: number[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gemdepth-windowed-'));
  const models = join(tmp, 'models');
  const manifests = join(tmp, 'manifests');
  await mkdir(models);
  await cp(builtinManifestDir(), manifests, { recursive: true });
  const m = windowedModel({ T: P.T, posesName: 'poses' });
  gains = m.gains;
  await writeModel(join(models, 'test-windowed.onnx'), m.bytes);
  await writeFile(
    join(manifests, 'test-windowed.json'),
    JSON.stringify(windowedManifestJson(P)),
  );
  process.env.GEMDEPTH_MANIFESTS = manifests;
  process.env.GEMDEPTH_MODELS = models;
});

async function allDepth(r: AnalysisResult): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = r.start; i <= r.end; i++) out.push((await r.readDepth(i)).data);
  return out;
}

describe('windowed model through onnxruntime', () => {
  it('analyze = the network run window by window, stitched (checked against the math done here)', async () => {
    const opts: AnalyzeOptions = { input: clip('realshort.mp4'), model: 'test-windowed', poses: false, cacheDir: join(tmp, 'c1'), out: join(tmp, 'out1') };
    const r = await runAnalysis(opts);
    expect([r.width, r.height, r.depthKind, r.end]).toEqual([128, 96, 'relative-inverse', 35]);
    // Expected: the graph's math (gain[slot] * mean RGB + 0.1) on the same decoded frames, stitched.
    const info = await probe(clip('realshort.mp4'));
    const means: Float32Array[] = [];
    for await (const f of readFrames(info, { width: 128, height: 96, scaleFlags: 'bilinear' })) { // as analyze decodes
      const m = new Float32Array(128 * 96);
      for (let i = 0; i < m.length; i++) m[i] = (f.data[i * 3] + f.data[i * 3 + 1] + f.data[i * 3 + 2]) / 3 / 255;
      means.push(m);
    }
    const L = means.length;
    const s = new WindowStitcher(P, L);
    const want: Float32Array[] = [];
    for (let k = 0; k < windowCount(L, P); k++) {
      want.push(...s.push(windowInputFrames(k, L, P).map((fr, slot) => means[fr].map((v) => gains[slot] * v + 0.1))).map((x) => x.depth));
    }
    want.push(...s.flush().map((x) => x.depth));
    const got = await allDepth(r);
    let maxErr = 0;
    got.forEach((g, i) => g.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - want[i][j])))));
    expect(maxErr).toBeLessThan(2e-3);
    // The windows really needed stitching: raw per-slot gains differ by up to 2x.
    expect(gains.at(-1)! / gains[0]).toBeGreaterThan(2);
    expect((await readdir(join(tmp, 'out1'))).filter((n) => n.endsWith('.npy'))).toHaveLength(36);
  });

  it('cancel mid-clip, restart: resumes from the stitch state and equals an uninterrupted run', async () => {
    const base: AnalyzeOptions = { input: clip('realshort.mp4'), model: 'test-windowed', poses: false, preview: false };
    const full = await runAnalysis({ ...base, cacheDir: join(tmp, 'c-full') });
    const cut = 6 + Math.floor(Math.random() * 24);
    const cacheDir = join(tmp, `c-cut-${cut}`);
    const ac = new AbortController();
    const err = await runAnalysis({ ...base, cacheDir }, { signal: ac.signal, onProgress: (p) => p.done >= cut && ac.abort() }).catch((e) => e);
    expect(err, `cancelled at ${cut}`).toBeInstanceOf(CancelledError);
    const entry = join(cacheDir, 'depth', full.cacheKey);
    const names = await readdir(entry);
    expect(names).toContain('stitch-state.bin');
    const resumed = await runAnalysis({ ...base, cacheDir });
    expect(await allDepth(resumed)).toEqual(await allDepth(full));
  });
});
