import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backproject, createCloudFuser, createVoxelGrid, readPly, writePly } from '../../src-main/engine/geometry/pointcloud.ts';
import { posesFileSchema, writeCameraPath } from '../../src-main/engine/geometry/camera-path.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
const tmp = async () => { const d = await mkdtemp(join(tmpdir(), 'gd-geom-')); dirs.push(d); return d; };

describe('point cloud and camera path exports', () => {
  const K = intrinsicsFor(96, 72, { fovDeg: 70 });
  const poses = [poseYaw(0, [0, 0, 0]), poseYaw(0.3, [0.5, 0, 0.2])];
  const frames = poses.map((p, i) => renderRoom(p, K, i));

  it('back-projects every frame into one world: the same wall lands at the same place', () => {
    const grid = createVoxelGrid(0.05);
    for (const f of frames) {
      const c = backproject(f.depth, f.rgb, K, f.c2w, 2);
      expect(c.positions.length).toBe(c.colors.length);
      // The room's walls are at z = 6, x = +-3, y = +-2, z = -2: every point must lie on one of them.
      for (let i = 0; i < c.positions.length / 3; i++) {
        const [x, y, z] = [c.positions[i * 3], c.positions[i * 3 + 1], c.positions[i * 3 + 2]];
        const onWall = Math.min(Math.abs(Math.abs(x) - 3), Math.abs(Math.abs(y) - 2), Math.abs(z - 6), Math.abs(z + 2));
        expect(onWall).toBeLessThan(0.05);
      }
      grid.add(c);
    }
    const fused = grid.cloud();
    const raw = frames.reduce((n, f) => n + backproject(f.depth, f.rgb, K, f.c2w, 2).positions.length / 3, 0);
    expect(fused.positions.length / 3).toBeGreaterThan(100);
    expect(fused.positions.length / 3).toBeLessThan(raw);
  });

  it('fuses a clip into a cloud bounded by the scene, not by the number of frames', () => {
    const fuser = createCloudFuser();
    const sizes: number[] = [];
    for (let pass = 0; pass < 5; pass++) {
      for (const f of frames) fuser.add(backproject(f.depth, f.rgb, K, f.c2w, 1), f.c2w);
      sizes.push(fuser.cloud().positions.length / 3);
    }
    expect(sizes[0]).toBeGreaterThan(500);
    // Revisiting the same views adds no voxels: 5x the frames, same cloud.
    expect(sizes[4]).toBe(sizes[0]);
  });

  it('writes a binary little-endian PLY that reads back (header, count, finite coordinates)', async () => {
    const d = await tmp();
    const c = backproject(frames[0].depth, frames[0].rgb, K, frames[0].c2w, 3);
    await writePly(join(d, 'cloud.ply'), c, { unit: 'relative (arbitrary scale, one per shot)' });
    const buf = await readFile(join(d, 'cloud.ply'));
    const head = buf.subarray(0, buf.indexOf('end_header')).toString('ascii');
    expect(head).toContain('format binary_little_endian 1.0');
    expect(head).toContain('comment units: relative (arbitrary scale, one per shot)\n');
    expect(head).toContain(`element vertex ${c.positions.length / 3}`);
    expect(head).toMatch(/property float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue/);
    const back = readPly(buf);
    expect(back.positions.length).toBe(c.positions.length);
    expect(back.positions.every(Number.isFinite)).toBe(true);
    expect(Array.from(back.colors.subarray(0, 30))).toEqual(Array.from(c.colors.subarray(0, 30)));
    expect((await readdir(d)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('writes poses.json (schema) and a COLMAP text model with world-to-camera poses', async () => {
    const d = await tmp();
    await writeCameraPath(d, poses, K, [0, 0.04], { confidence: [1, 0.5], shotIds: [0, 0] });
    const doc = posesFileSchema.parse(JSON.parse(await readFile(join(d, 'poses.json'), 'utf8')));
    expect(doc.frames).toHaveLength(2);
    expect(doc.frames[1].c2w.map((v) => v + 0)).toEqual(poses[1].map((v) => v + 0)); // JSON has no -0
    expect(doc.frames[1].timestamp).toBe(0.04);
    const cams = await readFile(join(d, 'colmap', 'shot0', 'cameras.txt'), 'utf8');
    expect(cams).toMatch(new RegExp(`^1 PINHOLE 96 72 ${K.fx}`, 'm'));
    expect((await readdir(join(d, 'colmap'))).sort()).toEqual(['shot0']);
    const images = (await readFile(join(d, 'colmap', 'shot0', 'images.txt'), 'utf8')).split('\n').filter((l) => l.includes('.png'));
    const [, qw, qx, qy, qz, tx, ty, tz] = images[1].split(' ').map(Number);
    // COLMAP: camera centre = -R^T t must equal the c2w translation.
    const R = [
      1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qz * qw), 2 * (qx * qz + qy * qw),
      2 * (qx * qy + qz * qw), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qx * qw),
      2 * (qx * qz - qy * qw), 2 * (qy * qz + qx * qw), 1 - 2 * (qx * qx + qy * qy),
    ];
    const c = [0, 1, 2].map((k) => -(R[k] * tx + R[3 + k] * ty + R[6 + k] * tz));
    expect(c[0]).toBeCloseTo(0.5, 5); expect(c[1]).toBeCloseTo(0, 5); expect(c[2]).toBeCloseTo(0.2, 5);
    expect(await readFile(join(d, 'colmap', 'shot0', 'points3D.txt'), 'utf8')).toContain('# 3D point list');
  });

  it('rejects mismatched inputs with a clear error', async () => {
    await expect(writeCameraPath(await tmp(), poses, K, [0])).rejects.toThrow(/2 poses but 1 timestamps/);
    expect(() => intrinsicsFor(640, 480, { fovDeg: 0 })).toThrow(/field of view/);
  });
});
