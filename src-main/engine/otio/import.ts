import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { UserError } from '../../common/errors.ts';
import { probe } from '../decode/probe.ts';
import { loadEffectStack, serializeEffectStack } from '../../common/effects/stack.ts';
import { fingerprintFile } from '../project/fingerprint.ts';
import { emptyProject, ProjectSchema, type ProjectClip, type ProjectDoc } from '../../common/project/schema.ts';
import { SequenceSettingsSchema, type AudioItem, type ClipInstance, type Marker } from '../../common/project/sequence-schema.ts';
import { lengthOf, rateOf } from '../../common/project/sequence.ts';
import type { VideoInfo } from '../../common/types.ts';
import { nearestFrame } from '../../common/timestamps.ts';
import { ClipSchema, ExternalReferenceSchema, GapSchema, kindOf, MarkerSchema, seconds, TimelineSchema, TrackSchema, type OtioClip } from './schema.ts';

export interface OtioImport {
  doc: ProjectDoc;
  /** One line per item that was left out or changed (transitions, nested stacks, extra tracks). */
  warnings: string[];
}

/** Parses `value` with `schema`, or one UserError line naming the item and what is wrong. */
function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new UserError(`${where}: ${i.path.join('.') || 'item'}: ${i.message}`, 'EINPUT');
}

