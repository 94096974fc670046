import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createFrameFusion, type CoarsePlanes, type FusionPlan } from '../../src-main/engine/geometry/driver/frame-fusion.ts';
import { createOutputMaker, type OutputJob, type OutputSettings } from '../../src-main/engine/geometry/driver/frame-output.ts';
import { createWasmExtras, createWasmFactorUp, createWasmOutputPasses } from '../../src-main/engine/geometry/driver/output-wasm.ts';
import { spikeLimitOfSample } from '../../src-main/engine/geometry/depth-spikes.ts';
import { boxDown, resizeWithHoles } from '../../src-main/engine/geometry/image.ts';
import { GEOMETRY_PARAMS } from '../../src-main/engine/geometry/params.ts';
import { quantize } from '../../src-main/common/quantize.ts';
import { colorizeDepth, depthRange } from '../../src-main/common/effects/colormap.ts';
import { toInverseDepth } from '../../src-main/common/depth.ts';
import type { DepthKind, Intrinsics } from '../../src-main/common/types.ts';
import { dataset } from '../helpers/shared.ts';
import { bits, kinectDepth, kinectPoses } from '../helpers/kinect.ts';
import { compileKernels, OUTPUT_SOURCE } from '../../scripts/build-wasm.ts';
import { OUTPUT_WASM_BASE64 } from '../../src-main/engine/geometry/output-wasm-binary.ts';

// The output thread's passes in WebAssembly (driver/output-wasm.ts, wasm/fusion.as.ts) against their
// TypeScript on real data: kinect-room-5's five Kinect frames (their invalid pixels, 0, are the
// output's failed pixels), its camera poses and colour, halved to a 320 x 240 depth grid and a
// 160 x 120 analysis grid; the fusion, the output with the temporal filter, and its extras.
const DIR = dataset('kinect-room-5');
const DW = 320, DH = 240, AW = 160, AH = 120;
const KA: Intrinsics = { fx: 518 / 4, fy: 519 / 4, cx: (325.5 + 0.5) / 4 - 0.5, cy: (253.5 + 0.5) / 4 - 0.5, width: AW, height: AH };
const KD: Intrinsics = { fx: 518 / 2, fy: 519 / 2, cx: (325.5 + 0.5) / 2 - 0.5, cy: (253.5 + 0.5) / 2 - 0.5, width: DW, height: DH };
const fp = GEOMETRY_PARAMS.fusion;

/** Frame k's depth in metres on the depth grid, 0 where invalid. */
const depthOf = (k: number): Float32Array => kinectDepth(DIR, k, DW, DH);

function grayOf(k: number): Float32Array {
  const png = PNG.sync.read(readFileSync(join(DIR, 'color', `${k}.png`)));
  const g = new Float32Array(png.width * png.height);
  for (let i = 0; i < g.length; i++) g[i] = 0.299 * png.data[4 * i] + 0.587 * png.data[4 * i + 1] + 0.114 * png.data[4 * i + 2];
  return boxDown(g, png.width, png.height, 4);
}


