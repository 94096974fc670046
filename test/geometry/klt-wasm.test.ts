import { beforeAll, describe, expect, it } from 'vitest';
import { compileKernels, KLT_SOURCE } from '../../scripts/build-wasm.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { cornerScore, detectCorners, lk, trackKLT } from '../../src-main/engine/geometry/features.ts';
import { gradients, trackingPyramid, type Plane } from '../../src-main/engine/geometry/image.ts';
import { KLT_WASM_BASE64 } from '../../src-main/engine/geometry/klt-wasm-binary.ts';
import { cornerScoreWasm, lkWasm } from '../../src-main/engine/geometry/klt-wasm.ts';
import { embeddedWasm, wasmInstance } from '../../src-main/engine/wasm-instance.ts';
import { clip } from '../helpers/shared.ts';

/** Tracking pyramids of real frames of a handheld clip (the analysis's 256-wide grid, so 512-wide tracking). */
let pyr: Plane[][];
beforeAll(async () => {
  const info = await probe(clip('cockatoo.mp4'));
  pyr = [];
  for (const i of [10, 12, 30]) {
    const f = await readFrame(info, i, {});
    pyr.push(trackingPyramid(f.data, f.width, f.height, 256));
  }
}, 60_000);

/** Corners of the first frame, plus points at and past the border (the clamped-sampling path, and tracks that leave). */
function points(p: Plane[]): Float32Array {
  const c = detectCorners(p[0], 16);
  const w = p[0].width;
  return Float32Array.from([...c, 0.5, 0.5, 3.2, 100.7, w - 1.5, 50.25, w + 3, 20, -2, 40, 250.3, 1.1]);
}

