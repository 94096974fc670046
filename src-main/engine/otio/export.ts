import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../../util/atomic.ts';
import type { ProjectDoc } from '../../common/project/schema.ts';
import { clipOf, lengthOf, placed, rateOf, sequenceSettings } from '../../common/project/sequence.ts';

/**
 * A project's sequence as OpenTimelineIO JSON: one video track (clips and gaps), one audio track
 * (the linked audio mirroring its clips, and unlinked audio where it sits), markers on the stack.
 * Source ranges are in frames at each clip's own rate; track time is at the sequence's rate. Effect
 * stacks go in each clip's metadata.gemdepth, where importOtio finds them again.
 */
const rt = (value: number, rate: number) => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
const range = (start: number, duration: number, rate: number) => ({ OTIO_SCHEMA: 'TimeRange.1', start_time: rt(start, rate), duration: rt(duration, rate) });
const gap = (frames: number, rate: number) => ({ OTIO_SCHEMA: 'Gap.1', name: '', source_range: range(0, frames, rate), effects: [], markers: [], metadata: {} });

type Doc = Pick<ProjectDoc, 'name' | 'clips' | 'sequence'>;

function clipItem(doc: Doc, clipId: string, src: { in: number; out: number }, metadata: Record<string, unknown>) {
  const c = clipOf(doc, clipId)!;
  return {
    OTIO_SCHEMA: 'Clip.2',
    name: c.name,
    source_range: range(src.in, src.out - src.in + 1, c.fps),
    media_references: {
      DEFAULT_MEDIA: { OTIO_SCHEMA: 'ExternalReference.1', name: c.name, target_url: pathToFileURL(c.path).href, available_range: range(0, c.frameCount, c.fps), metadata: {} },
    },
    active_media_reference_key: 'DEFAULT_MEDIA',
    effects: [],
    markers: [],
    enabled: true,
    metadata,
  };
}

function track(kind: 'Video' | 'Audio', name: string, items: { at: number; len: number; item: unknown }[], rate: number) {
  const children: unknown[] = [];
  let t = 0;
  for (const it of [...items].sort((a, b) => a.at - b.at)) {
    if (it.at > t) children.push(gap(it.at - t, rate));
    children.push(it.item);
    t = Math.max(t, it.at + it.len);
  }
  return { OTIO_SCHEMA: 'Track.1', name, kind, source_range: null, effects: [], markers: [], enabled: true, metadata: {}, children };
}

export function toOtio(doc: Doc): unknown {
  const settings = sequenceSettings(doc);
  const rate = rateOf(settings.frameRate);
  const ps = placed(doc);
  const video = ps.map((p) => ({ at: p.start, len: p.end - p.start, item: clipItem(doc, p.clip.id, p.inst, { gemdepth: { effects: p.inst.effects, instance: p.inst.id } }) }));
  const audio = [
    ...ps.filter((p) => p.inst.audioLinked).map((p) => ({ at: p.start, len: p.end - p.start, item: clipItem(doc, p.clip.id, p.inst, {}) })),
    ...doc.sequence.audio.flatMap((a) => {
      const c = clipOf(doc, a.clipId);
      return c ? [{ at: a.at, len: lengthOf(a, c.fps, rate), item: clipItem(doc, a.clipId, a, {}) }] : [];
    }),
  ];
  const markers = doc.sequence.markers.map((m) => ({ OTIO_SCHEMA: 'Marker.2', name: m.label, color: 'RED', marked_range: range(m.frame, 0, rate), comment: '', metadata: {} }));
  return {
    OTIO_SCHEMA: 'Timeline.1',
    name: doc.name,
    global_start_time: null,
    metadata: { gemdepth: { settings } },
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      name: 'tracks',
      source_range: null,
      effects: [],
      markers,
      enabled: true,
      metadata: {},
      children: [track('Video', 'V1', video, rate), track('Audio', 'A1', audio, rate)],
    },
  };
}

/** Written to a temporary name and renamed, like every output. */
export async function writeOtio(path: string, doc: Doc): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(toOtio(doc), null, 2) + '\n');
}
