import { describe, expect, it } from 'vitest';
import { STANDARD_WINDOW_PRESETS, type WindowParams } from '../../src-main/engine/infer/manifest.ts';
import { WindowStitcher } from '../../src-main/engine/stitch/stitcher.ts';
import { windowCount, windowInputFrames } from '../../src-main/engine/stitch/windows.ts';

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 12 * 9; // pixels per synthetic map

/** Smooth positive disparity maps, one per frame, that change over time. */
function truthMaps(frames: number, rand: () => number): Float32Array[] {
  return Array.from({ length: frames }, (_v, f) => {
    const m = new Float32Array(N);
    for (let i = 0; i < N; i++) m[i] = 1 + 0.5 * Math.sin(i * 0.3 + f * 0.1) + 0.3 * rand();
    return m;
  });
}

/**
 * Independent reference: a direct transcription of Video-Depth-Anything's infer_video_depth
 * (inputs built by index arithmetic on the padded clip, then the batch alignment loop over the
 * flat depth_list), written separately from the engine's streaming stitcher.
 */
function referenceStitch(outputsPerWindow: Float32Array[][], p: WindowParams, length: number): Float32Array[] {
  const depthList = outputsPerWindow.flat();
  const aligned: Float32Array[] = [];
  let refAlign: Float32Array[] = [];
  const alignLen = p.overlap - p.interpLen;
  const kfAlign = p.keyframes.slice(0, alignLen);
  const lsq = (pred: Float32Array[], ref: Float32Array[]) => {
    const x = pred.flatMap((a) => Array.from(a));
    const y = ref.flatMap((a) => Array.from(a));
    const n = x.length;
    const sx = x.reduce((a, b) => a + b, 0);
    const sy = y.reduce((a, b) => a + b, 0);
    const sxx = x.reduce((a, b) => a + b * b, 0);
    const sxy = x.reduce((a, b, i) => a + b * y[i], 0);
    const det = sxx * n - sx * sx;
    return [(n * sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det];
  };
  const st = (m: Float32Array, s: number, t: number) => Float32Array.from(m, (v) => Math.max(0, v * s + t));
  for (let frameId = 0; frameId < depthList.length; frameId += p.T) {
    if (aligned.length === 0) {
      aligned.push(...depthList.slice(0, p.T));
      for (const kf of kfAlign) refAlign.push(depthList[frameId + kf]);
    } else {
      const curr = Array.from({ length: kfAlign.length }, (_v, i) => depthList[frameId + i]);
      const [s, t] = lsq(curr, refAlign);
      const pre = aligned.slice(-p.interpLen);
      const post = depthList.slice(frameId + alignLen, frameId + p.overlap).map((m) => st(m, s, t));
      const step = 1 / (p.interpLen - 1);
      const mixed = pre.map((a, i) => Float32Array.from(a, (v, j) => v * (1 - i * step) + post[i][j] * i * step));
      aligned.splice(aligned.length - p.interpLen, p.interpLen, ...mixed);
      for (let i = p.overlap; i < p.T; i++) aligned.push(st(depthList[frameId + i], s, t));
      refAlign = refAlign.slice(0, 1);
      for (const kf of kfAlign.slice(1)) refAlign.push(st(depthList[frameId + kf], s, t));
    }
  }
  return aligned.slice(0, length);
}

function runStitcher(outputs: Float32Array[][], p: WindowParams, length: number): Float32Array[] {
  const s = new WindowStitcher(p, length);
  const got: { index: number; depth: Float32Array }[] = [];
  for (const w of outputs) got.push(...s.push(w));
  got.push(...s.flush());
  expect(got.map((g) => g.index)).toEqual(Array.from({ length }, (_v, i) => i));
  return got.map((g) => g.depth);
}

const maxAbsDiff = (a: Float32Array[], b: Float32Array[]) => {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
};

describe('window planning', () => {
  it('slot 0 is always frame 0 and overlapping slots repeat the previous keyframes', () => {
    const p = STANDARD_WINDOW_PRESETS.large;
    const w1 = windowInputFrames(1, 100, p);
    const w2 = windowInputFrames(2, 100, p);
    expect(w1.slice(0, 10)).toEqual([0, 12, 24, 25, 26, 27, 28, 29, 30, 31]);
    expect(w1.slice(10)).toEqual(Array.from({ length: 22 }, (_v, i) => 32 + i));
    expect(w2[0]).toBe(0);
    expect(w2[1]).toBe(22 + 12);
    expect(windowInputFrames(4, 100, p).at(-1)).toBe(99); // padded with the last frame
    expect(windowCount(100, p)).toBe(5);
  });
});

describe.each(['large', 'medium', 'small'] as const)('stitching, %s preset', (preset) => {
  const p = STANDARD_WINDOW_PRESETS[preset];

  for (const length of [p.T - 3, 3 * p.T + 5, 97]) {
    it(`recovers the truth from windows with known per-window scale/shift (${length} frames)`, () => {
      const rand = rng(length * 31 + p.T);
      const truth = truthMaps(length, rand);
      const K = windowCount(length, p);
      const applied: [number, number][] = [];
      const outputs = Array.from({ length: K }, (_v, k) => {
        // Window 0 is the reference frame of the result; later windows are off by a known affine map.
        const s = k === 0 ? 1 : 0.4 + 2 * rand();
        const t = k === 0 ? 0 : rand() - 0.5;
        applied.push([s, t]);
        return windowInputFrames(k, length, p).map((f) => Float32Array.from(truth[f], (v) => (v - t) / s));
      });
      const got = runStitcher(outputs, p, length);
      expect(maxAbsDiff(got, truth)).toBeLessThan(1e-4);
      // The windows really were misaligned: the raw outputs are far from the truth.
      if (K > 1) expect(Math.abs(applied[1][0] - 1) + Math.abs(applied[1][1])).toBeGreaterThan(0.01);
    });

    it(`matches the reference implementation on noisy windows (${length} frames)`, () => {
      const rand = rng(length * 7 + p.T);
      const truth = truthMaps(length, rand);
      const K = windowCount(length, p);
      const outputs = Array.from({ length: K }, (_v, k) =>
        windowInputFrames(k, length, p).map((f) => Float32Array.from(truth[f], (v) => (v * (1 + 0.3 * k)) + 0.2 * (rand() - 0.5))),
      );
      const got = runStitcher(outputs, p, length);
      const want = referenceStitch(outputs, p, length);
      expect(got.length).toBe(want.length);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    });
  }

  it('is deterministic and resumes from a saved state bit for bit', () => {
    const length = 4 * p.T;
    const rand = rng(5);
    const truth = truthMaps(length, rand);
    const K = windowCount(length, p);
    const outputs = Array.from({ length: K }, (_v, k) => windowInputFrames(k, length, p).map((f) => Float32Array.from(truth[f], (v) => v * (1 + 0.1 * k) + 0.05 * rand())));
    const full = runStitcher(outputs, p, length);
    const a = new WindowStitcher(p, length);
    const first = [...a.push(outputs[0]), ...a.push(outputs[1])];
    const b = new WindowStitcher(p, length, a.state());
    const rest = outputs.slice(2).flatMap((w) => b.push(w));
    rest.push(...b.flush());
    expect([...first, ...rest].map((x) => Array.from(x.depth))).toEqual(full.map((x) => Array.from(x)));
  });
});
