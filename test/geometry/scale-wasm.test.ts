import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { depthDisparity } from '../../src-main/engine/geometry/driver/frame-window.ts';
import { alignedPlanes, linkMedians, linkRatios } from '../../src-main/engine/geometry/driver/scale-path.ts';
import type { FrameState } from '../../src-main/engine/geometry/driver/frame-window.ts';
import { createScaleKernels, scaleKernels } from '../../src-main/engine/geometry/scale-wasm.ts';
import { scaleIntrinsics } from '../../src-main/common/camera/intrinsics.ts';
import type { DepthKind, Intrinsics } from '../../src-main/common/types.ts';
import { dataset } from '../helpers/shared.ts';
import { bits, kinectDepth, kinectPoses } from '../helpers/kinect.ts';
import { compileKernels, SCALE_SOURCE } from '../../scripts/build-wasm.ts';
import { SCALE_WASM_BASE64 } from '../../src-main/engine/geometry/scale-wasm-binary.ts';

// The geometry thread's scale path and depth passes in WebAssembly (scale-wasm.ts) against their
// TypeScript on real data: kinect-room-5's five Kinect frames (their invalid pixels, 0, are holes),
// halved to a 320 x 240 depth grid, taken to a 256 x 192 analysis grid (a fractional ratio: every
// bilinear weight differs), with the dataset's camera poses and colour.
const DIR = dataset('kinect-room-5');
const DW = 320, DH = 240, AW = 256, AH = 192;
const K: Intrinsics = scaleIntrinsics({ fx: 518, fy: 519, cx: 325.5, cy: 253.5, width: 640, height: 480 }, AW, AH);

const depthOf = (k: number): Float32Array => kinectDepth(DIR, k, DW, DH);

/** The colour's grey levels at the analysis grid's size (nearest pixel: only real values are wanted). */
function grayOf(k: number): Float32Array {
  const png = PNG.sync.read(readFileSync(join(DIR, 'color', `${k}.png`)));
  const g = new Float32Array(AW * AH);
  for (let y = 0; y < AH; y++)
    for (let x = 0; x < AW; x++) {
      const o = 4 * (Math.floor((y * png.height) / AH) * png.width + Math.floor((x * png.width) / AW));
      g[y * AW + x] = 0.299 * png.data[o] + 0.587 * png.data[o + 1] + 0.114 * png.data[o + 2];
    }
  return g;
}


