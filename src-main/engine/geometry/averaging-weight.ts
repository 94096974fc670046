import { median } from './align.ts';

/**
 * How far the view fusion and the temporal filter may move a frame's depth toward its neighbours'.
 * Averaging views removes what the model gets wrong differently in each frame, and brings in what the
 * estimated poses get wrong: a pixel moved with a slightly wrong pose lands on a slightly wrong spot.
 * A model that agrees with itself from frame to frame has nothing to gain and the poses' error to lose:
 * on ground-truth depth (tartanair-hospital, poses estimated from the frames) fusion and filter raised
 * TAE from 1.35 to 1.57. So the averaging is weighted by the share of the model's frame-to-frame
 * disagreement that lies above what the poses alone produce, 1 - (floor / disagreement)^2.
 *
 * The disagreement is the median |log| ratio between a frame's depth and its predecessor's moved into
 * it, after their scales (measured: ground truth and ground truth blurred 0.0015-0.0025 on most frames;
 * FastDepth 0.013-0.11, median 0.03, where the weight stays near 1 and its scores are unchanged).
 */
export const AVERAGING_FLOOR = 0.004;

/** The weight (0..1) for a frame, from the disagreements of the frames around it (median: robust to a turn or a cut). */
export function averagingWeight(disagreements: readonly number[], floor = AVERAGING_FLOOR): number {
  const d = Float32Array.from(disagreements.filter(Number.isFinite));
  if (!d.length) return 1;
  const m = median(d);
  return m > floor ? 1 - (floor / m) ** 2 : 0;
}
