import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BA_SOURCE, compileKernels } from '../../scripts/build-wasm.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { createGeometryStage } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { BA_WASM_BASE64 } from '../../src-main/engine/geometry/ba-wasm-binary.ts';
import { baWasm } from '../../src-main/engine/geometry/ba-wasm.ts';
import type * as WindowBa from '../../src-main/engine/geometry/window-ba.ts';
import type * as Pose from '../../src-main/engine/geometry/pose.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';
import { openFrameDepthModel } from '../../research/eval/depth-model.ts';
import { clip } from '../helpers/shared.ts';

type WindowCall = Parameters<typeof WindowBa.bundleAdjustWindow>;
type PoseCall = Parameters<typeof Pose.estimatePose>;
type RotationCall = Parameters<typeof Pose.preferRotationOnly>;

// The modules themselves, for the replays (their mocks below record the stage's calls).
const windowBa = await vi.importActual<typeof WindowBa>('../../src-main/engine/geometry/window-ba.ts');
const pose = await vi.importActual<typeof Pose>('../../src-main/engine/geometry/pose.ts');

// The tracker's calls, their inputs copied as they were made (the tracker refines its problems in place
// afterwards; its observations carry their frames, which the adjustment never reads).
const seen = vi.hoisted(() => ({ windows: [] as unknown[][], poses: [] as unknown[][], rotations: [] as unknown[][] }));
vi.mock('../../src-main/engine/geometry/window-ba.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src-main/engine/geometry/window-ba.ts')>();
  return {
    ...m,
    bundleAdjustWindow: (...a: WindowCall) => {
      const [pb, obs, K, o] = a;
      const copy = { rays: pb.rays.slice(), q: pb.q.slice(), q0: pb.q0.slice(), ...(pb.w0 ? { w0: pb.w0.slice() } : {}) };
      seen.windows.push([copy, obs.map((ob) => ({ T: [...ob.T], ids: ob.ids.slice(), uv: ob.uv.slice() })), { ...K }, structuredClone(o)]);
      return m.bundleAdjustWindow(...a);
    },
  };
});
vi.mock('../../src-main/engine/geometry/pose.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src-main/engine/geometry/pose.ts')>();
  return {
    ...m,
    estimatePose: (...a: PoseCall) => { seen.poses.push(structuredClone(a)); return m.estimatePose(...a); },
    preferRotationOnly: (...a: RotationCall) => { seen.rotations.push(structuredClone(a)); return m.preferRotationOnly(...a); },
  };
});

/** Up to n of the calls, evenly spread (the field-of-view search alone adjusts thousands of windows). */
const spread = <T>(calls: T[], n: number): T[] => (calls.length <= n ? calls : Array.from({ length: n }, (_v, i) => calls[Math.floor((i * calls.length) / n)]));

/** The bits of a list of numbers (a pose, depths) as f64. */
const bits = (v: ArrayLike<number>) => Buffer.from(Float64Array.from(v).buffer).toString('hex');

/** Runs f with the kernels in TypeScript (on: false) or WebAssembly. */
function withWasm<T>(on: boolean, f: () => T): T {
  const was = baWasm.on;
  baWasm.on = on;
  try { return f(); } finally { baWasm.on = was; }
}

/** One window adjusted from a fresh copy of its call, as the bits of what it refines. */
function adjusted(call: unknown[], on: boolean, focal?: { s: number; s0: number; sigma: number }): string[] {
  const [pb, obs, K, o] = structuredClone(call) as WindowCall;
  const opts = { ...o, ...(focal ? { focal: { ...focal } } : {}) };
  withWasm(on, () => windowBa.bundleAdjustWindow(pb, obs, K, opts));
  return [bits(pb.q), ...obs.map((ob) => bits(ob.T)), bits([opts.focal?.s ?? 0, opts.focal?.info ?? 0])];
}

