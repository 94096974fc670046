import { describe, expect, it } from 'vitest';
import { createCalibratedStage } from '../../src-main/engine/geometry/calibrated-stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import type { GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import type { Intrinsics, Mat4 } from '../../src-main/common/types.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';

const W = 192, H = 144;

/**
 * While the last search runs, the held frames go through a stage with the default camera, kept when the
 * search keeps the default and dropped when it finds the camera (calibrated-stage.ts: decideLast). Either
 * way the outputs must be those of a stage told the decided camera from the start: the same bits.
 */
async function run(path: Mat4[], trueFov: number, given: Intrinsics | null) {
  const K = intrinsicsFor(W, H, { fovDeg: trueFov });
  const stage = createCalibratedStage({ intrinsics: given ?? intrinsicsFor(W, H), source: given ? 'user' : 'default', analysisWidth: W, outputThread: true });
  const out: GeometryOutput[] = [];
  for (let i = 0; i < path.length; i++) {
    const f = renderRoom(path[i], K, i);
    out.push(...(await stage.push({ index: i, rgb: f.rgb, depth: corruptDepth(f.depth, i) })));
  }
  out.push(...(await stage.flush()));
  return { camera: stage.camera()!, out };
}

function expectSameOutputs(a: GeometryOutput[], b: GeometryOutput[]) {
  expect(a.map((o) => o.index)).toEqual(b.map((o) => o.index));
  for (let i = 0; i < a.length; i++) {
    expect(Buffer.from(a[i].depth.data.buffer, a[i].depth.data.byteOffset, a[i].depth.data.byteLength).equals(Buffer.from(b[i].depth.data.buffer, b[i].depth.data.byteOffset, b[i].depth.data.byteLength))).toBe(true);
    expect(a[i].pose).toEqual(b[i].pose);
    expect(a[i].confidence).toBe(b[i].confidence);
  }
}

describe('the held frames while the last field of view search runs', () => {
  it('the search finds the camera: the default camera\'s stage is dropped, the outputs are the found camera\'s', async () => {
    // A still start the first search cannot tell from, then motion: the last search, at the hold's limit,
    // finds the camera while the held frames go through the default's stage (far enough, on most
    // machines, that it has handed outputs, and so their depth, to its output thread).
    const still = Array.from({ length: 48 }, () => poseYaw(0, [0, 0, 0]));
    const moving = Array.from({ length: 52 }, (_, i) => poseYaw(0.012 * i, [0.04 * i, 0.01 * Math.sin(i / 3), 0.06 * i], 0.05));
    const path = [...still, ...moving];
    const found = await run(path, 80, null);
    expect(found.camera.source).toBe('estimated');
    expect(Math.abs(found.camera.fovDeg - 60)).toBeGreaterThan(10);
    const told = await run(path, 80, found.camera.K);
    expectSameOutputs(found.out, told.out);
  }, 240_000);

  it('the search keeps the default: the default camera\'s stage goes on, its outputs those of a stage told the default', async () => {
    const still = Array.from({ length: 24 }, (_, i) => poseYaw(0.2, [0.3, 0.1, 0.5 + 0.0001 * i]));
    const kept = await run(still, 90, null);
    expect(kept.camera.source).toBe('default');
    const told = await run(still, 90, intrinsicsFor(W, H));
    expectSameOutputs(kept.out, told.out);
  }, 240_000);
});