describe('the scale path and depth passes in WebAssembly, on real Kinect frames', () => {
  it('the embedded module is the one built from geometry/wasm/scale.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(SCALE_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(SCALE_WASM_BASE64);
  }, 60_000);

  it('keeps one instance a grid size for the last few sizes, not every size a process has seen', () => {
    const first = scaleKernels(40, 30, 0);
    expect(scaleKernels(40, 30, 0)).toBe(first);
    for (let i = 1; i <= 4; i++) scaleKernels(40 + 8 * i, 30, 0);
    expect(scaleKernels(40, 30, 0)).not.toBe(first);
    const kept = scaleKernels(72, 30, 0);
    expect(scaleKernels(72, 30, 0)).toBe(kept);
  });

  const c2w = kinectPoses(DIR);
  const depths = [1, 2, 3, 4, 5].map(depthOf);
  const kernels = createScaleKernels(AW, AH, DW * DH);

  it('takes the model depth to the grid as disparity with holes and spikes dropped, the same bits', () => {
    for (const [i, depth] of depths.entries()) {
      // Metric as the model gives it, and as inverse depth (a relative model's kind); one with spikes
      // (a patch of near-zero depth, as a failed network gives) so that the limit drops pixels.
      const inverse = depth.map((v) => (v > 0 ? 1 / v : 0));
      const spiky = depth.slice();
      for (let y = 100; y < 130; y++) for (let x = 40 + 10 * i; x < 80 + 10 * i; x++) spiky[y * DW + x] = 1e-3 + 1e-5 * x;
      for (const [kind, data] of [['metric', depth], ['relative-inverse', inverse], ['metric', spiky]] as [DepthKind, Float32Array][]) {
        const ts = depthDisparity({ index: i, data, width: DW, height: DH, kind }, AW, AH);
        const wasm = new Float32Array(AW * AH).fill(7);
        kernels.disparity(data, DW, DH, kind === 'metric', wasm);
        expect(bits(wasm).equals(bits(ts))).toBe(true);
        // Real holes (the Kinect's invalid pixels) and real values.
        expect(ts.some((v) => v === 0) && ts.some((v) => v > 0)).toBe(true);
      }
    }
  });

  it('drops the spikes it should (the test above would pass on a pass that dropped none)', () => {
    const spiky = depths[0].slice();
    // A patch of under 1% of the frame: the 99th percentile stays on the scene.
    for (let y = 100; y < 115; y++) for (let x = 40; x < 60; x++) spiky[y * DW + x] = 1e-3;
    const out = new Float32Array(AW * AH);
    kernels.disparity(spiky, DW, DH, true, out);
    // The patch's middle on the analysis grid (x 40..60 -> 32..48, y 100..115 -> 80..92).
    expect(out[86 * AW + 40]).toBe(0);
    expect(out[20 * AW + 128]).toBeGreaterThan(0);
  });

  const xs = depths.map((d) => depthDisparity({ index: 0, data: d, width: DW, height: DH, kind: 'metric' }, AW, AH));

  it('makes the aligned plane and its fusion-grid copies, the same bits', () => {
    const grays = [1, 2, 3, 4, 5].map(grayOf);
    // The identity, a scale, and a shift that takes some pixels below the floor (raised to it).
    for (const [s, t, floor] of [[1, 0, 0.01], [1.37, 0, 0.01], [0.83, -0.21, 0.05]]) {
      for (const [i, x] of xs.entries()) {
        const tsAligned = new Float32Array(AW * AH), wasmAligned = new Float32Array(AW * AH).fill(3);
        const ts = alignedPlanes(K, x, grays[i], tsAligned, s, t, floor, 4)!;
        kernels.fitPlane(x, wasmAligned, s, t, floor);
        const wasm = kernels.fusionGrid(grays[i], 4);
        expect(bits(wasmAligned).equals(bits(tsAligned))).toBe(true);
        expect(wasm.inv.length).toBe((AW / 4) * (AH / 4));
        expect(bits(wasm.inv).equals(bits(ts.inv))).toBe(true);
        expect(bits(wasm.gray).equals(bits(ts.gray))).toBe(true);
      }
    }
  });

  it('measures the scale links between frames (warp, ratios in the order reached), the same bits', () => {
    const frame = (i: number) => ({ index: i, x: xs[i], c2w: c2w[i] }) as FrameState;
    let pairs = 0;
    // Stride 7: an odd count of samples a row (the last one past the pairs).
    for (const stride of [3, 1, 2, 7])
      for (let j = 1; j < xs.length; j++)
        for (const k of [1, 2, 4]) {
          const i = j - k;
          if (i < 0) continue;
          const logs = new Float32Array(AW * AH);
          const ts = linkRatios(K, frame(i), frame(j), stride, logs);
          kernels.loadCurrent(xs[j]);
          const wasm = kernels.link(xs[i], K, c2w[i], c2w[j], stride);
          expect([wasm.seen, wasm.n]).toEqual([ts.seen, ts.n]);
          const wasmLogs = new Float32Array(AW * AH);
          for (let q = 0; q < wasm.n; q++) wasmLogs[q] = Math.log(wasm.ratios[q]);
          expect(bits(wasmLogs).equals(bits(logs))).toBe(true);
          // The link's median log ratio and the median deviation from it (the frame's `disagree`).
          const want = linkMedians(logs, ts.n), med = kernels.medianLog(wasm.n);
          expect(Object.is(med, want.med)).toBe(true);
          expect(Object.is(kernels.spread(wasm.n, med), want.spread)).toBe(true);
          expect(want.spread).toBeGreaterThan(0);
          // The frames overlap: many of the sampled pixels land and compare (the Kinect's holes are not sampled).
          expect(ts.n).toBeGreaterThan(0.1 * (AW / stride) * (AH / stride));
          pairs++;
        }
    expect(pairs).toBe(4 * 8);
  });
});
