import { describe, expect, it } from 'vitest';
import { baWasm } from '../../src-main/engine/geometry/ba-wasm.ts';
import { estimatePose, rng } from '../../src-main/engine/geometry/pose.ts';
import { invRigid, mul4 } from '../../src-main/engine/geometry/linalg.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';
import { dataset } from '../helpers/shared.ts';
import { kinectDepth, kinectPoses } from '../helpers/kinect.ts';

// The pose RANSAC's hypothesis loop in WebAssembly (wasm/pose-ransac.as.ts, through ba-wasm.ts:
// ransacInto) against pose.ts's TypeScript loop, which stays its definition: the same draws, fits,
// counts and adaptive bound give the same estimate to the bit. Real data (kinect-room-5's frames and
// camera path, halved to 320 x 240) and made-up cases the tracker meets rarely: few points, repeated
// and collinear samples, too few depths, scales the fit rejects, every kind of `confidence`.

type Options = NonNullable<Parameters<typeof estimatePose>[4]>;

/** The estimate's bits: its pose as f64 hex, the inlier count, ratio and rms as f64 hex, ok. */
function estimated(P: Float32Array, uv: Float32Array, Z: Float32Array, K: Intrinsics, o: Options, on: boolean): unknown[] {
  const was = baWasm.on;
  baWasm.on = on;
  try {
    const e = estimatePose(P, uv, Z, K, { ...o });
    return [Buffer.from(Float64Array.from(e.T).buffer).toString('hex'), e.inliers, Buffer.from(Float64Array.of(e.ratio, e.rms).buffer).toString('hex'), e.ok];
  } finally {
    baWasm.on = was;
  }
}

function expectSame(P: Float32Array, uv: Float32Array, Z: Float32Array, K: Intrinsics, o: Options): unknown[] {
  const ref = estimated(P, uv, Z, K, o, false);
  expect(estimated(P, uv, Z, K, o, true)).toEqual(ref);
  return ref;
}

const DIR = dataset('kinect-room-5');
const DW = 320, DH = 240;
const KK: Intrinsics = { fx: 259, fy: 259.5, cx: 162.75, cy: 126.75, width: DW, height: DH };

/** Frame a's corners on a grid (with depth) as a's camera points, seen in frame b (true pose, noise, a share of outliers); b's depth at them. */
function kinectPair(a: number, b: number, seed: number, outliers: number): { P: Float32Array; uv: Float32Array; Z: Float32Array; T: Mat4 } {
  const c2w = kinectPoses(DIR), da = kinectDepth(DIR, a, DW, DH), db = kinectDepth(DIR, b, DW, DH);
  const T = mul4(invRigid(c2w[b - 1]), c2w[a - 1]);
  const rand = rng(seed);
  const P: number[] = [], uv: number[] = [], Z: number[] = [];
  for (let y = 6; y < DH - 6; y += 9)
    for (let x = 6; x < DW - 6; x += 11) {
      const z = da[y * DW + x];
      if (!(z > 0)) continue;
      const X = ((x - KK.cx) / KK.fx) * z, Y = ((y - KK.cy) / KK.fy) * z;
      const Xb = T[0] * X + T[1] * Y + T[2] * z + T[3], Yb = T[4] * X + T[5] * Y + T[6] * z + T[7], Zb = T[8] * X + T[9] * Y + T[10] * z + T[11];
      let u = (KK.fx * Xb) / Zb + KK.cx + (rand() - 0.5), v = (KK.fy * Yb) / Zb + KK.cy + (rand() - 0.5);
      if (rand() < outliers) { u = rand() * DW; v = rand() * DH; }
      const ui = Math.round(u), vi = Math.round(v);
      P.push(X, Y, z); uv.push(u, v);
      Z.push(ui >= 0 && vi >= 0 && ui < DW && vi < DH ? db[vi * DW + ui] : 0);
    }
  return { P: Float32Array.from(P), uv: Float32Array.from(uv), Z: Float32Array.from(Z), T };
}

