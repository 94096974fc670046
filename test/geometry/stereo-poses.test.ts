import { describe, expect, it } from 'vitest';
import { resizeWithHoles, trackingPyramid } from '../../src-main/engine/geometry/image.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { expSO3, fromRt, invRigid, mul3, mul4, rotOf, rotationAngle, transOf, transpose3 } from '../../src-main/engine/geometry/linalg.ts';
import { stereoPoses } from '../../src-main/engine/geometry/stereo-poses.ts';
import type { Mat4 } from '../../src-main/common/types.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

const full = intrinsicsFor(320, 240, { fovDeg: 70 });
const K = intrinsicsFor(160, 120, { fovDeg: 70 });

/** The tracker's guess: the true relative pose with its translation scaled and its rotation off by `deg`. */
function perturb(T: Mat4, scale: number, deg: number): Mat4 {
  const R = mul3(expSO3([0, (deg * Math.PI) / 180, 0]), rotOf(T));
  const t = transOf(T);
  return fromRt(R, [t[0] * scale, t[1] * scale, t[2] * scale]);
}

describe('stereo poses re-estimated around one reference frame', () => {
  it('puts every neighbour in the reference depth\'s one scale and removes rotation error', () => {
    // Sideways and forward along the room, turning slowly: frames -2..2 around the reference.
    const path = [-2, -1, 0, 1, 2].map((i) => poseYaw(0.01 * i, [0.06 * i, 0.01 * i, 0.5 + 0.03 * i], 0.03));
    const views = path.map((c2w, i) => renderRoom(c2w, full, i));
    const pyr = views.map((v) => trackingPyramid(v.rgb.data, v.rgb.width, v.rgb.height, K.width));
    // The model's depth 25% too near everywhere: the stereo's baselines must come out 25% shorter, all alike.
    const truthInv = views[2].depth.data.map((z) => 1 / z);
    const prior = resizeWithHoles(truthInv, full.width, full.height, K.width, K.height).map((v) => v * 1.25);
    const rel = (i: number) => mul4(invRigid(path[i]), path[2]);
    // The tracker's baselines disagree by 2x between the two sides (keyframes with different scales).
    const sides = [
      { chain: [pyr[1], pyr[0]], init: [perturb(rel(1), 1.5, 0.4), perturb(rel(0), 1.5, 0.6)] },
      { chain: [pyr[3], pyr[4]], init: [perturb(rel(3), 0.7, -0.4), perturb(rel(4), 0.7, 0.5)] },
    ];
    const Ts = stereoPoses(pyr[2], prior, K, sides, () => true);
    const truth = [[rel(1), rel(0)], [rel(3), rel(4)]];
    for (let s = 0; s < 2; s++)
      for (let j = 0; j < 2; j++) {
        const T = Ts[s][j];
        expect(T).not.toBeNull();
        const g = truth[s][j];
        const ratio = Math.hypot(...transOf(T!)) / Math.hypot(...transOf(g));
        expect(Math.abs(ratio * 1.25 - 1)).toBeLessThan(0.06);
        const rotErr = (rotationAngle(mul3(transpose3(rotOf(g)), rotOf(T!))) * 180) / Math.PI;
        expect(rotErr).toBeLessThan(0.1);
      }
  });
});
