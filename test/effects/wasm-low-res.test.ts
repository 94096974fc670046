import { beforeAll, describe, expect, it } from 'vitest';
import { toDistance } from '../../src-main/engine/effects/index.ts';
import { cellLuma, guidedCoefficients } from '../../src-main/common/effects/guided-filter.ts';
import { lightsOf } from '../../src-main/common/effects/relight.ts';
import { parseEffectSpec } from '../../src-main/common/effects/stack.ts';
import { surfaceMaps } from '../../src-main/common/effects/surface.ts';
import { surfaceMapsFast } from '../../src-main/engine/effects/relight.ts';
import { guidedCoefficientsFast, splineKernels } from '../../src-main/engine/effects/upsample.ts';
import { realFrame, type RealFrame } from './fixture.ts';

/**
 * Export runs the analysis-resolution work (the guided filter's coefficients, relight's normals and shadows)
 * in WebAssembly; the preview runs the TypeScript (guided-filter.ts, surface.ts). Both must give the same
 * maps on a real frame and its real depth, or preview and export drift apart.
 */
let r: RealFrame;
beforeAll(async () => {
  r = await realFrame('cockatoo.mp4', 0);
});

const worstDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
};

describe('WebAssembly low-res kernels equal the TypeScript the preview runs', () => {
  it('guided-filter coefficients (cell luma, box means, a and b)', () => {
    const { depth, frame } = r;
    const low = toDistance(depth.data, r.range);
    const ts = guidedCoefficients(low, depth.width, depth.height, cellLuma(frame.data, frame.width, frame.height, depth.width, depth.height));
    const wasm = guidedCoefficientsFast(low, depth.width, depth.height, frame.data, frame.width, frame.height);
    // The coefficients vary (a real frame has edges), so equality is not trivial.
    expect(Math.max(...ts.filter((_, i) => i % 2 === 0).map(Math.abs))).toBeGreaterThan(0.01);
    expect(worstDiff(wasm, ts)).toBe(0);
  });

  for (const spec of ['relight', 'relight:smoothing=0,dirIntensity=1,dirDirection=-1;0.5;0.4,shadowSoftness=0.05', 'relight:shadows=0,smoothing=2']) {
    it(`surface maps: normals and shadow visibility (${spec})`, () => {
      const { depth, frame } = r;
      const low = { dist: toDistance(depth.data, r.range), width: depth.width, height: depth.height };
      const p = parseEffectSpec(spec).params;
      const nr = 0.2;
      const ts = surfaceMaps(low.dist, low.width, low.height, r.K, nr, p.smoothing as number, lightsOf(p));
      const k = splineKernels(low.width, low.height, frame.width, frame.height);
      const wasm = surfaceMapsFast(k, low, r.K, nr, p.smoothing as number, lightsOf(p));
      expect(worstDiff(wasm.normalVis, ts.normalVis)).toBeLessThan(1e-6);
      expect(worstDiff(wasm.dirVis, ts.dirVis)).toBeLessThan(1e-6);
      if ((p.shadows as number) > 0) expect(Math.min(...ts.normalVis.filter((_, i) => i % 4 === 3)), 'some shadow is cast').toBeLessThan(0.9);
    });
  }
});
