import { describe, expect, it } from 'vitest';
import { SUBJECT_BOX, SUBJECT_PERCENTILE, subjectDistance } from '../../src-main/common/effects/subject.ts';

/** The definition: the percentile of the central box's values (NaN left out) by a full sort. */
function bySort(dist: Float32Array, w: number, h: number): number {
  const x0 = Math.floor((w * (1 - SUBJECT_BOX)) / 2), x1 = Math.max(x0 + 1, Math.ceil((w * (1 + SUBJECT_BOX)) / 2));
  const y0 = Math.floor((h * (1 - SUBJECT_BOX)) / 2), y1 = Math.max(y0 + 1, Math.ceil((h * (1 + SUBJECT_BOX)) / 2));
  const v: number[] = [];
  for (let y = y0; y < Math.min(h, y1); y++) for (let x = x0; x < Math.min(w, x1); x++) if (!Number.isNaN(dist[y * w + x])) v.push(dist[y * w + x]);
  if (!v.length) return 0;
  const s = Float32Array.from(v).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * SUBJECT_PERCENTILE))];
}

describe('subject distance', () => {
  it('picks the value a sort picks, on maps of every size in turn (its buffer is reused), with ties and NaN', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sizes: [number, number][] = [[398, 224], [64, 36], [1, 1], [3, 2], [398, 224], [160, 90]];
    for (const [w, h] of sizes) {
      for (const kind of ['smooth', 'ties', 'nan'] as const) {
        const d = new Float32Array(w * h);
        for (let i = 0; i < d.length; i++) {
          const x = i % w, y = Math.floor(i / w);
          d[i] = kind === 'ties' ? Math.floor(rnd() * 5) / 4 : 0.2 + 0.6 * Math.abs(Math.sin(x / 17) * Math.cos(y / 11)) + 0.01 * rnd();
          if (kind === 'nan' && rnd() < 0.3) d[i] = NaN;
        }
        expect(subjectDistance(d, w, h), `${w}x${h} ${kind}`).toBe(bySort(d, w, h));
      }
    }
    expect(subjectDistance(new Float32Array(16).fill(NaN), 4, 4)).toBe(0);
  });
});
