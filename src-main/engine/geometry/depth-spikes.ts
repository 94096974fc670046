/**
 * Invalid pixels of a depth network's output, and filling them.
 *
 * Small networks fail in patches: FastDepth outputs exactly 0 m on some frames (dead ReLU regions),
 * the engine floors metric depth at 1e-3 m, and bilinear resizing smears a ramp of near-zero depths
 * around each patch. As disparity those pixels are 100-50000x the rest of the frame, so anything
 * computed over the frame (a floor relative to its maximum, a least-squares fit) is decided by a
 * handful of wrong pixels. Measured on tartanair-hospital frame 67: the output's "1e-3 of the
 * maximum" floor lifted every pixel to ~2 cm, a flat frame.
 */
import { selectKth } from '../../common/select.ts';
import { percentile } from './align.ts';

/** A disparity this many times the frame's 99th percentile is not a near object but a failed pixel. */
const SPIKE_FACTOR = 4;

/**
 * Disparity above which a pixel counts as a spike. The 99th percentile stays on the real scene while
 * up to 1% of the frame is broken; a real near object is rarely several times nearer than that.
 */
export function spikeLimit(x: Float32Array, scratch?: Float32Array): number {
  const p = percentile(x, 99, true, scratch);
  return p > 0 ? p * SPIKE_FACTOR : Infinity;
}

/** spikeLimit of a plane whose sample (percentile's: every third value, the positive ones) is v[0..m), reordered. */
export function spikeLimitOfSample(v: Float32Array, m: number): number {
  if (!m) return Infinity;
  return spikeLimitOfValue(selectKth(v, m, spikeRank(m)));
}

/** The rank in a sample of m (m > 0) whose value spikeLimitOfValue takes (for a caller selecting it itself). */
export const spikeRank = (m: number): number => Math.min(m - 1, Math.max(0, Math.round((99 / 100) * (m - 1))));
/** The spike limit from the sample's value of spikeRank. */
export const spikeLimitOfValue = (p: number): number => (p > 0 ? p * SPIKE_FACTOR : Infinity);

/**
 * Fills holes (values <= 0) of a plane from the valid pixels around them (push-pull: average down a
 * pyramid of valid samples, then take each hole from the coarsest level that saw something). Valid
 * pixels are returned unchanged; a plane with no valid pixel stays all zero.
 */
export function fillHoles(v: Float32Array, w: number, h: number): Float32Array {
  const out = v.slice();
  let holes = 0;
  for (let i = 0; i < out.length; i++) if (!(out[i] > 0)) { out[i] = 0; holes++; }
  if (!holes || holes === out.length) return out;
  // Push: levels of (mean of valid samples, 0 where none).
  const levels: { d: Float32Array; w: number; h: number }[] = [{ d: out, w, h }];
  while (levels[levels.length - 1].w > 1 || levels[levels.length - 1].h > 1) {
    const { d, w: lw, h: lh } = levels[levels.length - 1];
    const nw = Math.max(1, (lw + 1) >> 1), nh = Math.max(1, (lh + 1) >> 1);
    const nd = new Float32Array(nw * nh);
    let missing = 0;
    for (let y = 0; y < nh; y++)
      for (let x = 0; x < nw; x++) {
        let s = 0, n = 0;
        for (let yy = 2 * y; yy < Math.min(lh, 2 * y + 2); yy++)
          for (let xx = 2 * x; xx < Math.min(lw, 2 * x + 2); xx++) {
            const a = d[yy * lw + xx];
            if (a > 0) { s += a; n++; }
          }
        nd[y * nw + x] = n ? s / n : 0;
        if (!n) missing++;
      }
    levels.push({ d: nd, w: nw, h: nh });
    if (!missing) break;
  }
  // Pull: each level's holes take the value of the coarser level (coarsest first).
  for (let l = levels.length - 2; l >= 0; l--) {
    const fine = levels[l], coarse = levels[l + 1];
    for (let y = 0; y < fine.h; y++)
      for (let x = 0; x < fine.w; x++) {
        const i = y * fine.w + x;
        if (!(fine.d[i] > 0)) fine.d[i] = coarse.d[(y >> 1) * coarse.w + (x >> 1)];
      }
  }
  return out;
}
