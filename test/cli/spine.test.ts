import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { decodeNpy } from '../../src-main/engine/encode/npy.ts';
import { clip, sharedPath } from '../helpers/shared.ts';
import { runCli, tempDir } from '../helpers/tools.ts';

async function npyFrames(dir: string) {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.npy')).sort();
  return names;
}

function expectDepthOk(d: { data: Float32Array; shape: number[] }, h: number, w: number) {
  expect(d.shape).toEqual([h, w]);
  for (const v of d.data) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`depth value ${v} is not finite and positive`);
  }
}

describe('gemdepth analyze + render on real footage (the spine)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  it('analyze realshort.mp4: one finite positive .npy per frame, meta.json, depth preview', async () => {
    const out = join(dir, 'realshort');
    const r = await runCli(['analyze', clip('realshort.mp4'), '--out', out, '--cache-dir', join(dir, 'cache')]);
    expect(r.stderr).toMatch(/analyzed 36 frames/);
    expect(r.code).toBe(0);
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8'));
    expect(meta.frameCount).toBe(36);
    expect(['metric', 'relative-inverse']).toContain(meta.depthKind);
    expect(meta.model.id).toBe('fastdepth');
    expect(meta.intrinsics.fx).toBeGreaterThan(0);
    const names = await npyFrames(out);
    expect(names).toHaveLength(36);
    for (const n of [names[0], names[35]]) {
      expectDepthOk(decodeNpy(await readFile(join(out, n))), meta.height, meta.width);
    }
    const preview = await probe(join(out, 'depth_preview.mp4'));
    expect(preview.frameCount).toBe(36);
  });

  it('analyze the tartanair-hospital frames folder (a range)', async () => {
    const out = join(dir, 'hospital');
    const r = await runCli([
      'analyze', sharedPath('datasets', 'tartanair-hospital', 'rgb'), '--out', out, '--start', '0', '--end', '11',
      '--no-preview', '--cache-dir', join(dir, 'cache'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8'));
    const names = await npyFrames(out);
    expect(names).toHaveLength(12);
    expectDepthOk(decodeNpy(await readFile(join(out, names[5]))), meta.height, meta.width);
  });

  it('render takes the same geometry flags as analyze (--fov, --no-fusion): its camera path has that field of view', async () => {
    const cam = join(dir, 'cam-fov40');
    const r = await runCli([
      'render', clip('realshort.mp4'), '--effect', 'fog', '--out', join(dir, 'fov40.mp4'), '--cache-dir', join(dir, 'cache'),
      '--fov', '40', '--no-fusion', '--camera-path', cam,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { intrinsics: k } = JSON.parse(await readFile(join(cam, 'poses.json'), 'utf8')) as { intrinsics: { fx: number; width: number } };
    expect(k.fx).toBeCloseTo(k.width / 2 / Math.tan((20 * Math.PI) / 180), 3);
  }, 120_000);

  it('render fog: same frame count and duration, audio kept, far pixels closer to the fog colour', async () => {
    const src = clip('realshort.mp4');
    const out = join(dir, 'fog.mp4');
    const fog: [number, number, number] = [200, 210, 230];
    const r = await runCli([
      'render', src, '--effect', 'fog:density=0.8,color=#c8d2e6', '--out', out, '--cache-dir', join(dir, 'cache'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const a = await probe(src);
    const b = await probe(out);
    expect(b.frameCount).toBe(a.frameCount);
    expect(Math.abs(b.duration - a.duration)).toBeLessThan(0.05);
    expect(b.hasAudio).toBe(true);

    // Measure on the output: depth from the analysis above, pixels split into nearest and farthest quarters.
    const k = 18;
    const meta = JSON.parse(await readFile(join(dir, 'realshort', 'meta.json'), 'utf8'));
    const names = await npyFrames(join(dir, 'realshort'));
    const depth = decodeNpy(await readFile(join(dir, 'realshort', names[k])));
    const frame = await readFrame(b, k);
    const before = await readFrame(a, k);
    const far: number[] = [];
    const near: number[] = [];
    const farGain: number[] = [];
    const nearGain: number[] = [];
    const vals = [...depth.data].sort((x, y) => x - y);
    const metric = meta.depthKind === 'metric';
    const q1 = vals[Math.floor(vals.length * 0.25)];
    const q3 = vals[Math.floor(vals.length * 0.75)];
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const dx = Math.min(meta.width - 1, Math.floor((x * meta.width) / frame.width));
        const dy = Math.min(meta.height - 1, Math.floor((y * meta.height) / frame.height));
        const d = depth.data[dy * meta.width + dx];
        const i = (y * frame.width + x) * 3;
        const dist = Math.hypot(frame.data[i] - fog[0], frame.data[i + 1] - fog[1], frame.data[i + 2] - fog[2]);
        const was = Math.hypot(before.data[i] - fog[0], before.data[i + 1] - fog[1], before.data[i + 2] - fog[2]);
        const isFar = metric ? d >= q3 : d <= q1;
        const isNear = metric ? d <= q1 : d >= q3;
        if (isFar) {
          far.push(dist);
          farGain.push(was - dist);
        } else if (isNear) {
          near.push(dist);
          nearGain.push(was - dist);
        }
      }
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(far.length).toBeGreaterThan(100);
    expect(mean(far)).toBeLessThan(mean(near));
    // The fog did it: far pixels moved toward the fog colour more than near ones.
    expect(mean(farGain)).toBeGreaterThan(mean(nearGain) + 5);
  });
});
