import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src-main/common/errors.ts';
import { listManifests, parseManifest, STANDARD_WINDOW_PRESETS, type ModelManifest } from '../../src-main/engine/infer/manifest.ts';
import { findModelFile } from '../../src-main/engine/infer/model-paths.ts';
import { loadModel } from '../../src-main/engine/infer/session.ts';
import { loadModelThreaded } from '../../src-main/engine/infer/model-thread.ts';
import { depthAtResolution } from '../../src-main/engine/infer/postprocess.ts';
import { roundTripInPlace } from '../../src-main/engine/cache/quantize.ts';
import { frameToTensor } from '../../src-main/engine/preprocess/index.ts';
import { planProviders } from '../../src-main/engine/infer/providers.ts';
import { sharedModels } from '../helpers/shared.ts';
import { windowedManifestJson, windowedModel, writeModel } from './helpers/onnx-models.ts';

let dir = '';
const manifest = (over: Partial<ModelManifest> = {}): ModelManifest =>
  parseManifest({ ...windowedManifestJson(STANDARD_WINDOW_PRESETS.small), ...over }, 'test');

async function loadError(m: ModelManifest, path: string, load = loadModel): Promise<string> {
  try {
    const model = await load(m, { path, device: 'cpu', cacheDir: dir });
    await model.close();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).code).toMatch(/^E[A-Z]+$/);
    return (e as Error).message;
  }
  throw new Error('expected the load to fail');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gemdepth-verify-'));
});
afterAll(() => {});

describe('model manifests', () => {
  it('every bundled manifest parses, and fastdepth is found on the search path with its checksum', async () => {
    const all = await listManifests();
    expect(all.map((m) => m.id).sort()).toEqual(['depth-anything-v2-small', 'fastdepth', 'fastdepth-int8', 'gemdepth', 'video-depth-anything-small']);
    const fd = all.find((m) => m.id === 'fastdepth')!;
    process.env.GEMDEPTH_MODELS = sharedModels();
    const path = findModelFile(fd);
    expect(path).toMatch(/fastdepth[\\/]fastdepth-224\.onnx$/);
    const model = await loadModel(fd, { device: 'cpu', cacheDir: dir });
    expect(model.sha256).toBe(fd.sha256);
    expect(model.io).toEqual({ batch: 1, T: null, height: 224, width: 224 });
    expect(model.deviceLabel).toMatch(/^cpu \(/);
    const out = await model.run(new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]);
    expect(out.dims).toEqual([1, 224, 224]);
    await model.close();
  });

  it('rejects a malformed manifest with the field named', () => {
    expect(() => manifest({ window: { default: 'small', presets: { small: { ...STANDARD_WINDOW_PRESETS.small, keyframes: [1, 3, 6, 7] } } } })).toThrow(
      /invalid model manifest test: window\.presets\.small.*keyframes\[0\] must be 0/,
    );
  });

  it('a missing model file names where it looked and where to get it', () => {
    expect(() => findModelFile(manifest({ file: 'nowhere.onnx' }), [dir])).toThrow(
      new RegExp(`model file nowhere\\.onnx for 'test-windowed' not found in ${dir}.*get it from https://example\\.org/model`),
    );
  });

  it('CPU is chosen with the reason when the CUDA provider is absent', () => {
    expect(planProviders('cpu')).toEqual({ order: ['cpu'], reason: 'requested' });
    const auto = planProviders('auto');
    if (auto.order[0] === 'cpu') expect(auto.reason).toMatch(/CUDA provider not installed|no NVIDIA GPU/);
  });
});

