import type { ProjectDoc } from './schema.ts';
import type { ClipInstance } from './sequence-schema.ts';
import { clipOf, lengthOf, placed, rateOf, sequenceSettings, sourceSpan, type Placed } from './sequence.ts';

/**
 * Timeline edits as pure functions of the project document (each returns a new document, so every edit
 * is one undo step in history.ts). The track stays sorted and never overlaps: an insert or a move pushes
 * what it lands on to the right; ripple edits close or open the space after the edited instance.
 */
type Doc = ProjectDoc;

let seq = 0;
export const newInstanceId = () => `inst-${Date.now().toString(36)}-${(seq++).toString(36)}`;

const withVideo = (doc: Doc, video: ClipInstance[]): Doc => ({ ...doc, sequence: { ...doc.sequence, video: [...video].sort((a, b) => a.at - b.at) } });
const seqFps = (doc: Doc) => rateOf(sequenceSettings(doc).frameRate);

/** The first clip placed fixes the sequence's size and rate (until the user changes them). */
function pinSettings(doc: Doc): Doc {
  if (doc.sequence.settings || !doc.sequence.video.length) return doc;
  return { ...doc, sequence: { ...doc.sequence, settings: sequenceSettings(doc) } };
}

/** Pushes instances after `fixedId` right until none overlaps (the fixed one keeps its place). */
function settle(doc: Doc, fixedId: string): Doc {
  const ps = placed(doc);
  const fixed = ps.find((p) => p.inst.id === fixedId);
  if (!fixed) return doc;
  const shift = new Map<string, number>();
  let end = fixed.end;
  for (const p of ps) {
    if (p === fixed || p.start < fixed.start) continue;
    const at = Math.max(p.start, end);
    if (at !== p.start) shift.set(p.inst.id, at);
    end = at + (p.end - p.start);
  }
  return withVideo(doc, doc.sequence.video.map((v) => (shift.has(v.id) ? { ...v, at: shift.get(v.id)! } : v)));
}

/** A drop inside an instance lands on its nearer edge, so an insert never cuts into a clip. */
function landing(ps: Placed[], frame: number, skipId?: string): number {
  const hit = ps.find((p) => p.inst.id !== skipId && frame > p.start && frame < p.end);
  if (!hit) return Math.max(0, frame);
  return frame - hit.start < hit.end - frame ? hit.start : hit.end;
}

/** Puts a clip from the media bin on the track at `at` (its bin in/out and effects as the start). */
export function placeClip(doc: Doc, clipId: string, at: number, id = newInstanceId()): Doc {
  const clip = clipOf(doc, clipId);
  if (!clip) return doc;
  const pos = landing(placed(doc), at);
  const inst: ClipInstance = { id, clipId, in: clip.in, out: clip.out, at: pos, audioLinked: true, effects: structuredClone(clip.effects) };
  return settle(pinSettings(withVideo(doc, [...doc.sequence.video, inst])), id);
}

export function moveInstance(doc: Doc, id: string, at: number): Doc {
  const ps = placed(doc);
  if (!ps.some((p) => p.inst.id === id)) return doc;
  const pos = landing(ps, at, id);
  return settle(withVideo(doc, doc.sequence.video.map((v) => (v.id === id ? { ...v, at: pos } : v))), id);
}

function shiftAfter(video: ClipInstance[], from: number, by: number, except: string): ClipInstance[] {
  return video.map((v) => (v.id !== except && v.at >= from ? { ...v, at: Math.max(0, v.at + by) } : v));
}

/**
 * Moves one edge of an instance to sequence frame `frame` (the new first frame for 'in', the new
 * exclusive end for 'out'). Non-ripple keeps everything else where it is (the edit stops at a neighbour);
 * ripple keeps the instance's start and moves everything after it by the change in length.
 */
