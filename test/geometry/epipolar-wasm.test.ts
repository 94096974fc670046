import { beforeAll, describe, expect, it } from 'vitest';
import { EPIPOLAR_SOURCE, compileKernels } from '../../scripts/build-wasm.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { trackingPyramid } from '../../src-main/engine/geometry/image.ts';
import { createFocalTracks, type FocalSpan } from '../../src-main/engine/geometry/focal-tracks.ts';
import { rigidSpan } from '../../src-main/engine/geometry/focal-epipolar.ts';
import { eightPoint, fundamentalRansac, pixelF, ransacHypotheses, sampson, type Norm } from '../../src-main/engine/geometry/epipolar.ts';
import { EPIPOLAR_WASM_BASE64 } from '../../src-main/engine/geometry/epipolar-wasm-binary.ts';
import { bestHypothesisWasm, eightPointWasm, epipolarWasm, pixelFWasm } from '../../src-main/engine/geometry/epipolar-wasm.ts';
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

  it('solves the eight-point samples and the least-squares refits to the bit, degenerate samples null', () => {
    const rand = rng(5);
    const n = 60, pa = new Float64Array(2 * n), pb = new Float64Array(2 * n);
    for (let i = 0; i < 2 * n; i++) { pa[i] = (rand() - 0.5) * 3; pb[i] = pa[i] * 0.9 + (rand() - 0.5) * 0.2; }
    // Degenerate corners: 40..47 on one line in both views, 48..55 all one corner.
    for (let i = 40; i < 48; i++) { pa[2 * i + 1] = 0.5 * pa[2 * i]; pb[2 * i + 1] = 0.5 * pb[2 * i]; }
    for (let i = 48; i < 56; i++) { pa[2 * i] = pa[96]; pa[2 * i + 1] = pa[97]; pb[2 * i] = pb[96]; pb[2 * i + 1] = pb[97]; }
    const samples: number[][] = [];
    for (let t = 0; t < 300; t++) {
      const ids = new Set<number>();
      while (ids.size < 8) ids.add(Math.floor(rand() * 40));
      samples.push([...ids]);
    }
    samples.push([40, 41, 42, 43, 44, 45, 46, 47], [48, 49, 50, 51, 52, 53, 54, 55], [0, 1, 2, 48, 49, 50, 51, 52]);
    // The refits: all corners, the first 9, the first 40, the line and the repeated corner with a few others.
    samples.push(Array.from({ length: n }, (_v, i) => i), Array.from({ length: 9 }, (_v, i) => i), Array.from({ length: 40 }, (_v, i) => i), [0, 1, 2, ...Array.from({ length: 16 }, (_v, i) => 40 + i)]);
    let nulls = 0;
    for (const ids of samples) {
      const ts = eightPoint(pa, pb, ids);
      const w = eightPointWasm(pa, pb, ids);
      expect(w && bits(w)).toBe(ts && bits(ts));
      if (!ts) nulls++;
    }
    expect(nulls).toBeGreaterThanOrEqual(2);
    // A whole hypothesis list, drawn and solved in one call.
    const on = withWasm(true, () => ransacHypotheses(pa, pb, 150, 9)), off = withWasm(false, () => ransacHypotheses(pa, pb, 150, 9));
    expect(on.Fn.map((F) => F && bits(F))).toEqual(off.Fn.map((F) => F && bits(F)));
  });

  it('gives the rigid corners and fundamental matrices the TypeScript gives on cockatoo\'s spans', () => {
    expect(spans.length).toBeGreaterThan(2);
    let compared = 0;
    for (const s of spans) {
      for (const [j, uv] of s.views.entries()) {
        const hyp = ransacHypotheses(s.ref, uv, 150, s.start * 31 + j + 1);
        const fromWasm = withWasm(true, () => ransacHypotheses(s.ref, uv, 150, s.start * 31 + j + 1));
        expect(fromWasm.Fn.map((F) => F && bits(F))).toEqual(withWasm(false, () => ransacHypotheses(s.ref, uv, 150, s.start * 31 + j + 1)).Fn.map((F) => F && bits(F)));
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