describe('the output thread in WebAssembly, on real Kinect frames', () => {
  it('the embedded module is the one built from geometry/wasm/output.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(OUTPUT_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(OUTPUT_WASM_BASE64);
  }, 60_000);

  const c2w = kinectPoses(DIR);
  const frames = [1, 2, 3, 4, 5].map((k, i) => {
    const depth = depthOf(k);
    const inv = new Float32Array(depth.length);
    for (let p = 0; p < depth.length; p++) inv[p] = depth[p] > 0 ? 1 / depth[p] : 0;
    const aligned = boxDown(inv, DW, DH, 2, true);
    const coarse: CoarsePlanes = { inv: boxDown(aligned, AW, AH, fp.step, true), gray: boxDown(grayOf(k), AW, AH, fp.step) };
    return { index: i, depth, inv, aligned, coarse, c2w: c2w[i] };
  });

  it('fuses each frame with its neighbours to the same bits as the TypeScript', () => {
    let moved = 0;
    for (const f of frames) {
      const others = frames.filter((o) => o !== f);
      const plan: FusionPlan = { views: others.map((o) => ({ index: o.index, c2w: o.c2w, gain: 1 + 0.01 * o.index })), c2w: f.c2w, gain: 1.02, wt: 0.8 };
      const planes = (i: number) => frames[i].coarse;
      const ts = createFrameFusion(KA, fp, false)(plan, f.coarse, f.aligned, f.aligned, planes);
      const wasm = createFrameFusion(KA, fp)(plan, f.coarse, f.aligned, f.aligned, planes);
      expect(bits(wasm).equals(bits(ts))).toBe(true);
      for (let p = 0; p < ts.length; p++) if (ts[p] !== f.aligned[p]) moved++;
    }
    // The fusion changed the depth: the factor's resizing and applying were exercised.
    expect(moved).toBeGreaterThan(1000);
  });

  for (const kind of ['metric', 'relative-inverse'] as DepthKind[]) {
    it(`makes the same outputs, extras included, as the TypeScript (${kind} depth, temporal filter, aligned kept)`, () => {
      const settings: OutputSettings = { temporal: { K: KD, alpha: 0.5, tolerance: 0.2, minConfidence: 0.05 }, keepAligned: true, fusion: { params: fp, radius: 4 } };
      const ts = createOutputMaker(settings, false), wasm = createOutputMaker(settings);
      const extras = createWasmExtras(DW * DH);
      const fuse = createFrameFusion(KA, fp);
      const passes = createWasmOutputPasses(DW * DH, AW * AH, DW);
      let range: [number, number] | null = null, failed = 0;
      for (const f of frames) {
        const others = frames.filter((o) => o !== f);
        const plan: FusionPlan = { views: others.map((o) => ({ index: o.index, c2w: o.c2w, gain: 1 })), c2w: f.c2w, gain: 1, wt: 1 };
        const final = fuse(plan, f.coarse, f.aligned, f.aligned, (i) => frames[i].coarse);
        // Besides the Kinect's holes, a few pixels far beyond the room (under the output's floor) and
        // a few much nearer than the rest (spikes: failed in either kind).
        const input = (kind === 'metric' ? f.depth : f.inv).slice();
        for (let p = 0; p < input.length; p++) {
          const far = p % 211 === 0, spike = p % 307 === 5;
          if (far || spike) input[p] = kind === 'metric' ? (far ? 5000 : 0.02) : far ? 1 / 5000 : 50;
        }
        for (let p = 0; p < input.length; p++) if (kind === 'metric' && input[p] === 0) failed++;
        const job = (): OutputJob => ({
          index: f.index, shotId: 0, kind, outW: DW, outH: DH, input: input.slice(), a: 1.07, b: 0.0005, gain: 1.03, K: KA,
          aligned: f.aligned, final: f.index === 2 ? null : final, c2w: f.c2w, conf: 0.8, wt: 0.9,
        });
        // The spike limit (the sample's 99th percentile, selected by its bits there), as the TypeScript's.
        const sample = new Float32Array(input.length);
        let m = 0;
        for (let p = 0; p < input.length; p += 3) {
          const x = Math.fround(Math.max(0, kind === 'metric' ? (input[p] > 0 ? 1 / input[p] : 0) : input[p]));
          if (x > 0) sample[m++] = x;
        }
        passes.load(input);
        expect(passes.spikeLimit(kind === 'metric')).toBe(spikeLimitOfSample(sample, m));
        const a = ts(job()), b = wasm(job());
        expect(bits(b.depth.data).equals(bits(a.depth.data))).toBe(true);
        expect(bits(b.aligned!.data).equals(bits(a.aligned!.data))).toBe(true);
        const d = a.depth.data;
        expect(d.some((v) => v > 0)).toBe(true);
        // The extras of the output, as output-serve.ts makes them.
        range ??= depthRange(toInverseDepth(d, kind));
        extras.load(d);
        const q = quantize(d), wq = extras.quantize();
        expect([wq.offset, wq.scale]).toEqual([q.offset, q.scale]);
        expect(bits(wq.data).equals(bits(q.data))).toBe(true);
        expect(bits(extras.colorize(kind, range)).equals(bits(colorizeDepth(d, DW, DH, kind, range)))).toBe(true);
      }
      // Metric: the Kinect's invalid pixels took the failed pixels' path.
      if (kind === 'metric') expect(failed).toBeGreaterThan(1000);
    });
  }

  it('selects the spike limit as the TypeScript does, on samples with many equal values', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const n = 3000, passes = createWasmOutputPasses(n, 4, 2);
    for (const levels of [1, 3, 50, 0]) {
      const d = Float32Array.from({ length: n }, () => (levels ? 0.5 + Math.floor(rand() * levels) / 7 : rand() * 10));
      passes.load(d);
      const sample = new Float32Array(n), m = d.filter((_v, i) => i % 3 === 0).reduce((k, v) => ((sample[k] = v), k + 1), 0);
      expect(passes.spikeLimit(false)).toBe(spikeLimitOfSample(sample, m));
    }
  });

  it('resizes with holes as image.ts does, up and down, odd sizes, with and without holes', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const [sw, sh, dw, dh, holes] of [[64, 36, 160, 90, 0.3], [63, 37, 397, 223, 0], [161, 121, 64, 36, 0.5], [7, 5, 9, 3, 0.2], [1, 4, 5, 6, 0]]) {
      const src = Float32Array.from({ length: sw * sh }, () => (rand() < holes ? -rand() : 0.2 + 3 * rand()));
      const want = resizeWithHoles(src, sw, sh, dw, dh);
      // The factor applied to ones: the resized value where positive, else 1.
      const got = new Float32Array(dw * dh).fill(1);
      createWasmFactorUp(sw, sh, dw, dh).apply(src, got, got);
      for (let i = 0; i < want.length; i++) if (!(want[i] > 0)) want[i] = 1;
      expect(bits(got).equals(bits(want))).toBe(true);
    }
  });

  it('colours and quantises values at the edges as the TypeScript does (range ends, zeros, NaN, an odd length)', () => {
    const n = 4 * 97 + 3, d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = [0, -0.5, 0.25, 4, 1e-30, 3.999999, NaN, 0.5 + i / n][i % 8];
    const extras = createWasmExtras(n);
    extras.load(d);
    const q = quantize(d), wq = extras.quantize();
    expect([wq.offset, wq.scale]).toEqual([q.offset, q.scale]);
    expect(bits(wq.data).equals(bits(q.data))).toBe(true);
    for (const kind of ['metric', 'relative-inverse'] as DepthKind[])
      for (const range of [[0.25, 4], [0.3, 0.30001], [-1, 2]] as [number, number][])
        expect(bits(extras.colorize(kind, range)).equals(bits(colorizeDepth(d, n, 1, kind, range)))).toBe(true);
  });
});