export function trimInstance(doc: Doc, id: string, edge: 'in' | 'out', frame: number, ripple = false): Doc {
  const ps = placed(doc);
  const i = ps.findIndex((p) => p.inst.id === id);
  if (i < 0) return doc;
  const { inst, clip, start, end } = ps[i];
  const fps = seqFps(doc);
  const prevEnd = i > 0 ? ps[i - 1].end : 0;
  const nextStart = i + 1 < ps.length ? ps[i + 1].start : Infinity;
  let next: ClipInstance;
  if (edge === 'in') {
    // Non-ripple: the end stays put, the start may not go past the previous instance or frame 0.
    const target = ripple ? frame : Math.max(prevEnd, frame);
    const delta = target - start;
    const span = delta === 0 ? 0 : Math.sign(delta) * sourceSpan(Math.abs(delta), clip.fps, fps);
    const srcIn = Math.max(0, Math.min(inst.out, inst.in + span));
    const len = lengthOf({ in: srcIn, out: inst.out }, clip.fps, fps);
    next = { ...inst, in: srcIn, at: ripple ? start : Math.max(prevEnd, end - len) };
  } else {
    const target = ripple ? frame : Math.min(nextStart, frame);
    const len = Math.max(1, target - start);
    const srcOut = Math.max(inst.in, Math.min(clip.frameCount - 1, inst.in + sourceSpan(len, clip.fps, fps) - 1));
    next = { ...inst, out: srcOut };
  }
  let video = doc.sequence.video.map((v) => (v.id === id ? next : v));
  if (ripple) {
    const newEnd = next.at + lengthOf(next, clip.fps, fps);
    video = shiftAfter(video, end, newEnd - end, id);
  }
  return withVideo(doc, video);
}

/** Cuts the instance under `frame` in two there; both halves keep the effects (keys are in clip time). */
export function splitAt(doc: Doc, frame: number, newId = newInstanceId()): Doc {
  const hit = placed(doc).find((p) => frame > p.start && frame < p.end);
  if (!hit) return doc;
  const { inst, clip, start } = hit;
  const fps = seqFps(doc);
  const cut = Math.min(inst.out, inst.in + sourceSpan(frame - start, clip.fps, fps));
  if (cut <= inst.in || cut > inst.out) return doc;
  const first = { ...inst, out: cut - 1 };
  const second: ClipInstance = { ...inst, id: newId, in: cut, at: start + lengthOf(first, clip.fps, fps), effects: structuredClone(inst.effects) };
  return withVideo(doc, [...doc.sequence.video.filter((v) => v.id !== inst.id), first, second]);
}

/** Removes an instance; ripple closes the gap it leaves. */
export function deleteInstance(doc: Doc, id: string, ripple = false): Doc {
  const p = placed(doc).find((x) => x.inst.id === id);
  if (!p) return doc;
  let video = doc.sequence.video.filter((v) => v.id !== id);
  if (ripple) video = shiftAfter(video, p.end, -(p.end - p.start), id);
  return withVideo(doc, video);
}

export function setInstanceEffects(doc: Doc, id: string, effects: unknown[]): Doc {
  return withVideo(doc, doc.sequence.video.map((v) => (v.id === id ? { ...v, effects } : v)));
}

/** Copies one instance's effect stack onto others. */
export function copyEffects(doc: Doc, fromId: string, toIds: string[]): Doc {
  const from = doc.sequence.video.find((v) => v.id === fromId);
  if (!from) return doc;
  return withVideo(doc, doc.sequence.video.map((v) => (toIds.includes(v.id) ? { ...v, effects: structuredClone(from.effects) } : v)));
}

/** The nearest cut, marker or extra point (the playhead) within `tolerance` frames, else `frame`. */
export function snapFrame(doc: Doc, frame: number, tolerance: number, extra: number[] = [], skipId?: string): number {
  const points = [0, ...extra, ...doc.sequence.markers.map((m) => m.frame)];
  for (const p of placed(doc)) if (p.inst.id !== skipId) points.push(p.start, p.end);
  let best = frame;
  let dist = tolerance + 1;
  for (const p of points) {
    const d = Math.abs(p - frame);
    if (d < dist) {
      dist = d;
      best = p;
    }
  }
  return dist <= tolerance ? best : frame;
}

export function addMarker(doc: Doc, frame: number, label = ''): Doc {
  const id = `marker-${Date.now().toString(36)}-${(seq++).toString(36)}`;
  const markers = [...doc.sequence.markers, { id, frame, label }].sort((a, b) => a.frame - b.frame);
  return { ...doc, sequence: { ...doc.sequence, markers } };
}

export function removeMarker(doc: Doc, id: string): Doc {
  return { ...doc, sequence: { ...doc.sequence, markers: doc.sequence.markers.filter((m) => m.id !== id) } };
}

/** Unlinks an instance's audio: it becomes an audio item of its own, at the same place. */
export function unlinkAudio(doc: Doc, id: string): Doc {
  const v = doc.sequence.video.find((x) => x.id === id);
  if (!v || !v.audioLinked) return doc;
  const item = { id: `${id}-audio`, clipId: v.clipId, in: v.in, out: v.out, at: v.at };
  const unlinked = withVideo(doc, doc.sequence.video.map((x) => (x.id === id ? { ...x, audioLinked: false } : x)));
  return { ...unlinked, sequence: { ...unlinked.sequence, audio: [...unlinked.sequence.audio, item] } };
}
