import { join } from 'node:path';
import { Matrix4, Quaternion, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import { writeShotGlb } from '../../src-main/engine/geometry/gltf-scene.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { backproject } from '../../src-main/engine/geometry/pointcloud.ts';
import { loadGlb, pointCount } from '../helpers/gltf.ts';
import { tempDir } from '../helpers/tools.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

describe('glTF scene export (three.js GLTFExporter, read back with GLTFLoader)', () => {
  it('the animated camera follows the path (OpenCV -> glTF axes), with the field of view and the cloud', async () => {
    const K = intrinsicsFor(160, 90, { fovDeg: 70 });
    const poses = [poseYaw(0, [0, 0, 0]), poseYaw(0.2, [0.5, -0.1, 0.3]), poseYaw(0.4, [1, -0.2, 0.6])];
    const cloud = backproject(renderRoom(poses[0], K, 0).depth, null, K, poses[0], 4);
    const path = join(await tempDir('gemdepth-gltf-'), 'shot.glb');
    await writeShotGlb(path, { poses, times: [0, 0.04, 0.08], indices: [7, 8, 9], K, cloud, unit: 'metres (synthetic)', name: 'shot 0' });
    const g = await loadGlb(path);
    expect(pointCount(g.scene)).toBe(cloud.positions.length / 3);
    expect(g.cameras).toHaveLength(1);
    const cam = g.cameras[0];
    expect(cam.fov).toBeCloseTo((2 * Math.atan(K.height / 2 / K.fy) * 180) / Math.PI, 3);
    expect(cam.aspect).toBeCloseTo(K.width / K.height, 3);
    const clip = g.animations[0];
    const pos = clip.tracks.find((t) => t.name.endsWith('.position'))!, rot = clip.tracks.find((t) => t.name.endsWith('.quaternion'))!;
    expect(Array.from(pos.times)).toEqual([0, 0.04, 0.08].map(Math.fround));
    for (let i = 0; i < poses.length; i++) {
      // Camera centre: glTF = (x, -y, -z) of OpenCV.
      const c = new Vector3(pos.values[3 * i], pos.values[3 * i + 1], pos.values[3 * i + 2]);
      expect(c.x).toBeCloseTo(poses[i][3], 5); expect(c.y).toBeCloseTo(-poses[i][7], 5); expect(c.z).toBeCloseTo(-poses[i][11], 5);
      // Viewing direction: glTF cameras look down their -z; OpenCV's optical axis is the c2w's third column.
      const q = new Quaternion(rot.values[4 * i], rot.values[4 * i + 1], rot.values[4 * i + 2], rot.values[4 * i + 3]);
      const look = new Vector3(0, 0, -1).applyQuaternion(q);
      expect(look.x).toBeCloseTo(poses[i][2], 5); expect(look.y).toBeCloseTo(-poses[i][6], 5); expect(look.z).toBeCloseTo(-poses[i][10], 5);
    }
    // A point the first camera sees straight ahead is in front of the glTF camera at the first key.
    const m = new Matrix4().compose(new Vector3(pos.values[0], pos.values[1], pos.values[2]), new Quaternion(...Array.from(rot.values.slice(0, 4))), new Vector3(1, 1, 1));
    const ahead = new Vector3(0, 0, -6).applyMatrix4(m);
    expect(ahead.z).toBeCloseTo(-6, 5);
  });
});
