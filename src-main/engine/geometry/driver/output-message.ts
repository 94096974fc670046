import type { OutputJob } from './frame-output.ts';
import type { CoarsePlanes, FusionPlan } from './frame-fusion.ts';

/**
 * A job as output-thread.ts sends it: the coarse planes given since the last job ride with it (one
 * message a frame, not two, each of which wakes the thread), and its fusion plan's neighbours are packed
 * in one Float64Array (`packViews`: the same numbers; cloning ~48 small objects and arrays a frame cost
 * more than cloning the frame's 0.15 MB of depth).
 */
export interface SentJob {
  job: Omit<OutputJob, 'fusion'> & { fusion?: (Omit<FusionPlan, 'views'> & { views: Float64Array }) | null };
  planes: [number, CoarsePlanes][];
}

/** A neighbour's numbers in packViews: index, c2w (16), gain. */
const VIEW = 18;

export function packViews(views: FusionPlan['views']): Float64Array {
  const f = new Float64Array(views.length * VIEW);
  // A loop, not forEach's closure: V8 drops a per-call closure's code at each collection (stage.ts: emitUpTo).
  for (let i = 0, o = 0; i < views.length; i++, o += VIEW) {
    const v = views[i];
    f[o] = v.index;
    f.set(v.c2w, o + 1);
    f[o + 17] = v.gain;
  }
  return f;
}

export function unpackViews(f: Float64Array): FusionPlan['views'] {
  const views: FusionPlan['views'] = [];
  for (let o = 0; o < f.length; o += VIEW) views.push({ index: f[o], c2w: Array.from(f.subarray(o + 1, o + 17)), gain: f[o + 17] });
  return views;
}

/** The job as sent, unpacked (the same numbers). */
export function jobOf(m: SentJob): OutputJob {
  const f = m.job.fusion;
  return { ...m.job, fusion: f ? { ...f, views: unpackViews(f.views) } : f };
}
