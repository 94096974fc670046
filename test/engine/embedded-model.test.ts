import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { getManifest, type ModelManifest } from '../../src-main/engine/infer/manifest.ts';
import { resolveModel } from '../../src-main/engine/infer/resolve-model.ts';
import { loadModel, type LoadedModel } from '../../src-main/engine/infer/session.ts';
import { frameToTensor } from '../../src-main/engine/preprocess/index.ts';
import { builtinModelDir } from '../../src-main/engine/runtime-paths.ts';
import type { RgbFrame } from '../../src-main/common/types.ts';
import { depthAgreement, type DepthAgreement } from '../../research/eval/depth-agreement.ts';
import { clip, dataset, REPO_ROOT, sharedPath } from '../helpers/shared.ts';

/**
 * The built-in int8 FastDepth (models/fastdepth-int8.onnx, made by research/convert-fastdepth-int8.py from
 * the shared TFLite) against the shared fp32 ONNX of the same weights. Its activations are rounded to int8
 * at every layer, so the two differ by that rounding: over 8 frames of each shared clip at 224x224,
 * research/verify-fastdepth-int8.ts measured Pearson r 0.98 on average (lowest frame 0.92) and a mean
 * |int8 - fp32| / fp32 of 0.026 (highest frame 0.063). The bounds below sit just outside those.
 */
const SQUARE = { width: 224, height: 224 };
let int8: LoadedModel;
let fp32: LoadedModel;
let manifest: ModelManifest;

async function depthOf(m: LoadedModel, f: RgbFrame, size = SQUARE): Promise<Float32Array> {
  const x = new Float32Array(3 * size.width * size.height);
  frameToTensor(f, size, m.manifest, x, 0);
  const r = await m.run(x, [1, 3, size.height, size.width]);
  expect(r.dims).toEqual([1, size.height, size.width]);
  return r.depth.slice();
}

async function pngFrame(path: string): Promise<RgbFrame> {
  const png = PNG.sync.read(await readFile(path));
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = png.data[i * 4 + c];
  return { index: 0, time: 0, width: png.width, height: png.height, data };
}

beforeAll(async () => {
  manifest = await getManifest('fastdepth-int8');
  const reference = sharedPath('models', 'fastdepth', 'fastdepth-224.onnx');
  int8 = await loadModel(manifest, { device: 'cpu', threads: 1 });
  fp32 = await loadModel(await getManifest('fastdepth'), { device: 'cpu', threads: 1, path: reference });
});
afterAll(async () => {
  await int8?.close();
  await fp32?.close();
});