beforeAll(async () => {
  // cockatoo's first 40 frames through the geometry stage (the model's depth, the tracker's windows).
  const info = await probe(clip('cockatoo.mp4'));
  const model = await openFrameDepthModel('fastdepth');
  let stage: ReturnType<typeof createGeometryStage> | null = null;
  try {
    for await (const rgb of readFrames(info, { width: 224, end: 40 })) {
      const depth = await model.predict(rgb);
      stage ??= createGeometryStage({ intrinsics: intrinsicsFor(depth.width, depth.height), analysisWidth: 192, mvs: false });
      await stage.push({ index: rgb.index, rgb, depth });
    }
    await stage!.flush();
  } finally {
    await model.close();
  }
}, 120_000);

describe('the window bundle adjustment and pose kernels in WebAssembly', () => {
  it('the embedded module is the one built from geometry/wasm/ba.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels(BA_SOURCE);
    expect(Buffer.from(fresh).toString('base64')).toBe(BA_WASM_BASE64);
  }, 60_000);

  it("adjusts cockatoo's windows to the TypeScript's bits, with the focal free too", () => {
    expect(seen.windows.length, 'the tracker adjusted windows').toBeGreaterThan(20);
    const windows = spread(seen.windows, 200);
    expect(new Set(windows.map((w) => (w[1] as unknown[]).length)).size, 'windows of 1 to 6 views').toBe(6);
    for (const call of windows) {
      const ref = adjusted(call, false), got = adjusted(call, true);
      expect(got).toEqual(ref);
      // The adjustment moved something (the comparison is not of untouched inputs).
      expect(ref[0]).not.toBe(bits((call[0] as WindowCall[0]).q));
    }
    // The focal's unknown, its prior and its information: every fifth window again with the focal free.
    for (const call of windows.filter((_w, i) => i % 5 === 0)) {
      const focal = { s: 0.05, s0: 0, sigma: 0.1 };
      const ref = adjusted(call, false, focal), got = adjusted(call, true, focal);
      expect(got).toEqual(ref);
      expect(ref[ref.length - 1]).not.toBe(bits([0.05, 0]));
    }
  });

  it("estimates cockatoo's frame poses to the TypeScript's bits (RANSAC counts and refinements)", () => {
    expect(seen.poses.length).toBeGreaterThan(20);
    expect(seen.rotations.length).toBeGreaterThan(20);
    for (const call of spread(seen.poses, 150)) {
      const [ref, got] = [false, true].map((on) => withWasm(on, () => pose.estimatePose(...(structuredClone(call) as PoseCall))));
      expect([bits(got.T), got.inliers, bits([got.ratio, got.rms]), got.ok]).toEqual([bits(ref.T), ref.inliers, bits([ref.ratio, ref.rms]), ref.ok]);
    }
    let rotationOnly = 0;
    const rotations = spread(seen.rotations, 150);
    for (const call of rotations) {
      const [ref, got] = [false, true].map((on) => withWasm(on, () => pose.preferRotationOnly(...(structuredClone(call) as RotationCall))));
      expect([bits(got.T), got.rotationOnly]).toEqual([bits(ref.T), ref.rotationOnly]);
      if (ref.rotationOnly) rotationOnly++;
    }
    expect(rotationOnly, 'both answers of the model selection are met').toBeLessThan(rotations.length);
  });

  it('a window larger than the memory so far gets a new instance and the same bits', () => {
    // Every observation of a window repeated 4 times over as many views (more views and observations than any before).
    const [pb, obs, K, o] = seen.windows[seen.windows.length - 1] as [WindowCall[0], { T: Mat4; ids: Int32Array; uv: Float32Array }[], Intrinsics, WindowCall[3]];
    const big = [pb, [...obs, ...obs, ...obs, ...obs].map((ob) => ({ ...ob })), K, { ...o, iterations: 3 }];
    expect(adjusted(big, true)).toEqual(adjusted(big, false));
  });
});
