import { describe, expect, it } from 'vitest';
import { createGeometryStage, type GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { invRigid, mul4, rotOf, rotationAngle } from '../../src-main/engine/geometry/linalg.ts';
import { scorePoses } from '../../research/eval/metrics.ts';
import type { Mat4 } from '../../src-main/common/types.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';

const K = intrinsicsFor(192, 144, { fovDeg: 70 });

async function run(path: Mat4[], o: { corrupt?: boolean; mvs?: boolean } = {}): Promise<GeometryOutput[]> {
  const stage = createGeometryStage({ intrinsics: K, analysisWidth: 192, mvs: o.mvs ?? false });
  const out: GeometryOutput[] = [];
  for (let i = 0; i < path.length; i++) {
    const f = renderRoom(path[i], K, i);
    out.push(...(await stage.push({ index: i, rgb: f.rgb, depth: o.corrupt ? corruptDepth(f.depth, i) : f.depth })));
  }
  out.push(...(await stage.flush()));
  return out;
}

describe('camera poses from rendered footage', () => {
  it('recovers a translating, turning camera path (rotation and translation error bounds)', async () => {
    const path = Array.from({ length: 24 }, (_, i) => poseYaw(0.012 * i, [0.04 * i, 0.01 * Math.sin(i / 3), 0.06 * i], 0.05));
    const out = await run(path, { corrupt: true });
    expect(out.map((o) => o.index)).toEqual(path.map((_, i) => i));
    expect(new Set(out.map((o) => o.shotId)).size).toBe(1);
    const est = out.map((o) => o.pose);
    const s = scorePoses(est, path);
    // ATE under 3% of the path after a similarity alignment.
    expect(s.ate / s.pathLength).toBeLessThan(0.03);
    // Frame-to-frame rotation error under 0.3 degrees on average, and the world is not drifting in rotation.
    expect(s.rpeRotDeg).toBeLessThan(0.3);
    const finalRotErr = (rotationAngle(rotOf(mul4(invRigid(path[path.length - 1]), mul4(path[0], est[est.length - 1])))) * 180) / Math.PI;
    expect(finalRotErr).toBeLessThan(2.5); // accumulated drift over 24 frames: < 0.1 deg a frame
    // Depth is metric here, so the translation scale must come out close to 1.
    expect(s.scale).toBeGreaterThan(0.8);
    expect(s.scale).toBeLessThan(1.25);
    expect(Math.min(...out.slice(2).map((o) => o.confidence))).toBeGreaterThan(0.4);
  }, 60_000);

  it('a static shot gives identity poses and low confidence, not garbage', async () => {
    const path = Array.from({ length: 10 }, () => poseYaw(0.2, [0.3, 0.1, 0.5]));
    const out = await run(path, { mvs: true });
    expect(out).toHaveLength(10);
    for (const o of out) {
      expect(o.pose.every(Number.isFinite)).toBe(true);
      const d = Math.hypot(o.pose[3], o.pose[7], o.pose[11]);
      expect(d).toBeLessThan(0.02);
      expect(o.confidence).toBeLessThan(0.2);
      expect(o.depth.data.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    }
  }, 60_000);

  it('a pure rotation gives the rotation, ~no translation and low confidence', async () => {
    const path = Array.from({ length: 12 }, (_, i) => poseYaw(0.02 * i, [0.2, 0, 0.4]));
    const out = await run(path, { mvs: true });
    const last = out[out.length - 1];
    const rel = mul4(invRigid(out[0].pose), last.pose);
    expect(Math.abs((rotationAngle(rotOf(rel)) * 180) / Math.PI - (0.02 * 11 * 180) / Math.PI)).toBeLessThan(0.5);
    expect(Math.hypot(rel[3], rel[7], rel[11])).toBeLessThan(0.05);
    for (const o of out.slice(1)) expect(o.confidence).toBeLessThan(0.35);
    for (const o of out) expect(o.depth.data.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  }, 60_000);
});
