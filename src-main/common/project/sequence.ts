import { rateOf, rationalFromFps } from '../rational.ts';
import type { ProjectClip, ProjectDoc } from './schema.ts';
import type { ClipInstance, Sequence, SequenceSettings } from './sequence-schema.ts';

/**
 * Time on the sequence. An instance's length in sequence frames comes from its source duration
 * ((out - in + 1) frames at the clip's rate); which source frame shows on a sequence frame is picked by
 * timestamp (the source time the sequence frame starts at), never by index, so clips of another rate
 * conform by repeating or skipping frames at the right moments. Engine, CLI and renderer use these.
 */
export const DEFAULT_SETTINGS: SequenceSettings = { width: 1920, height: 1080, frameRate: { num: 25, den: 1 }, conform: 'fit' };

export const clipOf = (doc: Pick<ProjectDoc, 'clips'>, id: string): ProjectClip | undefined => doc.clips.find((c) => c.id === id);

/** The settings in force: the saved ones, else the first placed clip's size and rate. */
export function sequenceSettings(doc: Pick<ProjectDoc, 'clips' | 'sequence'>): SequenceSettings {
  if (doc.sequence.settings) return doc.sequence.settings;
  const first = doc.sequence.video[0];
  const c = first && clipOf(doc, first.clipId);
  return c ? { width: c.width, height: c.height, frameRate: rationalFromFps(c.fps), conform: 'fit' } : DEFAULT_SETTINGS;
}

/** Sequence frames an instance covers (at least one). */
export function lengthOf(src: { in: number; out: number }, clipFps: number, seqFps: number): number {
  return Math.max(1, Math.round(((src.out - src.in + 1) * seqFps) / clipFps));
}

/** Source frames that cover `frames` sequence frames (the inverse of lengthOf, rounded). */
export const sourceSpan = (frames: number, clipFps: number, seqFps: number): number => Math.max(1, Math.round((frames * clipFps) / seqFps));

export interface Placed {
  inst: ClipInstance;
  clip: ProjectClip;
  start: number;
  /** Exclusive. */
  end: number;
}

/** The instances with their clips and sequence extents, in order; instances whose clip is gone are left out. */
export function placed(doc: Pick<ProjectDoc, 'clips' | 'sequence'>): Placed[] {
  const fps = rateOf(sequenceSettings(doc).frameRate);
  const out: Placed[] = [];
  for (const inst of doc.sequence.video) {
    const clip = clipOf(doc, inst.clipId);
    if (clip) out.push({ inst, clip, start: inst.at, end: inst.at + lengthOf(inst, clip.fps, fps) });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Frames in the sequence: up to the end of the last instance or audio item. */
export function sequenceLength(doc: Pick<ProjectDoc, 'clips' | 'sequence'>): number {
  const fps = rateOf(sequenceSettings(doc).frameRate);
  let n = 0;
  for (const p of placed(doc)) n = Math.max(n, p.end);
  for (const a of doc.sequence.audio) {
    const c = clipOf(doc, a.clipId);
    if (c) n = Math.max(n, a.at + lengthOf(a, c.fps, fps));
  }
  return n;
}

/** What is on the track at a sequence frame: an instance and the offset into it, or null for a gap. */
export function instanceAt(doc: Pick<ProjectDoc, 'clips' | 'sequence'>, frame: number): (Placed & { offset: number }) | null {
  const p = placed(doc).find((x) => frame >= x.start && frame < x.end);
  return p ? { ...p, offset: frame - p.start } : null;
}

/**
 * The source frame shown `offset` sequence frames into an instance: the last frame whose timestamp is at
 * or before the sequence frame's time (a quarter frame of tolerance absorbs timestamp rounding).
 * `timestamps` are the clip's probed presentation times; without them, frames are evenly spaced.
 */
export function sourceFrameAt(src: { in: number; out: number }, offset: number, seqFps: number, clipFps: number, timestamps?: readonly number[]): number {
  const ts = (i: number) => (timestamps ? timestamps[i] : i / clipFps);
  const t = ts(src.in) + offset / seqFps + 0.25 / clipFps;
  let lo = src.in;
  let hi = src.out;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts(mid) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The source frame for a sequence frame, or null in a gap (what the preview fetches). */
export function sourceAt(doc: Pick<ProjectDoc, 'clips' | 'sequence'>, frame: number, timestamps?: (clipId: string) => readonly number[] | undefined) {
  const hit = instanceAt(doc, frame);
  if (!hit) return null;
  const fps = rateOf(sequenceSettings(doc).frameRate);
  return { ...hit, source: sourceFrameAt(hit.inst, hit.offset, fps, hit.clip.fps, timestamps?.(hit.clip.id)) };
}

export { rateOf };
export type { Sequence };