/** A target_url as a local path: file:// URLs, or plain paths relative to the .otio's folder. */
function mediaPath(url: string, base: string, where: string): string {
  if (/^file:/i.test(url)) {
    try {
      return fileURLToPath(url);
    } catch {
      throw new UserError(`${where}: target_url ${url} is not a valid file URL`, 'EINPUT');
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new UserError(`${where}: media at ${url} is not a local file (only file:// URLs can be read)`, 'EINPUT');
  return isAbsolute(url) ? url : resolve(base, url);
}

function mediaReference(c: OtioClip, where: string): unknown {
  if (c.media_references) {
    const key = c.active_media_reference_key ?? 'DEFAULT_MEDIA';
    const ref = c.media_references[key];
    if (!ref) throw new UserError(`${where}: no media reference '${key}' in media_references`, 'EINPUT');
    return ref;
  }
  return c.media_reference;
}

interface Media {
  clip: ProjectClip;
  info: VideoInfo;
}

/**
 * Reads an .otio file into a project: one bin clip per media file, the first video track as the
 * sequence, the first audio track as its audio (clips that mirror a video clip stay linked to it), the
 * clips' `metadata.gemdepth.effects` as their effect stacks. Problems with the cut (a missing file, a
 * range outside its clip, a negative duration, a rate of 0, malformed JSON) are one UserError naming
 * the item; items GemDepth cannot hold (transitions, nested stacks, extra tracks) are warnings.
 */
export async function importOtio(path: string): Promise<OtioImport> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `cut not found: ${file}` : `cannot read ${file}: ${code ?? String(e)}`, 'EINPUT');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid OpenTimelineIO JSON: ${(e as Error).message.split('\n')[0]}`, 'EINPUT');
  }
  const timeline = parse(TimelineSchema, json, `${basename(file)}: timeline`);
  const warnings: string[] = [];
  const base = dirname(file);
  const media = new Map<string, Media>();

  async function mediaFor(c: OtioClip, where: string): Promise<Media> {
    const ref = mediaReference(c, where);
    if (kindOf(ref) !== 'ExternalReference') {
      throw new UserError(`${where}: media reference ${kindOf(ref) || 'missing'}: only ExternalReference with a file target_url can be read`, 'EINPUT');
    }
    const p = mediaPath(parse(ExternalReferenceSchema, ref, `${where}: media_reference`).target_url, base, where);
    const hit = media.get(p);
    if (hit) return hit;
    if (!(await stat(p).catch(() => null))) throw new UserError(`${where}: media file not found: ${p}`, 'EINPUT');
    const info = await probe(p);
    const clip: ProjectClip = {
      id: `clip-${media.size + 1}`,
      path: info.path,
      name: basename(info.path),
      fingerprint: await fingerprintFile(info.path),
      frameCount: info.frameCount,
      fps: info.fps,
      width: info.width,
      height: info.height,
      in: 0,
      out: Math.max(0, info.frameCount - 1),
      effects: [],
    };
    const m = { clip, info };
    media.set(p, m);
    return m;
  }

  /** A clip's source range as inclusive frames of its media, checked against the media's length. */
  async function sourceOf(item: unknown, where: string) {
    const c = parse(ClipSchema, item, where);
    const name = c.name ? `${where} '${c.name}'` : where;
    const m = await mediaFor(c, name);
    const ref = mediaReference(c, name) as { available_range?: { start_time: { value: number; rate: number } } | null };
    const origin = ref.available_range ? seconds(ref.available_range.start_time) : 0;
    const range = c.source_range;
    const startS = range ? seconds(range.start_time) - origin : 0;
    const durS = range ? seconds(range.duration) : m.info.duration;
    const n = m.info.frameCount;
    const first = nearestFrame(m.info.timestamps, startS);
    const count = Math.round(durS * m.info.fps);
    const end = m.info.timestamps[n - 1] + 1 / m.info.fps;
    if (startS < -1e-6 || startS + durS > end + 0.5 / m.info.fps || count < 1) {
      throw new UserError(
        `${name}: source range ${startS.toFixed(3)} s + ${durS.toFixed(3)} s is outside ${m.clip.name} (0 to ${end.toFixed(3)} s)`,
        'ERANGE',
      );
    }
    const last = Math.min(n - 1, first + count - 1);
    for (const e of c.effects ?? []) warnings.push(`${name}: OTIO effect ${kindOf(e) || 'item'} ignored (GemDepth effects travel in metadata.gemdepth)`);
    const gd = (c.metadata?.gemdepth ?? null) as { effects?: unknown } | null;
    let effects: unknown[] = [];
    if (gd?.effects !== undefined) {
      try {
        effects = serializeEffectStack(loadEffectStack(gd.effects));
      } catch (e) {
        throw new UserError(`${name}: metadata.gemdepth.effects: ${(e as Error).message}`, 'EEFFECT');
      }
    }
    return { m, in: first, out: last, seconds: durS, effects };
  }

  const stack = timeline.tracks;
  const tracks = stack.children.map((t, i) => ({ t, i }));
  const trackName = (i: number) => `track ${i + 1}`;
  const videoTracks = tracks.filter(({ t }) => kindOf(t) === 'Track' && ((t as { kind?: string }).kind ?? 'Video') === 'Video');
  const audioTracks = tracks.filter(({ t }) => kindOf(t) === 'Track' && (t as { kind?: string }).kind === 'Audio');
  for (const { t, i } of tracks) {
    const k = kindOf(t);
    if (k !== 'Track') warnings.push(`${trackName(i)}: ${k || 'unknown item'} in the timeline's stack ignored (only tracks are read)`);
  }
  for (const { i } of videoTracks.slice(1)) warnings.push(`${trackName(i)}: only the first video track is read; this one is ignored`);
  for (const { i } of audioTracks.slice(1)) warnings.push(`${trackName(i)}: only the first audio track is read; this one is ignored`);

  // Track items laid out in seconds; converted to sequence frames once the rate is known.
  type Laid = { src: Awaited<ReturnType<typeof sourceOf>>; at: number };
  async function layTrack(track: unknown, i: number): Promise<Laid[]> {
    const tr = parse(TrackSchema, track, trackName(i));
    const out: Laid[] = [];
    let t = 0;
    for (let n = 0; n < tr.children.length; n++) {
      const item = tr.children[n];
      const where = `${trackName(i)} item ${n + 1}`;
      const k = kindOf(item);
      if (k === 'Clip') {
        const src = await sourceOf(item, `${where} (clip)`);
        out.push({ src, at: t });
        t += src.seconds;
      } else if (k === 'Gap') {
        t += seconds(parse(GapSchema, item, `${where} (gap)`).source_range.duration);
      } else if (k === 'Transition') {
        warnings.push(`${where}: transition ignored (GemDepth cuts straight from one clip to the next)`);
      } else {
        // A nested stack or track still takes its time on the track: keep that time as a gap.
        const r = (item as { source_range?: unknown }).source_range;
        const dur = r ? seconds(parse(GapSchema.shape.source_range, r, where).duration) : 0;
        warnings.push(`${where}: ${k || 'unknown item'} ignored${dur ? `, left as a ${dur.toFixed(3)} s gap` : ''} (nested stacks are not supported)`);
        t += dur;
      }
    }
    return out;
  }

  const video = videoTracks.length ? await layTrack(videoTracks[0].t, videoTracks[0].i) : [];
  const audio = audioTracks.length ? await layTrack(audioTracks[0].t, audioTracks[0].i) : [];
  if (!video.length && !audio.length) throw new UserError(`${basename(file)}: the timeline has no clips on a video or audio track`, 'EINPUT');

  const firstInfo = (video[0] ?? audio[0]).src.m.info;
  // A cut GemDepth wrote carries its sequence settings; any other takes the first clip's size and rate.
  const saved = SequenceSettingsSchema.safeParse((timeline.metadata?.gemdepth as { settings?: unknown } | undefined)?.settings);
  const settings = saved.success ? saved.data : { width: firstInfo.width, height: firstInfo.height, frameRate: firstInfo.frameRate, conform: 'fit' as const };
  const fps = rateOf(settings.frameRate);
  const instances: ClipInstance[] = [];
  let end = 0;
  video.forEach((v, n) => {
    const at = Math.max(end, Math.round(v.at * fps));
    const inst = { id: `inst-${n + 1}`, clipId: v.src.m.clip.id, in: v.src.in, out: v.src.out, at, audioLinked: audioTracks.length === 0, effects: v.src.effects };
    instances.push(inst);
    end = at + lengthOf(inst, v.src.m.clip.fps, fps);
  });
  const items: AudioItem[] = [];
  audio.forEach((a, n) => {
    const at = Math.round(a.at * fps);
    const twin = instances.find((v) => v.clipId === a.src.m.clip.id && v.in === a.src.in && v.out === a.src.out && v.at === at);
    if (twin) twin.audioLinked = true;
    else items.push({ id: `audio-${n + 1}`, clipId: a.src.m.clip.id, in: a.src.in, out: a.src.out, at });
  });
  const markers: Marker[] = [];
  const stackMarkers = [...(stack.markers ?? []), ...(videoTracks.length ? ((videoTracks[0].t as { markers?: unknown[] }).markers ?? []) : [])];
  stackMarkers.forEach((mk, n) => {
    if (kindOf(mk) !== 'Marker') return warnings.push(`marker ${n + 1}: ${kindOf(mk) || 'unknown item'} ignored`);
    const m = parse(MarkerSchema, mk, `marker ${n + 1}`);
    markers.push({ id: `marker-${n + 1}`, frame: Math.max(0, Math.round(seconds(m.marked_range.start_time) * fps)), label: m.name ?? '' });
  });

  const doc: ProjectDoc = {
    ...emptyProject(timeline.name || basename(file).replace(/\.otio$/i, '')),
    clips: [...media.values()].map((m) => m.clip),
    sequence: { settings, video: instances, audio: items, markers, range: null },
  };
  doc.view = { ...doc.view, selectedClip: instances[0]?.clipId ?? null };
  const checked = ProjectSchema.safeParse(doc);
  if (!checked.success) throw new Error(`OTIO import built an invalid project: ${checked.error.issues[0].message}`);
  return { doc, warnings };
}
