import { describe, expect, it } from 'vitest';
import { census5, planeSweep, type MvsSource } from '../../src-main/engine/geometry/mvs.ts';
import { downsampleRgbGray, type Plane } from '../../src-main/engine/geometry/image.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { invRigid, mul4 } from '../../src-main/engine/geometry/linalg.ts';
import { poseYaw, renderRoom } from './synthetic.ts';

const K = intrinsicsFor(160, 120, { fovDeg: 70 });
const gray = (f: ReturnType<typeof renderRoom>): Plane => downsampleRgbGray(f.rgb.data, K.width, K.height, K.width, K.height).gray;

/** A reference view of the textured room and two neighbours 25 cm to either side, with exact poses. */
function scene(blank = false) {
  const path = [-0.25, 0, 0.25].map((x) => poseYaw(0, [x, 0.02, 0.5], 0.02));
  const views = path.map((c2w, i) => renderRoom(c2w, K, i));
  const planes = views.map((v) => {
    const g = gray(v);
    if (blank) g.data.fill(128); // no texture at all: the pictures cannot decide
    return g;
  });
  const sources: MvsSource[] = [0, 2].map((i) => ({ census: census5(planes[i]), T: mul4(invRigid(path[i]), path[1]) }));
  const truth = views[1].depth.data.map((z) => 1 / z);
  return { ref: planes[1], refCensus: census5(planes[1]), sources, truth };
}

/** Median |log| ratio to the true inverse depth. */
function medianLogError(inv: Float32Array, truth: Float32Array): number {
  const e: number[] = [];
  for (let p = 0; p < truth.length; p++) if (inv[p] > 0) e.push(Math.abs(Math.log(inv[p] / truth[p])));
  e.sort((a, b) => a - b);
  return e[e.length >> 1];
}

const range = (truth: Float32Array) => ({ min: Math.min(...truth) * 0.5, max: Math.max(...truth) * 2, labels: 48 });

describe('plane-sweep stereo with the model depth as a prior', () => {
  it('recovers the depth of a textured scene from exact poses', () => {
    const s = scene();
    const m = planeSweep(s.ref, s.refCensus, s.sources, K, range(s.truth));
    expect(medianLogError(m.inv, s.truth)).toBeLessThan(0.05);
  });

  it('lets the pictures overrule a prior that is 40% off where they are textured', () => {
    const s = scene();
    const prior = s.truth.map((v) => v * 1.4);
    const m = planeSweep(s.ref, s.refCensus, s.sources, K, range(s.truth), { prior: { inv: prior, sigma: 0.3, weight: 0.5, cap: 10 } });
    expect(medianLogError(m.inv, s.truth)).toBeLessThan(0.08);
    expect(medianLogError(m.inv, prior)).toBeGreaterThan(0.25);
  });

  it('keeps the prior where the pictures have no texture', () => {
    const s = scene(true);
    const prior = s.truth.map((v) => v * 1.4);
    const free = planeSweep(s.ref, s.refCensus, s.sources, K, range(s.truth));
    const held = planeSweep(s.ref, s.refCensus, s.sources, K, range(s.truth), { prior: { inv: prior, sigma: 0.3, weight: 0.5, cap: 10 } });
    // Without the prior a blank picture gives arbitrary depth; with it, the model's shape stands.
    expect(medianLogError(free.inv, prior)).toBeGreaterThan(0.1);
    expect(medianLogError(held.inv, prior)).toBeLessThan(0.04);
  });
});
