import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { encodeNpy } from '../../src-main/engine/encode/npy.ts';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';
import { expectOneLineError, runCli, tempDir } from '../helpers/tools.ts';

/**
 * Depth in and out: a synthetic metric depth for every frame of realshort.mp4 (320x240, 36 frames) is
 * imported from .npy, exported as 16-bit PNG, FFV1 gray16 and 32-bit EXR at the clip's size, and each
 * export imported again: the depth must come back within the format's precision (plus the depth cache's
 * 16-bit per-frame step, which every analysis goes through).
 */
const W = 320, H = 240, N = 36;
const input = clip('realshort.mp4');
const truth = (k: number) => {
  const d = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const box = x > 100 && x < 180 && y > 60 && y < 160;
      d[y * W + x] = box ? 0.8 + 0.01 * k : 1 + (3 * x) / W + (0.5 * y) / H + 0.05 * k;
    }
  return d;
};
const cacheStep = (k: number) => (4.5 + 0.05 * k - (0.8 + 0.01 * k)) / 65535;

let dir: string;
let cache: string;
const npyDir = () => join(dir, 'npy');

async function importedMaxError(from: string, unit?: 'metric' | 'inverse' | 'relative', map = (v: number) => v): Promise<{ kind: string; err: number[] }> {
  // Depth values only: the camera estimate (import-camera.test.ts) is left out.
  const a = await runAnalysis({ input, cacheDir: cache, depthFrom: from, depthUnit: unit, poses: false });
  const err: number[] = [];
  for (const k of [0, 17, N - 1]) {
    const d = await a.readDepth(k);
    expect([d.width, d.height]).toEqual([W, H]);
    const t = truth(k);
    let m = 0;
    for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(d.data[i] - map(t[i])));
    err.push(m);
  }
  return { kind: a.depthKind, err };
}

beforeAll(async () => {
  dir = await tempDir();
  cache = join(dir, 'cache');
  mkdirSync(npyDir());
  for (let k = 0; k < N; k++) writeFileSync(join(npyDir(), `depth_${String(k).padStart(6, '0')}.npy`), encodeNpy(truth(k), [H, W]));
});

describe('depth import and export round trip (all four formats)', () => {
  it('npy in (stated metric), PNG16 + FFV1 + EXR out, each imported back within its precision', async () => {
    const npy = await importedMaxError(npyDir(), 'metric');
    expect(npy.kind).toBe('metric');
    npy.err.forEach((e, n) => expect(e).toBeLessThanOrEqual(cacheStep([0, 17, N - 1][n]) * 0.51 + 1e-6));

    await runRender({
      input,
      out: join(dir, 'out.mp4'),
      effects: [parseEffectSpec('fog')],
      cacheDir: cache,
      depthFrom: npyDir(),
      depthUnit: 'metric',
      depthPng: join(dir, 'png'),
      depthMkv: join(dir, 'depth.mkv'),
      depthExr: join(dir, 'exr'),
    });
    // No --depth-unit: each export's sidecar says metric. PNG and FFV1 store millimetres.
    for (const [pass, tol] of [[join(dir, 'png'), 0.0005], [join(dir, 'depth.mkv'), 0.0005], [join(dir, 'exr'), 1e-6]] as const) {
      const r = await importedMaxError(pass);
      expect(r.kind).toBe('metric');
      console.log(`round trip ${pass}: max error ${r.err.map((e) => e.toExponential(2)).join(', ')} m`);
      r.err.forEach((e, n) => expect(e).toBeLessThanOrEqual(tol + 2 * cacheStep([0, 17, N - 1][n])));
    }
  });

  it('stated units: inverse is kept as disparity, relative (larger = farther) is turned into its inverse', async () => {
    const inv = await importedMaxError(npyDir(), 'inverse');
    expect(inv.kind).toBe('relative-inverse');
    inv.err.forEach((e) => expect(e).toBeLessThan(1e-4));
    const rel = await importedMaxError(npyDir(), 'relative', (v) => 1 / v);
    expect(rel.kind).toBe('relative-inverse');
    rel.err.forEach((e) => expect(e).toBeLessThan(1e-4));
  });
});

describe('bad depth passes are refused in one line', () => {
  const refused = async (from: string, unit: 'metric' | undefined, pattern: RegExp) => {
    const e = await runAnalysis({ input, cacheDir: cache, depthFrom: from, depthUnit: unit }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(pattern);
    expect((e as Error).message).not.toContain('\n');
  };

  it('frame count, frame size, shape, unknown unit, wrong codec', async () => {
    const short = join(dir, 'short');
    mkdirSync(short);
    for (let k = 0; k < N - 1; k++) writeFileSync(join(short, `d_${String(k).padStart(3, '0')}.npy`), encodeNpy(truth(k), [H, W]));
    await refused(short, 'metric', /has 35 frames but the clip .* has 36/);
    await refused(npyDir(), undefined, /add --depth-unit metric\|inverse\|relative/);
    const odd = join(dir, 'odd');
    mkdirSync(odd);
    for (let k = 0; k < N; k++) writeFileSync(join(odd, `d_${String(k).padStart(3, '0')}.npy`), k === 5 ? encodeNpy(new Float32Array(160 * 120).fill(1), [120, 160]) : encodeNpy(truth(k), [H, W]));
    await refused(odd, 'metric', /d_005\.npy: is 160x120 but the pass's first frame is 320x240/);
    const square = join(dir, 'square');
    mkdirSync(square);
    for (let k = 0; k < N; k++) writeFileSync(join(square, `d_${String(k).padStart(3, '0')}.npy`), encodeNpy(new Float32Array(100 * 100).fill(2), [100, 100]));
    await refused(square, 'metric', /is 100x100 but the clip is 320x240/);
    await refused(input, 'metric', /neither a folder .* nor an FFV1 gray16 \.mkv/);
    const nan = join(dir, 'nan');
    mkdirSync(nan);
    for (let k = 0; k < N; k++) writeFileSync(join(nan, `d_${String(k).padStart(3, '0')}.npy`), encodeNpy(k === 3 ? new Float32Array(W * H).fill(NaN) : truth(k), [H, W]));
    await refused(nan, 'metric', /d_003\.npy: holds a non-finite value/);
    renameSync(short, join(dir, 'short2'));
  });

  it('CLI: render --depth-from with a mismatched pass exits 1 with one line', async () => {
    const r = await runCli(['render', input, '--out', join(dir, 'cli.mp4'), '--effect', 'fog', '--depth-from', join(dir, 'short2'), '--depth-unit', 'metric', '--cache-dir', cache]);
    expectOneLineError(r, /has 35 frames but the clip .* has 36/);
    expect(r.code).toBe(1);
  });
});
