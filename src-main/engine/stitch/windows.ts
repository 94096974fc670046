import type { WindowParams } from '../infer/manifest.ts';

/** Number of windows for a clip of `length` frames (Video-Depth-Anything: range(0, length, step)). */
export function windowCount(length: number, p: WindowParams): number {
  return Math.ceil(length / (p.T - p.overlap));
}

/**
 * The clip frame (0-based within the analysed range) fed to each slot of window k. Slots before
 * `overlap` repeat the previous window's inputs at the keyframes, so slot 0 is always frame 0 (the
 * global anchor); frames past the end are copies of the last frame (padding).
 */
export function windowInputFrames(k: number, length: number, p: WindowParams): number[] {
  const step = p.T - p.overlap;
  const slots: number[] = [];
  const prev = k > 0 ? windowInputFrames(k - 1, length, p) : null;
  for (let i = 0; i < p.T; i++) {
    slots.push(prev && i < p.overlap ? prev[p.keyframes[i]] : Math.min(k * step + i, length - 1));
  }
  return slots;
}
