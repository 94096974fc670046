import { beforeAll, describe, expect, it } from 'vitest';
import { EPIPOLAR_SOURCE, compileKernels } from '../../scripts/build-wasm.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { trackingPyramid } from '../../src-main/engine/geometry/image.ts';
import { createFocalTracks, type FocalSpan } from '../../src-main/engine/geometry/focal-tracks.ts';
import { rigidSpan } from '../../src-main/engine/geometry/focal-epipolar.ts';
import { fundamentalRansac, pixelF, ransacHypotheses, sampson, type Norm } from '../../src-main/engine/geometry/epipolar.ts';
import { EPIPOLAR_WASM_BASE64 } from '../../src-main/engine/geometry/epipolar-wasm-binary.ts';
import { bestHypothesisWasm, epipolarWasm, pixelFWasm } from '../../src-main/engine/geometry/epipolar-wasm.ts';
import { rng } from '../../src-main/engine/geometry/pose.ts';
import { clip } from '../helpers/shared.ts';

/** The bits of a list of numbers as f64 (NaN's and -0's included). */
const bits = (v: ArrayLike<number>) => Buffer.from(Float64Array.from(v).buffer).toString('hex');

/** Runs f with the hypotheses scored in TypeScript (on: false) or WebAssembly. */
function withWasm<T>(on: boolean, f: () => T): T {
  const was = epipolarWasm.on;
  epipolarWasm.on = on;
  try { return f(); } finally { epipolarWasm.on = was; }
}

/** A RANSAC result or a rigid span as comparable bits. */
const ransacBits = (r: ReturnType<typeof fundamentalRansac>) => (r ? { F: bits(r.F), inliers: Array.from(r.inliers).join(''), count: r.count } : null);

/** The camera matrix of a horizontal field of view (the consensus' lenses) for a w x h picture. */
const lens = (fov: number, w: number, h: number) => {
  const f = w / 2 / Math.tan((fov * Math.PI) / 360);
  return [f, 0, w / 2, 0, f, h / 2, 0, 0, 1];
};

const W = 256;
let spans: FocalSpan[] = [];
let H = 0;

beforeAll(async () => {
  // cockatoo's first 48 frames tracked as the calibrated stage tracks them (its depth prior plays no part here).
  const info = await probe(clip('cockatoo.mp4'));
  const tracks = createFocalTracks();
  for await (const rgb of readFrames(info, { width: W, end: 48 })) {
    const pyr = trackingPyramid(rgb.data, rgb.width, rgb.height, W);
    H = pyr[0].height;
    tracks.push(pyr, () => 1, rgb.index);
  }
  tracks.finish();
  spans = tracks.spans;
}, 120_000);

describe('the epipolar RANSAC scoring in WebAssembly', () => {
  it('the embedded module is the one built from geometry/wasm/epipolar.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(EPIPOLAR_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(EPIPOLAR_WASM_BASE64);
  }, 60_000);

  it('makes each hypothesis F to the bit, also rank-deficient, zero and non-finite ones', () => {
    const rand = rng(7);
    const g = () => (rand() - 0.5) * 4;
    const cases: number[][] = [];
    for (let i = 0; i < 400; i++) {
      const u = [g(), g(), g()], v = [g(), g(), g()], w = [g(), g(), g()], z = [g(), g(), g()];
      const rank = i % 4;
      // Sums of rank-one terms: rank 0 (zero, or -0's), 1, 2 (as the eight-point solve makes them), 3.
      cases.push(Array.from({ length: 9 }, (_x, k) => {
        const r = Math.floor(k / 3), c = k % 3;
        if (rank === 0) return i % 8 ? 0 : -0;
        return u[r] * v[c] + (rank > 1 ? w[r] * z[c] : 0) + (rank > 2 ? g() : 0);
      }));
    }
    // Equal singular values, a repeated column, huge and tiny scales, an infinity and a NaN.
    cases.push([1, 0, 0, 0, 1, 0, 0, 0, 0], [0, -1, 0, 1, 0, 0, 0, 0, 0], [1, 1, 1, 2, 2, 2, 3, 3, 3], [1e150, 2, 3, 4, 1e-150, 6, 7, 8, 9]);
    cases.push([1e-200, 0, 0, 0, 1e-200, 0, 0, 0, 1e-200], [Infinity, 0, 0, 0, 1, 0, 0, 0, 1], [NaN, 0, 0, 0, 1, 0, 0, 0, 1]);
    const na: Norm = { s: 0.0123, mx: 131.7, my: 70.2 }, nb: Norm = { s: 0.0119, mx: 128.4, my: 73.9 };
    const Ks = [undefined, ...[35, 55, 75, 95, 115].map((fov) => lens(fov, 256, 144))];
    let checked = 0;
    for (const Fn of cases) for (const K of Ks) {
      expect(bits(pixelFWasm(Fn, na, nb, K))).toBe(bits(pixelF(Fn, na, nb, K)));
      checked++;
    }
    expect(checked).toBe(cases.length * Ks.length);
  });

  it('picks the hypothesis and count the TypeScript picks, nulls skipped, on random corners', () => {
    const rand = rng(11);
    const n = 150, a = new Float64Array(2 * n), b = new Float64Array(2 * n);
    for (let i = 0; i < 2 * n; i++) { a[i] = rand() * 256; b[i] = a[i] + (rand() - 0.5) * 6; }
    const h = ransacHypotheses(a, b, 150, 3);
    // Every tenth dropped, as a degenerate sample's is; the list's first null too.
    const Fn = h.Fn.map((F, i) => (i % 10 === 0 ? null : F));
    for (const K of [undefined, lens(35, 256, 144), lens(95, 256, 144)]) for (const thr2 of [1, 4, 0.25]) {
      let index = -1, count = -1;
      for (const [k, F] of Fn.entries()) {
        if (!F) continue;
        const P = pixelF(F, h.na, h.nb, K);
        let c = 0;
        for (let i = 0; i < n; i++) if (sampson(P, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]) < thr2) c++;
        if (c > count) { count = c; index = k; }
      }
      expect(index).toBeGreaterThan(0);
      expect({ ...bestHypothesisWasm(Fn, h.na, h.nb, a, b, n, thr2, K) }).toEqual({ index, count });
    }
    expect(bestHypothesisWasm([null, null], h.na, h.nb, a, b, n, 1, undefined).index).toBe(-1);
  });

  it('gives the rigid corners and fundamental matrices the TypeScript gives on cockatoo\'s spans', () => {
    expect(spans.length).toBeGreaterThan(2);
    let compared = 0;
    for (const s of spans) {
      for (const [j, uv] of s.views.entries()) {
        const hyp = ransacHypotheses(s.ref, uv, 150, s.start * 31 + j + 1);
        for (const K of [undefined, ...[35, 55, 75, 95, 115].map((fov) => lens(fov, W, H))]) {
          const o = { thresholdPx: 1, hypotheses: hyp, ...(K ? { K } : {}) };
          const ts = withWasm(false, () => fundamentalRansac(s.ref, uv, o));
          expect(ransacBits(withWasm(true, () => fundamentalRansac(s.ref, uv, o)))).toEqual(ransacBits(ts));
          if (ts) compared++;
        }
      }
      const rigidBits = (r: ReturnType<typeof rigidSpan>) => r && { F: r.F.map(bits), ref: bits(r.span.ref), views: r.span.views.map(bits) };
      expect(rigidBits(withWasm(true, () => rigidSpan(s, 20, W, H)))).toEqual(rigidBits(withWasm(false, () => rigidSpan(s, 20, W, H))));
    }
    expect(compared).toBeGreaterThan(20);
  }, 120_000);
});