describe('the built-in depth model', () => {
  it('is the committed file its manifest names, by sha256, and not a copy of the shared fp32 files', async () => {
    const file = join(REPO_ROOT, 'models', manifest.file);
    const bytes = await readFile(file);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
    expect(int8.path).toBe(join(builtinModelDir(), manifest.file));
    // int8 weights: about a quarter of the fp32 file's 6 MB
    expect(bytes.length).toBeGreaterThan(1_000_000);
    expect(bytes.length).toBeLessThan(2_000_000);
    for (const shared of ['fastdepth-224.onnx', 'fastdepth-dynamic.onnx']) {
      const other = createHash('sha256').update(await readFile(sharedPath('models', 'fastdepth', shared))).digest('hex');
      expect(other).not.toBe(manifest.sha256);
    }
    // QDQ int8: the weights are stored as int8 initialisers read through DequantizeLinear
    expect(bytes.includes(Buffer.from('QuantizeLinear'))).toBe(true);
    expect(bytes.includes(Buffer.from('DequantizeLinear'))).toBe(true);
  });

  it('keeps both licence notices beside it', async () => {
    const notice = await readFile(join(REPO_ROOT, 'models', 'LICENSES', 'NOTICE.md'), 'utf8');
    expect(notice).toMatch(/MIT/);
    expect(notice).toMatch(/Apache License 2\.0/);
    expect(await readFile(join(REPO_ROOT, 'models', 'LICENSES', 'FastDepth-MIT.txt'), 'utf8')).toMatch(/Copyright \(c\) 2019 Diana Wofk/);
    expect(await readFile(join(REPO_ROOT, 'models', 'LICENSES', 'Apache-2.0.txt'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    expect(manifest.licence.id).toBe('MIT AND Apache-2.0');
  });

  it('agrees with the shared fp32 model on real frames within int8 rounding', async () => {
    const frames: RgbFrame[] = [];
    for (const [name, index] of [['cockatoo.mp4', 140], ['cityCC0.mpg', 40], ['tree.avi', 30]] as const) {
      frames.push(await readFrame(await probe(clip(name)), index, { width: 298 }));
    }
    frames.push(await pngFrame(join(dataset('kinect-room-5'), 'color', '3.png')));
    const scores: DepthAgreement[] = [];
    for (const f of frames) scores.push(depthAgreement(await depthOf(int8, f), await depthOf(fp32, f)));
    console.log(scores.map((s) => `pearson ${s.pearson.toFixed(3)} absRel ${s.absRel.toFixed(3)} mean ${(s.meanOther / s.meanRef - 1).toFixed(4)}`).join('\n'));
    for (const s of scores) {
      expect(s.pearson).toBeGreaterThan(0.9);
      expect(s.absRel).toBeLessThan(0.08);
      expect(Math.abs(s.meanOther / s.meanRef - 1)).toBeLessThan(0.06);
    }
    const mean = (k: 'pearson' | 'absRel') => scores.reduce((t, s) => t + s[k], 0) / scores.length;
    expect(mean('pearson')).toBeGreaterThan(0.96);
    expect(mean('absRel')).toBeLessThan(0.045);
    // The bounds tell frames apart: the int8 depth of one frame does not pass for the fp32 depth of another.
    const crossed = depthAgreement(await depthOf(int8, frames[0]), await depthOf(fp32, frames[1]));
    expect(crossed.pearson).toBeLessThan(0.9);
  });

  it('runs at any size that is a multiple of 32 (symbolic height and width), agreeing with the shared dynamic fp32 file', async () => {
    expect(int8.io.height).toBeNull();
    expect(int8.io.width).toBeNull();
    const size = { width: 288, height: 224 };
    // The fastdepth manifest pins fastdepth-224.onnx's checksum; the dynamic file has the same weights.
    const { sha256: _pinned, ...unpinned } = await getManifest('fastdepth');
    const dyn = await loadModel(unpinned, { device: 'cpu', threads: 1, path: sharedPath('models', 'fastdepth', 'fastdepth-dynamic.onnx') });
    try {
      const f = await pngFrame(join(dataset('kinect-room-5'), 'color', '1.png'));
      const s = depthAgreement(await depthOf(int8, f, size), await depthOf(dyn, f, size));
      expect(s.pearson).toBeGreaterThan(0.9);
      expect(s.absRel).toBeLessThan(0.08);
    } finally {
      await dyn.close();
    }
  });

  describe('model resolution', () => {
    const saved = { ...process.env };
    let empty: string;
    beforeAll(async () => {
      empty = await mkdtemp(join(tmpdir(), 'gemdepth-nomodels-'));
    });
    afterAll(async () => {
      process.env = saved;
      await rm(empty, { recursive: true, force: true });
    });

    it('runs the shared fp32 FastDepth when it is installed (dev and CI)', async () => {
      sharedPath('models', 'fastdepth', 'fastdepth-224.onnx');
      const r = await resolveModel('fastdepth');
      expect(r.manifest.id).toBe('fastdepth');
      expect(r.builtIn).toBe(false);
      expect(r.requested).toBeUndefined();
    });

    it('falls back to the built-in model when no FastDepth is installed (a fresh install)', async () => {
      process.env.GEMDEPTH_SHARED = join(empty, 'no-shared-here');
      process.env.GEMDEPTH_MODELS = empty;
      process.env.XDG_DATA_HOME = empty;
      const r = await resolveModel('fastdepth');
      expect(r.manifest.id).toBe('fastdepth-int8');
      expect(r.path).toBe(join(builtinModelDir(), 'fastdepth-int8.onnx'));
      expect(r.builtIn).toBe(true);
      expect(r.requested).toBe('fastdepth');
      // A model without a fallback still says how to get it.
      await expect(resolveModel('depth-anything-v2-small')).rejects.toThrow(/not found in .*gemdepth models download|get it from/);
      process.env = { ...saved };
    });
  });
});
