import { describe, expect, it } from 'vitest';
import { jobOf, packViews, unpackViews } from '../../src-main/engine/geometry/driver/output-message.ts';
import type { OutputJob } from '../../src-main/engine/geometry/driver/frame-output.ts';

/** The output thread's jobs go packed (output-message.ts): the worker must see the plan's very numbers. */
describe('output thread messages', () => {
  const views = [0, 1, 2].map((k) => ({ index: 40 + k, c2w: Array.from({ length: 16 }, (_, i) => (i === 5 ? -0 : Math.sin(k * 16 + i) / 3)), gain: 1 + k / 7 }));

  it('unpacks the fusion neighbours as they were, through a structured clone', () => {
    const back = unpackViews(structuredClone(packViews(views)));
    expect(back).toEqual(views);
    expect(Object.is(back[1].c2w[5], -0)).toBe(true);
    expect(unpackViews(packViews([]))).toEqual([]);
  });

  it('keeps the rest of a job and its missing plan', () => {
    const job = { index: 3, a: 0.1, fusion: { views, c2w: views[0].c2w, gain: 1.25, wt: 0.5 } } as unknown as OutputJob;
    const sent = { job: { ...job, fusion: { ...job.fusion!, views: packViews(job.fusion!.views) } }, planes: [] };
    expect(jobOf(structuredClone(sent))).toEqual(job);
    const none = { ...job, fusion: null };
    expect(jobOf({ job: none, planes: [] })).toEqual(none);
  });
});