describe('the pose RANSAC in WebAssembly, the same bits as pose.ts', () => {
  it("estimates kinect-room-5's frame poses as the TypeScript does, with and without a prior and a confidence", () => {
    let found = 0, cases = 0;
    for (const [a, b] of [[1, 2], [2, 3], [3, 4], [4, 5], [1, 3], [2, 5]])
      for (const outliers of [0.1, 0.45]) {
        const { P, uv, Z, T } = kinectPair(a, b, 7 * a + b, outliers);
        // A prior far enough off that the hypotheses must find the motion (a frame's offset in depth units).
        const off = T.slice() as Mat4;
        off[3] += 0.2; off[7] -= 0.15;
        for (const o of [{}, { confidence: 0.99 }, { init: off, confidence: 0.999, seed: 99 }, { init: T, iterations: 60 }, { thresholdPx: 3, seed: 2 ** 32 - 5 }] as Options[]) {
          const [, inliers, , ok] = expectSame(P, uv, Z, KK, o);
          cases++;
          if (ok && (inliers as number) > 0.4 * (uv.length / 2)) found++;
        }
      }
    // The comparisons are of estimates that found the motion (the loop ran and chose), not of failures.
    expect(found).toBeGreaterThan(cases / 2);
  });

  it('gives the same estimates on made-up cases: few points, degenerate samples, few depths, any confidence', () => {
    const rand = rng(4242);
    const K: Intrinsics = { fx: 300, fy: 310, cx: 160, cy: 120, width: 320, height: 240 };
    let moved = 0;
    for (let trial = 0; trial < 120; trial++) {
      const n = [8, 9, 12, 40, 200][trial % 5];
      const P = new Float32Array(3 * n), uv = new Float32Array(2 * n), Z = new Float32Array(n);
      // A small motion: rotation about y, a translation.
      const ang = (rand() - 0.5) * 0.1, c = Math.cos(ang), s = Math.sin(ang);
      const t = [(rand() - 0.5) * 0.3, (rand() - 0.5) * 0.1, (rand() - 0.5) * 0.2];
      const kind = trial % 6; // 0: plain, 1: repeated points, 2: collinear, 3: depth scaled (fits rejected), 4: few depths, 5: depths 0..3
      const scale = kind === 3 ? (trial % 4 === 0 ? 7 : 0.1) : 1 + (rand() - 0.5) * 0.2;
      for (let i = 0; i < n; i++) {
        let x = (rand() - 0.5) * 4, y = (rand() - 0.5) * 3, z = 2 + rand() * 4;
        if (kind === 1 && i % 3) { x = P[0]; y = P[1]; z = P[2]; }
        if (kind === 2) { x = -1 + (2 * i) / n; y = 0.5 * x; z = 3 + x; }
        P[3 * i] = x; P[3 * i + 1] = y; P[3 * i + 2] = z;
        const X = c * x + s * z + t[0], Y = y + t[1], Zc = -s * x + c * z + t[2];
        uv[2 * i] = (K.fx * X) / Zc + K.cx + (rand() - 0.5) * 0.6;
        uv[2 * i + 1] = (K.fy * Y) / Zc + K.cy + (rand() - 0.5) * 0.6;
        if (rand() < 0.2) { uv[2 * i] = rand() * 320; uv[2 * i + 1] = rand() * 240; }
        Z[i] = kind === 4 ? (i < 2 + (trial % 3) ? Zc * scale : 0) : kind === 5 ? (rand() < 0.5 ? Zc * scale : -1) : Zc * scale;
      }
      const init = [c, 0, s, t[0] * 0.5, 0, 1, 0, t[1], -s, 0, c, t[2] * 2, 0, 0, 0, 1] as Mat4;
      const confidence = [undefined, 0, 0.5, 0.99, 1][trial % 5];
      const o: Options = { seed: [12345, 0, 2 ** 31 + 17, 2 ** 32 + 3, 5.5][(trial >> 1) % 5], ...(confidence === undefined ? {} : { confidence }), ...(trial % 2 ? { init } : {}), ...(trial % 7 === 0 ? { iterations: 400 } : {}) };
      const [T] = expectSame(P, uv, Z, K, o);
      if (T !== Buffer.from(Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]).buffer).toString('hex')) moved++;
    }
    expect(moved, 'most estimates moved off the identity').toBeGreaterThan(60);
  });
});
