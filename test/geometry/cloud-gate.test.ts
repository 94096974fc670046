import { describe, expect, it } from 'vitest';
import { surfaceAgreement } from '../../src-main/engine/geometry/cloud-gate.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { backproject, createCloudFuser } from '../../src-main/engine/geometry/pointcloud.ts';
import { createShotClouds, shotPlyPath } from '../../src-main/engine/geometry/shot-clouds.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

describe('fusing without smearing: frames at another scale are scaled onto the fused surface, failures left out', () => {
  const K = intrinsicsFor(96, 72, { fovDeg: 70 });
  const poses = [0, 1, 2, 3].map((i) => poseYaw(0.05 * i, [0.1 * i, 0, 0.05 * i]));
  const frames = poses.map((p, i) => renderRoom(p, K, i));
  const cloudOf = (i: number, scale = 1) => {
    const d = frames[i].depth;
    return backproject({ ...d, data: d.data.map((v) => v * scale) }, frames[i].rgb, K, poses[i], 1);
  };

  it('measures a frame at another scale as off the surface, a consistent one as on it', () => {
    const base = cloudOf(0).positions;
    expect(Math.abs(surfaceAgreement(base, cloudOf(1).positions, poses[1]).logRatio)).toBeLessThan(0.01);
    const off = surfaceAgreement(base, cloudOf(1, 1.2).positions, poses[1]);
    expect(off.logRatio).toBeCloseTo(Math.log(1.2), 1);
    expect(off.share).toBeGreaterThan(0.3);
  });

  it('lays a frame at a drifted scale onto the surface, not as a shifted copy (the fan of layers); a failed frame is left out', () => {
    const f = createCloudFuser();
    expect(f.add(cloudOf(0), poses[0])).toBe(true);
    expect(f.add(cloudOf(1), poses[1])).toBe(true);
    expect(f.add(cloudOf(2, 1.15), poses[2])).toBe(true);
    // Scaled onto the surface: the fused cloud agrees with frame 2's true depth, not with its drifted copy.
    expect(Math.abs(surfaceAgreement(f.cloud().positions, cloudOf(2).positions, poses[2]).logRatio)).toBeLessThan(0.02);
    const before = f.cloud().positions.length;
    expect(f.add(cloudOf(3, 2), poses[3])).toBe(false);
    expect(f.cloud().positions.length).toBe(before);
    expect(f.add(cloudOf(3), poses[3])).toBe(true);
    expect(f.stats).toEqual({ kept: 4, aligned: 1, left: 1 });
  });

  it('two shots are never fused into one world (each starts at its own origin)', () => {
    const s = createShotClouds();
    s.add(0, cloudOf(0), poses[0]);
    // A second shot, at a scale the first would refuse: it is its own cloud, not a rejected frame.
    expect(s.add(1, cloudOf(0, 1.5), poses[0])).toBe(true);
    expect(s.shots()).toEqual([0, 1]);
    expect(s.cloud(1).positions.length).toBeGreaterThan(100);
    expect(shotPlyPath('/x/cloud.ply', 1)).toBe('/x/cloud-shot1.ply');
  });
});
