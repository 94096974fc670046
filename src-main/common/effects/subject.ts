import { selectKth } from '../select.ts';

/**
 * Where the subject is, for defaults that work on the first try (refocus focuses on it, fog starts behind
 * it): the nearest large region near the centre of the picture, as a low percentile of the normalised
 * distance over the central box (the subject usually fills part of it, and a low percentile picks it
 * over the background while ignoring a few stray near pixels). Browser-safe; export and preview call it
 * on the same low-res distance, so they agree.
 */
export const SUBJECT_PERCENTILE = 0.2;
/** The central box: this fraction of the width and height. */
export const SUBJECT_BOX = 0.6;

/** The central box's values, reused from call to call (it runs once per drawn frame while playing). */
let box = new Float32Array(0);

export function subjectDistance(dist: Float32Array, w: number, h: number): number {
  const x0 = Math.floor((w * (1 - SUBJECT_BOX)) / 2), x1 = Math.max(x0 + 1, Math.ceil((w * (1 + SUBJECT_BOX)) / 2));
  const y0 = Math.floor((h * (1 - SUBJECT_BOX)) / 2), y1 = Math.max(y0 + 1, Math.ceil((h * (1 + SUBJECT_BOX)) / 2));
  const size = Math.max(0, (Math.min(w, x1) - x0) * (Math.min(h, y1) - y0));
  if (box.length < size) box = new Float32Array(size);
  const v = box;
  let m = 0;
  for (let y = y0; y < Math.min(h, y1); y++) for (let x = x0; x < Math.min(w, x1); x++) if (dist[y * w + x] === dist[y * w + x]) v[m++] = dist[y * w + x];
  if (!m) return 0;
  // The value a sort would put there, in linear time (a sort of the ~30k values cost a playing frame ~3 ms).
  return selectKth(v, m, Math.min(m - 1, Math.floor(m * SUBJECT_PERCENTILE)));
}