describe('KLT in WebAssembly', () => {
  it('the embedded module is the one built from geometry/wasm/klt.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(KLT_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(KLT_WASM_BASE64);
  }, 60_000);

  it('tracks real frames to the same bits as the TypeScript reference, both ways, near and far', () => {
    for (const [a, b, r] of [[0, 1, 7], [1, 0, 7], [0, 2, 4], [2, 1, 7]] as const) {
      const pts = points(pyr[a]);
      const ref = lk(pyr[a], pyr[b], pts, r);
      const got = lkWasm(pyr[a], pyr[b], pts, r);
      let tracked = 0;
      for (let i = 0; i < ref.ok.length; i++) tracked += ref.ok[i];
      expect(tracked, 'most corners track (the test exercises the iterations)').toBeGreaterThan(0.5 * ref.ok.length);
      expect(tracked, 'some points fail (the failure paths agree too)').toBeLessThan(ref.ok.length);
      expect(Array.from(got.ok)).toEqual(Array.from(ref.ok));
      expect(Buffer.from(got.pts.buffer).equals(Buffer.from(ref.pts.buffer))).toBe(true);
    }
  });

  it("a pyramid made in another frame's recycled arrays is tracked as itself, not as the pyramid its slot held", () => {
    // The frame window recycles level arrays (frame-window.ts); each new pyramid wraps them in new Planes.
    const arrays = pyr[1].map((l) => l.data.slice());
    const pts = points(pyr[0]);
    lkWasm(pyr[0], pyr[1].map((l, k) => ({ ...l, data: arrays[k] })), pts, 7);
    pyr[2].forEach((l, k) => arrays[k].set(l.data));
    const got = lkWasm(pyr[0], pyr[2].map((l, k) => ({ ...l, data: arrays[k] })), pts, 7), ref = lk(pyr[0], pyr[2], pts, 7);
    expect(Array.from(got.ok)).toEqual(Array.from(ref.ok));
    expect(Buffer.from(got.pts.buffer).equals(Buffer.from(ref.pts.buffer))).toBe(true);
  });

  it('a tracking pyramid at the frame size (as the analysis makes it) has the bits of the reference', async () => {
    const info = await probe(clip('cockatoo.mp4'));
    // The analysis's size, and an odd one (the vector loops' tails: n % 4 = 1, odd level widths).
    for (const [w, h, sizes] of [[398, 224, [[398, 224], [199, 112], [99, 56], [49, 28]]], [203, 115, [[203, 115], [101, 57], [50, 28], [25, 14]]]] as const)
      for (const i of [0, 30]) {
        const f = await readFrame(info, i, { width: w, height: h });
        const got = trackingPyramid(f.data, f.width, f.height, 256), ref = trackingPyramid(f.data, f.width, f.height, 256, false);
        expect(got.map((l) => [l.width, l.height])).toEqual(sizes);
        for (let l = 0; l < ref.length; l++) expect(Buffer.from(got[l].data.buffer).equals(Buffer.from(ref[l].data.buffer)), `level ${l}`).toBe(true);
        // Into recycled levels (another frame's values in them; one of the wrong size is replaced): the same bits.
        const into = got.map((l, k) => (k === 2 ? new Float32Array(7) : new Float32Array(l.data.length).fill(3.25)));
        const again = trackingPyramid(f.data, f.width, f.height, 256, true, into);
        for (let l = 0; l < ref.length; l++) {
          expect(again[l].data === into[l], `level ${l} reused`).toBe(l !== 2);
          expect(Buffer.from(again[l].data.buffer).equals(Buffer.from(ref[l].data.buffer)), `level ${l} into`).toBe(true);
        }
      }
  }, 60_000);

  it('the padded planes the tracker reads: the level with its edges repeated, and its gradients (zero on the border), over memory holding other values', () => {
    const mod = embeddedWasm(KLT_WASM_BASE64);
    for (const p of [pyr[0][0], pyr[1][1], pyr[2][3]]) {
      const w = p.width, h = p.height, P = 18, S = w + 2 * P, N = S * (h + 2 * P);
      const { exports: x, buffer } = wasmInstance<{ padCopy(...a: number[]): void; gradients(...a: number[]): void }>(mod(), 4 * (4 * N + w * h) + 64);
      new Uint8Array(buffer).fill(0x41); // 12.1 in every float: what a slot's last pyramid left
      const src = 4 * 3 * N, origin = 4 * (P * S + P);
      new Float32Array(buffer, src, w * h).set(p.data);
      x.padCopy(src, w, h, P, origin);
      x.gradients(origin, w, h, P, 4 * N + origin, 8 * N + origin);
      const [d, gx, gy] = [0, 1, 2].map((k) => new Float32Array(buffer, 4 * k * N, N));
      const ref = gradients(p);
      const at = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
      const want = { d: new Float32Array(N), gx: new Float32Array(N), gy: new Float32Array(N) };
      for (let y = -P; y < h + P; y++)
        for (let c = -P; c < w + P; c++) {
          const i = (y + P) * S + c + P, inside = y >= 0 && y < h && c >= 0 && c < w;
          want.d[i] = p.data[at(y, h) * w + at(c, w)];
          if (inside) { want.gx[i] = ref.gx[y * w + c]; want.gy[i] = ref.gy[y * w + c]; }
        }
      for (const [k, got] of [['d', d], ['gx', gx], ['gy', gy]] as const) expect(Buffer.from(got.slice().buffer).equals(Buffer.from(want[k].buffer)), `${k} ${w}x${h}`).toBe(true);
    }
  });

  it('the WebAssembly score plane and its largest value have the bits of the reference, at every size tracked', () => {
    for (const p of [...pyr.map((q) => q[0]), pyr[0][1], pyr[1][2], pyr[0][3]]) {
      const got = cornerScoreWasm(p), ref = cornerScore(p);
      expect(got.max).toBe(ref.max);
      expect(got.max).toBeGreaterThan(0);
      expect(Buffer.from(got.score.slice().buffer).equals(Buffer.from(ref.score.slice(0, p.width * p.height).buffer)), `${p.width}x${p.height}`).toBe(true);
    }
  });

  it('corners from the WebAssembly score plane are the reference corners, at every size tracked', () => {
    for (const p of [...pyr.map((q) => q[0]), pyr[0][1], pyr[0][3]])
      for (const cell of [12, 7]) {
        const got = detectCorners(p, cell), ref = detectCorners(p, cell, 8, false);
        expect(ref.length).toBeGreaterThan(p.width < 100 ? 5 : 100);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }
  });

  it('trackKLT (which runs the WebAssembly) follows a known shift of a real frame', () => {
    // Frame 10 moved 3.25 px right and 1.5 px down by resampling level 0 (the pyramid rebuilt from it).
    const src = pyr[0][0];
    const shifted = new Float32Array(src.data.length);
    const W = src.width, H = src.height;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const sx = Math.min(W - 1.001, Math.max(0, x - 3.25)), sy = Math.min(H - 1.001, Math.max(0, y - 1.5));
        const x0 = Math.floor(sx), y0 = Math.floor(sy), ax = sx - x0, ay = sy - y0, i = y0 * W + x0, d = src.data;
        shifted[y * W + x] = (d[i] * (1 - ax) + d[i + 1] * ax) * (1 - ay) + (d[i + W] * (1 - ax) + d[i + W + 1] * ax) * ay;
      }
    const moved = [{ width: W, height: H, data: shifted }];
    while (moved.length < pyr[0].length) {
      const p = moved[moved.length - 1], w = p.width >> 1, h = p.height >> 1, d = new Float32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = (p.data[2 * y * p.width + 2 * x] + p.data[2 * y * p.width + 2 * x + 1] + p.data[(2 * y + 1) * p.width + 2 * x] + p.data[(2 * y + 1) * p.width + 2 * x + 1]) / 4;
      moved.push({ width: w, height: h, data: d });
    }
    const pts = detectCorners(src, 10);
    const tr = trackKLT(pyr[0], moved, pts, 7, 0.7);
    const dx: number[] = [], dy: number[] = [];
    for (let i = 0; i < tr.ok.length; i++) if (tr.ok[i]) { dx.push(tr.pts[2 * i] - pts[2 * i]); dy.push(tr.pts[2 * i + 1] - pts[2 * i + 1]); }
    const med = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1];
    expect(dx.length).toBeGreaterThan(0.5 * tr.ok.length);
    expect(med(dx)).toBeCloseTo(3.25, 1);
    expect(med(dy)).toBeCloseTo(1.5, 1);
  });
});
