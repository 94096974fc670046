import { boxFilter } from './image.ts';

/**
 * Fuses multi-view inverse depth with the aligned model prior. Trusted MVS pixels correct the prior's
 * SHAPE: their log-ratio to the prior is spread to untrusted pixels by normalised convolution at
 * growing radii (a smooth correction field), so a wall the stereo measured in a few textured spots is
 * bent as a whole, not just at those spots; where MVS is trusted it wins outright.
 */
export function fuseWithPrior(
  prior: Float32Array,
  mvs: Float32Array,
  weight: Float32Array,
  w: number,
  h: number,
  radii = [3, 8, 20],
): Float32Array {
  const N = w * h;
  const wr = new Float32Array(N), ww = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const wt = weight[p];
    if (wt > 0 && prior[p] > 0 && mvs[p] > 0) {
      ww[p] = wt;
      wr[p] = wt * Math.log(mvs[p] / prior[p]);
    }
  }
  // Coarse to fine: each finer level overrides where it has enough support of its own.
  const corr = new Float32Array(N);
  const have = new Float32Array(N);
  for (const r of radii.slice().sort((a, b) => b - a)) {
    const num = boxFilter(wr, w, h, r), den = boxFilter(ww, w, h, r);
    const need = 0.15;
    for (let p = 0; p < N; p++) {
      if (den[p] <= 1e-6) continue;
      const a = Math.min(1, den[p] / need);
      corr[p] = have[p] ? corr[p] * (1 - a) + (num[p] / den[p]) * a : num[p] / den[p];
      have[p] = 1;
    }
  }
  const out = new Float32Array(N);
  for (let p = 0; p < N; p++) {
    const base = prior[p] > 0 ? prior[p] * Math.exp(corr[p]) : 0;
    const a = Math.min(1, weight[p]);
    out[p] = mvs[p] > 0 && a > 0 ? base * (1 - a) + mvs[p] * a : base;
  }
  return out;
}
