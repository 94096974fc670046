import { describe, expect, it } from 'vitest';
import { compileKernels, FUSION_SOURCE } from '../../scripts/build-wasm.ts';
import { FUSION_WASM_BASE64 } from '../../src-main/engine/geometry/fusion-wasm-binary.ts';
import { sortingNetwork } from '../../src-main/engine/geometry/fusion-wasm.ts';
import { createTemporalFilter } from '../../src-main/engine/geometry/temporal-filter.ts';
import { createViewFusion, type FusionView } from '../../src-main/engine/geometry/view-fusion.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';

let seed = 5;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

// A camera moving through a room of two walls and a box, each view's depth with its own smooth error
// and noise; an odd width (the two-pixel loop's tail), holes, a box only the frame sees.
const W = 63, H = 37;
const K: Intrinsics = { fx: 50, fy: 50, cx: 31, cy: 18.3, width: W, height: H };
function pose(k: number): Mat4 {
  const a = 0.01 * k, c = Math.cos(a), s = Math.sin(a);
  return [c, 0, s, 0.03 * k, 0, 1, 0, 0.004 * k, -s, 0, c, 0.01 * k, 0, 0, 0, 1];
}
function view(k: number): FusionView {
  const inv = new Float32Array(W * H), gray = new Float32Array(W * H);
  const tilt = 0.1 * (rand() - 0.5), off = 0.1 * (rand() - 0.5);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x, near = x > 20 && x < 30 && y > 10 && y < 20 && k === 0;
      const d = (x < 40 ? 2 + 0.01 * x : 3 - 0.02 * (x - 40)) * (near ? 0.5 : 1);
      inv[i] = (i % 97 === 0 ? 0 : (1 / d) * (1 + tilt * (x / W) + off + 0.02 * (rand() - 0.5)));
      gray[i] = near ? 250 : 120 + 60 * Math.sin(0.4 * x + 0.1 * k) * Math.cos(0.3 * y);
    }
  return { inv, gray, c2w: pose(k), gain: k === 0 ? 1 : 1 + 0.01 * (k % 5) };
}

describe('view fusion in WebAssembly', () => {
  it('the embedded module is the one built from geometry/wasm/fusion.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(FUSION_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(FUSION_WASM_BASE64);
  }, 60_000);

  it('the sorting networks sort every count of values up to 64, the rest +inf', () => {
    for (let m = 1; m <= 64; m++) {
      const size = 2 ** Math.ceil(Math.log2(Math.max(2, m)));
      const v = Array.from({ length: size }, (_x, i) => (i < m ? Math.floor(rand() * 20) : Infinity));
      const want = v.slice(0, m).sort((a, b) => a - b);
      for (const [a, b] of sortingNetwork(size, m)) if (v[a] > v[b]) [v[a], v[b]] = [v[b], v[a]];
      expect(v.slice(0, m)).toEqual(want);
    }
  });

  it('fuses to the same bits as the TypeScript path, with 48 neighbours and with a few', () => {
    const views = Array.from({ length: 49 }, (_v, k) => view(k - 24));
    const ref = views[24], others = views.filter((v) => v !== ref);
    for (const some of [others, others.slice(20, 26)]) {
      const ts = createViewFusion(K, { wasm: false }).fuse(ref, some);
      const wasm = createViewFusion(K);
      const got = wasm.fuse(ref, some);
      expect(Buffer.from(got.buffer).equals(Buffer.from(ts.buffer))).toBe(true);
      // Both paths are exercised: pixels fused, pixels keeping their own (the box), holes.
      let fused = 0, kept = 0, holes = 0;
      for (let i = 0; i < got.length; i++) {
        if (got[i] === 0) holes++;
        else if (got[i] === ref.inv[i]) kept++;
        else fused++;
      }
      expect(fused).toBeGreaterThan(0.5 * got.length);
      expect(kept).toBeGreaterThan(50);
      expect(holes).toBeGreaterThan(0);
      // A second frame through the same instance (its memory reused) agrees too.
      const next = { ...views[23], gain: 1 };
      expect(Buffer.from(wasm.fuse(next, some).buffer).equals(Buffer.from(createViewFusion(K, { wasm: false }).fuse(next, some).buffer))).toBe(true);
    }
  });
});

describe('temporal filter warp in WebAssembly', () => {
  it('filters a moving camera to the same bits as the TypeScript warp (odd and even widths)', () => {
    // 384 x 216: the grid at the intrinsics' own size (the warp leaves out its division by 1).
    for (const [w, h] of [[97, 61], [96, 54], [384, 216]]) {
      const Kt: Intrinsics = { fx: 300, fy: 300, cx: 192, cy: 108, width: 384, height: 216 };
      const [ts, wasm] = [false, true].map((on) => createTemporalFilter({ K: Kt, kind: 'metric', width: w, height: h, wasm: on }));
      const [tsInv, wasmInv] = [false, true].map((on) => createTemporalFilter({ K: Kt, kind: 'relative-inverse', width: w, height: h, wasm: on }));
      let merged = 0;
      for (let k = 0; k < 6; k++) {
        // A wall with a step and noise, holes; the camera moving toward it (cracks) and turning.
        const d = Float32Array.from({ length: w * h }, (_v, i) => (i % 89 === 0 ? 0 : (i % w < w / 2 ? 2 : 3) * (1 + 0.05 * (rand() - 0.5))));
        const c = Math.cos(0.01 * k), s = Math.sin(0.01 * k);
        const p: Mat4 = [c, 0, s, 0.02 * k, 0, 1, 0, 0, -s, 0, c, 0.15 * k, 0, 0, 0, 1];
        const a = ts.apply(d, p, 0, 1), b = wasm.apply(d, p, 0, 1);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
        for (let i = 0; i < d.length; i++) if (a[i] !== d[i]) merged++;
        // As the frame's output uses it: inverse depth prepared by the caller, the output flipped to depth.
        const [ta, wb] = [tsInv, wasmInv].map((f) => {
          const zr = f.depthAlongRay(), out = new Float32Array(d.length);
          for (let i = 0; i < d.length; i++) { zr[i] = d[i] > 0 ? Math.fround(1 / d[i]) : 0; out[i] = d[i]; }
          return f.applyPrepared(out, p, 0, 1, 0.8, true);
        });
        expect(Buffer.from(wb.buffer).equals(Buffer.from(ta.buffer))).toBe(true);
      }
      expect(merged, 'the history is merged (the warp is exercised)').toBeGreaterThan(w * h);
    }
  });
});