describe('loading verifies the file against the manifest', () => {
  it('accepts the matching windowed model', async () => {
    const path = await writeModel(join(dir, 'ok.onnx'), windowedModel({ T: 8, posesName: 'poses' }).bytes);
    const m = await loadModel(manifest(), { path, device: 'cpu', cacheDir: dir });
    expect(m.io).toEqual({ batch: 1, T: 8, height: null, width: null });
    await m.close();
  });

  it('wrong input name', async () => {
    const path = await writeModel(join(dir, 'name.onnx'), windowedModel({ T: 8, inputName: 'video', posesName: 'poses' }).bytes);
    expect(await loadError(manifest(), path)).toBe(
      `model ${path} does not match manifest 'test-windowed': expected input 'images', found 'video'`,
    );
  });

  it('wrong input rank', async () => {
    const path = await writeModel(join(dir, 'rank.onnx'), windowedModel({ T: 8, inputRank: 4 }).bytes);
    expect(await loadError(manifest({ poses: undefined }), path)).toBe(
      `model ${path} does not match manifest 'test-windowed': expected input 'images' of rank 5 [1,T,3,H,W], found rank 4 [1,3,h,w]`,
    );
  });

  it('missing pose output', async () => {
    const path = await writeModel(join(dir, 'noposes.onnx'), windowedModel({ T: 8 }).bytes);
    expect(await loadError(manifest(), path)).toBe(
      `model ${path} does not match manifest 'test-windowed': expected pose output 'poses', found 'depth'`,
    );
  });

  it('wrong checksum', async () => {
    const path = await writeModel(join(dir, 'sum.onnx'), windowedModel({ T: 8, posesName: 'poses' }).bytes);
    const bad = '0'.repeat(64);
    const msg = await loadError(manifest({ sha256: bad }), path);
    expect(msg).toMatch(new RegExp(`^model file .*sum\\.onnx has the wrong checksum: expected sha256 ${bad}, found [0-9a-f]{64} \\(re-download it from https://example\\.org/model\\)$`));
  });

  it('fixed size mismatch (FastDepth declared as 256x256)', async () => {
    const fd = (await listManifests()).find((m) => m.id === 'fastdepth')!;
    const path = join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
    expect(await loadError({ ...fd, size: { fixed: [256, 256] } }, path)).toBe(
      `model ${path} does not match manifest 'fastdepth': expected input size 256x256 (HxW), found [1,3,224,224]`,
    );
  });

  it('a file that is not ONNX is one clear error', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model');
    expect(await loadError(manifest(), path)).toMatch(/^cannot load model .*junk\.onnx: /);
  });
});

/** The model's output on this thread. */
async function runHere(fd: ModelManifest, path: string, tensor: Float32Array) {
  const m = await loadModel(fd, { path, device: 'cpu', cacheDir: dir });
  const out = await m.run(tensor.slice(), [1, 3, 224, 224]);
  const depth = out.depth.slice();
  await m.close();
  return { depth };
}

