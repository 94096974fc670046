import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { colorHistogram, createCutDetector, histogramDistance } from '../../src-main/engine/geometry/shot-cut.ts';

/** The histogram's definition: a float32 bin per joint 3-bit colour, incremented per pixel, then divided by the count. */
function reference(rgb: Uint8Array): Float32Array {
  const h = new Float32Array(512);
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++) h[((rgb[i * 3] >> 5) << 6) | ((rgb[i * 3 + 1] >> 5) << 3) | (rgb[i * 3 + 2] >> 5)]++;
  for (let i = 0; i < 512; i++) h[i] /= n;
  return h;
}

describe('shot-cut colour histograms', () => {
  it('integer counting gives the float32 definition bit for bit, call after call', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24);
    for (const n of [1, 333, 398 * 224]) {
      // Skewed colours so that some bins hold most pixels (large counts) and others a few.
      const rgb = Uint8Array.from({ length: 3 * n }, (_v, i) => (i % 3 === 0 ? rand() & 0x3f : rand()));
      const got = colorHistogram(rgb);
      expect(Buffer.from(got.buffer).equals(Buffer.from(reference(rgb).buffer))).toBe(true);
      // The counts are scratch: a second call starts from zero.
      expect(Buffer.from(colorHistogram(rgb).buffer).equals(Buffer.from(got.buffer))).toBe(true);
    }
  });

  it('stays optimised from frame to frame: no deopt at every call', () => {
    // 60 analysis-size frames through V8's tiers, as an analysis does; --trace-deopt names each bailout.
    // One or two while warming up are V8's way (the first call runs before it keeps type feedback); the
    // loop compiled on-stack with code after it left without feedback bailed out again and again (4-61).
    const src = new URL('../../src-main/engine/geometry/shot-cut.ts', import.meta.url).href;
    const code = `import { colorHistogram } from ${JSON.stringify(src)};
      const rgb = new Uint8Array(3 * 398 * 224).map((_v, i) => (i * 7) & 255);
      for (let k = 0; k < 60; k++) colorHistogram(rgb);`;
    const r = spawnSync(process.execPath, ['--trace-deopt', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const bailouts = r.stdout.split('\n').filter((l) => l.includes('bailout') && /colorHistogram|countBins/.test(l));
    expect(bailouts.length).toBeLessThanOrEqual(2);
  });

  it('a hard cut stands out, the same picture does not', () => {
    const a = new Uint8Array(3 * 1000).fill(20), b = new Uint8Array(3 * 1000).fill(230);
    expect(histogramDistance(colorHistogram(a), colorHistogram(a))).toBe(0);
    const cuts = createCutDetector();
    expect(cuts.push(colorHistogram(a)).cut).toBe(false);
    expect(cuts.push(colorHistogram(a)).cut).toBe(false);
    expect(cuts.push(colorHistogram(b)).cut).toBe(true);
  });
});
