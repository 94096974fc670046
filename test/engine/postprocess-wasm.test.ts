import { describe, expect, it } from 'vitest';
import { compileKernels, POSTPROCESS_SOURCE } from '../../scripts/build-wasm.ts';
import { quantizeRoundTrip } from '../../src-main/common/quantize.ts';
import { depthAtResolution, depthAtResolutionCached } from '../../src-main/engine/infer/postprocess.ts';
import { POSTPROCESS_WASM_BASE64 } from '../../src-main/engine/infer/postprocess-wasm-binary.ts';
import type { ModelManifest } from '../../src-main/engine/infer/manifest.ts';

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Output maps of the kinds a network gives, and the odd values the reference treats in its own way. */
const maps: Record<string, (i: number) => number> = {
  smooth: (i) => 1 + 0.9 * Math.sin(i * 0.37),
  noisy: (i) => (((i * 2654435761) >>> 0) / 2 ** 32) * 10 - 1,
  // Zeros of both signs at the range's end (which zero a scan keeps), NaN (skipped by the range).
  zeros: (i) => (i % 7 === 0 ? -0 : i % 5 === 0 ? 0 : i % 11 === 0 ? NaN : i / 100),
  flat: () => 2.5,
  // The first row +0 but its last columns -0, the rest 1: the range is 0 and a scan keeps +0, the first it
  // meets, while the last columns are the loop's tail, seen apart from the four lanes.
  signedZero: (i) => (i < 222 ? 0 : i < 224 ? -0 : 1),
};

describe('the model thread\'s output resize and round trip in WebAssembly', () => {
  it('the embedded module is the one built from infer/wasm/postprocess.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(POSTPROCESS_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(POSTPROCESS_WASM_BASE64);
  }, 60_000);

  it('gives depthAtResolution + quantizeRoundTrip bit for bit: sizes, odd widths, metric floors, zeros, NaN', () => {
    // The analysis case (224 -> 398 wide, rows on rows), both axes resampled with tails, shrinking, the same size.
    for (const [sw, sh, dw, dh] of [[224, 224, 398, 224], [224, 224, 397, 225], [31, 17, 50, 9], [5, 5, 3, 7], [20, 10, 20, 10]]) {
      for (const [name, f] of Object.entries(maps)) {
        for (const manifest of [{ outputKind: 'metric', minDepth: 0.5 }, { outputKind: 'metric' }, { outputKind: 'relative-inverse' }] as ModelManifest[]) {
          const map = Float32Array.from({ length: sw * sh }, (_v, i) => f(i));
          const what = `${sw}x${sh} -> ${dw}x${dh} ${name} ${manifest.outputKind} ${manifest.minDepth}`;
          const want = depthAtResolution(map, sw, sh, { width: dw, height: dh }, manifest);
          const wantQ = quantizeRoundTrip(want);
          const before = map.slice();
          // Into recycled arrays (as the thread does), and into new ones.
          for (const recycled of [true, false]) {
            const into = recycled ? new Float32Array(dw * dh).fill(3) : undefined, qInto = recycled ? new Uint16Array(dw * dh).fill(9) : undefined;
            const got = depthAtResolutionCached(map, sw, sh, { width: dw, height: dh }, manifest, into, qInto);
            expect(bytes(got.depth).equals(bytes(want)), what).toBe(true);
            expect(bytes(got.quantized.data).equals(bytes(wantQ.data)), what).toBe(true);
            expect([Object.is(got.quantized.offset, wantQ.offset), got.quantized.scale], what).toEqual([true, wantQ.scale]);
            if (recycled) expect(got.depth === into && got.quantized.data === qInto, what).toBe(true);
          }
          expect(bytes(map).equals(bytes(before)), 'the network output is left as it is').toBe(true);
        }
      }
    }
  });

  it('a map with an infinite value is refused as by the reference', () => {
    const map = Float32Array.from({ length: 224 * 224 }, (_v, i) => (i === 5000 ? Infinity : 1));
    expect(() => depthAtResolutionCached(map, 224, 224, { width: 398, height: 224 }, { outputKind: 'relative-inverse' } as ModelManifest)).toThrow(/non-finite/);
  });
});