describe('the inference thread (analysis runs the session off the main thread)', () => {
  it('gives the same depth as the in-thread session, bit for bit, and takes the input without a copy', async () => {
    const fd = (await listManifests()).find((m) => m.id === 'fastdepth')!;
    const path = join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
    const input = new Float32Array(3 * 224 * 224).map((_v, i) => Math.sin(i * 0.01));
    const local = await loadModel(fd, { path, device: 'cpu', cacheDir: dir });
    const want = await local.run(input.slice(), [1, 3, 224, 224]);
    await local.close();
    const remote = await loadModelThreaded(fd, { path, device: 'cpu', cacheDir: dir });
    expect(remote.io).toEqual({ batch: 1, T: null, height: 224, width: 224 });
    expect(remote.sha256).toBe(fd.sha256);
    const sent = input.slice();
    const [a, b] = await Promise.all([remote.run(sent, [1, 3, 224, 224]), remote.run(input.slice(), [1, 3, 224, 224])]);
    expect(sent.length).toBe(0); // transferred to the worker
    expect(a.dims).toEqual(want.dims);
    expect(Buffer.from(a.depth.buffer).equals(Buffer.from(want.depth.buffer, want.depth.byteOffset, want.depth.byteLength))).toBe(true);
    expect(b.depth).toEqual(a.depth);
    // Frames in, depth at the analysis resolution out, preprocessed and resized on the thread: the same
    // values as here, and the frames' pixels back in place, unchanged.
    const frame = { index: 0, time: 0, width: 398, height: 224, data: Uint8Array.from({ length: 398 * 224 * 3 }, (_v, i) => (i * 7 + (i >> 9)) & 255) };
    const pixels = frame.data.slice();
    const size = { width: 224, height: 224 };
    const depthSize = { width: 398, height: 224 };
    const tensor = new Float32Array(3 * 224 * 224);
    frameToTensor(frame, size, fd, tensor, 0);
    const here = await runHere(fd, path, tensor);
    const wantDepth = depthAtResolution(here.depth, 224, 224, depthSize, fd);
    const [got] = await remote.runFrames!([frame], size, depthSize, 1);
    expect(got.length).toBe(398 * 224);
    expect(Buffer.from(got.buffer).equals(Buffer.from(wantDepth.buffer))).toBe(true);
    expect(Buffer.from(frame.data).equals(Buffer.from(pixels))).toBe(true);
    // Several batches in flight at once, as analysis sends them: each its own answer.
    const other = { ...frame, index: 1, data: pixels.map((v) => 255 - v) };
    const otherTensor = new Float32Array(3 * 224 * 224);
    frameToTensor(other, size, fd, otherTensor, 0);
    const wantOther = depthAtResolution((await runHere(fd, path, otherTensor)).depth, 224, 224, depthSize, fd);
    const batches = await Promise.all([0, 1, 2, 3].map((k) => remote.runFrames!([{ ...frame, index: k, data: (k % 2 ? other : frame).data.slice() }], size, depthSize, 1)));
    for (const [k, [d]] of batches.entries()) expect(Buffer.from(d.buffer).equals(Buffer.from((k % 2 ? wantOther : wantDepth).buffer)), `batch ${k}`).toBe(true);
    // Finished frames' arrays handed back (analysis recycles them): moved to the thread, their old values
    // overwritten; one of the wrong size is not used.
    const spare = [new Float32Array(398 * 224).fill(7), new Float32Array(10).fill(7)];
    const [inSpare] = await remote.runFrames!([{ ...frame, data: pixels.slice() }], size, depthSize, 1, spare);
    expect(spare.map((s) => s.length)).toEqual([0, 0]);
    expect(Buffer.from(inSpare.buffer).equals(Buffer.from(wantDepth.buffer))).toBe(true);
    const [afterSpare] = await remote.runFrames!([{ ...other, data: other.data.slice() }], size, depthSize, 1);
    expect(Buffer.from(afterSpare.buffer).equals(Buffer.from(wantOther.buffer))).toBe(true);
    // With the cache's round trip on the thread (analysis): the same bits as roundTripInPlace here, for
    // the depth and its quantised form, also into recycled uint16 arrays (moved; the wrong size unused).
    const wantCached = wantDepth.slice();
    const wantQ = roundTripInPlace(wantCached);
    expect(Buffer.from(wantCached.buffer).equals(Buffer.from(wantDepth.buffer))).toBe(false);
    const spareQ = [new Uint16Array(398 * 224).fill(9), new Uint16Array(10)];
    for (const q of [spareQ, undefined]) {
      const [c] = await remote.runFramesCached!([{ ...frame, data: pixels.slice() }], size, depthSize, 1, [], q);
      expect(Buffer.from(c.depth.buffer).equals(Buffer.from(wantCached.buffer))).toBe(true);
      expect([c.quantized.offset, c.quantized.scale]).toEqual([wantQ.offset, wantQ.scale]);
      expect(Buffer.from(c.quantized.data.buffer).equals(Buffer.from(wantQ.data.buffer))).toBe(true);
    }
    expect(spareQ.map((s) => s.length)).toEqual([0, 0]);
    await remote.close();
    await expect(remote.run(input, [1, 3, 224, 224])).rejects.toThrow(/closed/);
  });

  it('a manifest mismatch is the same one-line user error as in-thread', async () => {
    const path = await writeModel(join(dir, 'name-thread.onnx'), windowedModel({ T: 8, inputName: 'video', posesName: 'poses' }).bytes);
    expect(await loadError(manifest(), path, loadModelThreaded)).toBe(await loadError(manifest(), path));
  });

  it('a failing run rejects that run only', async () => {
    const path = await writeModel(join(dir, 'ok-thread.onnx'), windowedModel({ T: 8, posesName: 'poses' }).bytes);
    const m = await loadModelThreaded(manifest(), { path, device: 'cpu', cacheDir: dir });
    await expect(m.run(new Float32Array(10), [1, 8, 3, 2, 2])).rejects.toThrow(/./);
    const ok = await m.run(new Float32Array(8 * 3 * 16 * 16), [1, 8, 3, 16, 16]);
    expect(ok.dims[0]).toBe(8);
    expect(ok.poses?.length).toBe(8 * 9);
    await m.close();
  });
});
