import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDepthExr, encodeDepthExr } from '../../src-main/engine/encode/depth-exr.ts';
import { tempDir } from '../helpers/tools.ts';

/**
 * The EXR depth pass as other tools see it: one FLOAT channel "Z". OpenImageIO (Debian
 * openimageio-tools, on the real OpenEXR library) reads our files; our importer reads what it writes
 * with Z, depth.Z, Y and R/G/B channels and other compressions.
 */
function oiiotool(args: string[]): string {
  try {
    return execFileSync('oiiotool', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new Error('oiiotool not found: apt-get install -y --no-install-recommends openimageio-tools', { cause: e });
    throw e;
  }
}

/** Pixel values as `oiiotool --dumpdata` prints them, row by row from the top. */
function dumped(path: string, width: number, height: number): { channels: string; data: Float32Array } {
  const out = oiiotool(['--info', '-v', '--dumpdata', path]);
  const data = new Float32Array(width * height);
  for (const m of out.matchAll(/Pixel \((\d+), (\d+)\): ([-\d.e+]+)/g)) data[Number(m[2]) * width + Number(m[1])] = Number(m[3]);
  return { channels: /channel list: (.*)/.exec(out)?.[1] ?? '', data };
}

const W = 67, H = 41;
// A gradient that is not the same upside down, a far value and one exactly 0 (no depth).
const depth = Float32Array.from({ length: W * H }, (_, i) => (i === 7 ? 0 : 0.25 + (i % W) * 0.013 + Math.floor(i / W) * 0.5 + (i === 9 ? 1e4 : 0)));
const maxErr = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))), 0);
let dir: string;

beforeAll(async () => {
  dir = await tempDir('gd-exr-');
  writeFileSync(join(dir, 'z.exr'), await encodeDepthExr(depth, W, H));
});

describe('EXR depth pass', () => {
  it('is one 32-bit float channel named Z, top row first, that OpenEXR (through OpenImageIO) reads back exactly', () => {
    const d = dumped(join(dir, 'z.exr'), W, H);
    expect(d.channels.trim()).toBe('Z');
    expect(oiiotool(['--info', '-v', join(dir, 'z.exr')])).toMatch(/1 channel, float openexr/);
    expect(maxErr(d.data, depth)).toBeLessThan(1e-7);
    expect(Array.from(decodeDepthExr(readFileSync(join(dir, 'z.exr'))).data)).toEqual(Array.from(depth));
  });

  it('imports what other tools write: Z, depth.Z, Y, RGB, in PIZ, ZIPS, uncompressed and half float', () => {
    const z = join(dir, 'z.exr');
    const cases: [string, string[], number][] = [
      ['depthZ-piz.exr', ['--chnames', 'depth.Z', '--compression', 'piz'], 1e-7],
      ['y-zips.exr', ['--chnames', 'Y', '--compression', 'zips'], 1e-7],
      ['z-none.exr', ['--compression', 'none'], 1e-7],
      ['rgb.exr', ['--ch', 'R=Z,G=Z,B=Z', '--compression', 'zip'], 1e-7],
      // R, G, B hold a constant: the Z channel is the depth.
      ['rgbz.exr', ['--ch', 'R=0.5,G=0.5,B=0.5,Z=Z', '--compression', 'zip'], 1e-7],
      ['z-half.exr', ['-d', 'half'], 1e-3],
    ];
    for (const [name, args, tol] of cases) {
      oiiotool([z, ...args, '-o', join(dir, name)]);
      const r = decodeDepthExr(readFileSync(join(dir, name)));
      expect([name, r.width, r.height]).toEqual([name, W, H]);
      expect(maxErr(r.data, depth), name).toBeLessThan(tol);
    }
  });
});
