import { describe, expect, it } from 'vitest';
import { frameToTensor } from '../../src-main/engine/preprocess/index.ts';
import { resizePlane, resizeRgb } from '../../src-main/engine/preprocess/resize.ts';
import type { ModelManifest } from '../../src-main/engine/infer/manifest.ts';
import { compileKernels, PLANAR_SOURCE } from '../../scripts/build-wasm.ts';
import { PLANAR_WASM_BASE64 } from '../../src-main/engine/preprocess/planar-wasm-binary.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function picture(w: number, h: number): Uint8Array {
  const a = new Uint8Array(w * h * 3);
  for (let i = 0; i < a.length; i++) a[i] = (i * 2654435761) >>> 24; // hash noise: every neighbour differs
  return a;
}

describe('network input: resize and normalise in one pass', () => {
  for (const [sw, sh, dw, dh] of [
    [398, 224, 224, 224], // the analysis case: same height
    [64, 48, 32, 40],
    [30, 20, 30, 20],
  ]) {
    it(`${sw}x${sh} -> ${dw}x${dh} matches resize-then-normalise`, () => {
      const src = picture(sw, sh);
      for (const norm of ['imagenet', 'unit'] as const) {
        const out = new Float32Array(3 * dw * dh + 5).fill(7);
        frameToTensor({ index: 0, width: sw, height: sh, data: src, pts: 0 } as never, { width: dw, height: dh }, { normalisation: norm } as ModelManifest, out, 5);
        expect(Array.from(out.subarray(0, 5))).toEqual([7, 7, 7, 7, 7]);
        const ref = resizeRgb(src, sw, sh, dw, dh);
        let worst = 0;
        for (let c = 0; c < 3; c++) {
          for (let i = 0; i < dw * dh; i++) {
            const v = ref[i * 3 + c] / 255;
            const want = norm === 'imagenet' ? (v - MEAN[c]) / STD[c] : v;
            // The reference rounds to 8 bits in between; the fused pass does not.
            worst = Math.max(worst, Math.abs(out[5 + c * dw * dh + i] - want) * (norm === 'imagenet' ? STD[c] : 1));
          }
        }
        expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      }
    });
  }

  it('the embedded module is the one built from preprocess/wasm/planar.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(PLANAR_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(PLANAR_WASM_BASE64);
  }, 60_000);

  it('the fused pass keeps the bits of the channel-by-channel expression, for every size and normalisation', () => {
    for (const [sw, sh, dw, dh] of [[398, 224, 224, 224], [64, 48, 32, 40], [30, 20, 50, 33], [17, 9, 17, 9], [5, 3, 2, 7], [1, 1, 3, 2]]) {
      const src = picture(sw, sh);
      for (const norm of ['imagenet', 'unit'] as const) {
        const got = new Float32Array(3 * dw * dh);
        frameToTensor({ index: 0, width: sw, height: sh, data: src, pts: 0 } as never, { width: dw, height: dh }, { normalisation: norm } as ModelManifest, got, 0);
        const want = new Float32Array(3 * dw * dh);
        const at = (n: number, i: number, outN: number) => Math.min(Math.max((i + 0.5) * (n / outN) - 0.5, 0), n - 1);
        for (let c = 0; c < 3; c++) {
          const k = norm === 'imagenet' ? 1 / (255 * STD[c]) : 1 / 255;
          const b = norm === 'imagenet' ? -MEAN[c] / STD[c] : 0;
          for (let y = 0; y < dh; y++) {
            const fy = at(sh, y, dh), y0 = Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1), wy = Math.fround(fy - y0);
            for (let x = 0; x < dw; x++) {
              const fx = at(sw, x, dw), x0 = Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1), wx = Math.fround(fx - x0);
              const px = (yy: number, xx: number) => src[(yy * sw + xx) * 3 + c];
              const top = px(y0, x0) + (px(y0, x1) - px(y0, x0)) * wx;
              const bot = px(y1, x0) + (px(y1, x1) - px(y1, x0)) * wx;
              want[c * dw * dh + y * dw + x] = (top + (bot - top) * wy) * k + b;
            }
          }
        }
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${sw}x${sh} -> ${dw}x${dh} ${norm}`).toBe(true);
      }
    }
  });

  it('resizePlane: same-height rows interpolate along x only, exactly as the general path would', () => {
    const src = Float32Array.from({ length: 6 * 4 }, (_v, i) => Math.sin(i) * 10);
    const out = resizePlane(src, 6, 4, 11, 4);
    for (let y = 0; y < 4; y++) {
      // x = 0 and x = 10 are the clamped ends; the middle sample lies between source columns 2 and 3.
      expect(out[y * 11]).toBeCloseTo(src[y * 6], 6);
      expect(out[y * 11 + 10]).toBeCloseTo(src[y * 6 + 5], 6);
      const x = (5 + 0.5) * (6 / 11) - 0.5;
      const f = Math.floor(x);
      expect(out[y * 11 + 5]).toBeCloseTo(src[y * 6 + f] * (1 - (x - f)) + src[y * 6 + f + 1] * (x - f), 5);
    }
  });
});
