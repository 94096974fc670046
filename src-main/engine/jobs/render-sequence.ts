import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CancelledError, diskFullError, UserError } from '../../common/errors.ts';
import { createBufferPool, type BufferPool } from '../../util/buffer-pool.ts';
import { createProgressMeter, mapConcurrent, prefetch } from '../../util/pipeline.ts';
import { readFrames } from '../decode/frame-reader.ts';
import { probe } from '../decode/probe.ts';
import { createEffectPool, type EffectPool } from '../effects/pool.ts';
import { loadEffectStack } from '../../common/effects/stack.ts';
import type { DepthRange } from '../../common/effects/distance.ts';
import type { EffectStack } from '../../common/effects/types.ts';
import { openVideoEncoder, type VideoEncoder } from '../encode/video-encoder.ts';
import { checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import type { DeviceRequest } from '../infer/providers.ts';
import type { ProjectDoc } from '../../common/project/schema.ts';
import { clipOf, lengthOf, placed, rateOf, sequenceLength, sequenceSettings, sourceFrameAt, type Placed } from '../../common/project/sequence.ts';
import { renderCutAudio, type AudioPiece } from '../sequence/audio.ts';
import { isIdentity, placeInto, placement, type Placement } from '../sequence/conform.ts';
import type { RgbFrame, VideoInfo } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import { runAnalysis, type AnalysisResult, type GeometrySettings } from './analyze.ts';
import { clipDepthRange } from './depth-range.ts';
import { checkOutputOptions, type OutputOptions } from './render.ts';

export interface SequenceRenderOptions extends GeometrySettings, Omit<OutputOptions, 'depthPng' | 'depthMkv' | 'pointcloud' | 'cameraPath'> {
  /** The project (clips and sequence); effects come from each instance. */
  doc: Pick<ProjectDoc, 'clips' | 'sequence'>;
  /** Inclusive sequence frames; default: the sequence's export range, else all of it. */
  start?: number;
  end?: number;
  /** Output size instead of the sequence's. */
  width?: number;
  height?: number;
  /** Added after each instance's own stack (the CLI's --effect for every clip). */
  extraEffects?: EffectStack;
  model?: string;
  device?: DeviceRequest;
  cacheDir?: string;
  threads?: number;
}

interface Segment {
  /** null: a gap. */
  p: Placed | null;
  /** Sequence frames [from, to] inclusive; for an instance, offsets from its start are from - p.start. */
  from: number;
  to: number;
}

/** The track between start and end as instance pieces and gaps, in order. */
function segments(ps: Placed[], start: number, end: number): Segment[] {
  const out: Segment[] = [];
  let t = start;
  for (const p of ps) {
    if (p.end <= t || p.start > end) continue;
    if (p.start > t) out.push({ p: null, from: t, to: p.start - 1 });
    const to = Math.min(end, p.end - 1);
    out.push({ p, from: Math.max(t, p.start), to });
    t = to + 1;
  }
  if (t <= end) out.push({ p: null, from: t, to: end });
  return out;
}

interface ClipRender {
  info: VideoInfo;
  place: Placement;
  stack: EffectStack;
  analysis: AnalysisResult | null;
  range: DepthRange | null;
  buffers: BufferPool;
}

/** One output frame of the cut: ready (gap, plain clip) or rendered by the effect pool. */
type Item = { out: Uint8Array } | { job: Promise<Uint8Array> };

/**
 * Export of a sequence: every instance decoded over its range (scaled to its conformed size while
 * decoding), its own effect stack applied by the same worker pool as a one-clip export, placed into the
 * sequence frame, and written by the same encoder with the audio of the cut. Source frames are picked by
 * timestamp (project/sequence.ts), so clips of other rates conform to the sequence's rate.
 */
export async function runSequenceRender(opts: SequenceRenderOptions, control: JobControl = {}): Promise<{ out: string; frames: number }> {
  const signal = control.signal;
  const { doc } = opts;
  const ps = placed(doc);
  if (!ps.length) throw new UserError('the sequence is empty: put at least one clip on the timeline', 'EINPUT');
  const codec = checkOutputOptions(opts, ps.map((p) => p.clip.path));
  const policy: OutputPolicy = { replace: opts.replace, inputs: ps.map((p) => p.clip.path) };
  await checkFileOutput(opts.out, policy);

  const infos = new Map<string, VideoInfo>();
  for (const p of ps) if (!infos.has(p.clip.id)) infos.set(p.clip.id, await probe(p.clip.path));
  for (const a of doc.sequence.audio) {
    const c = clipOf(doc, a.clipId);
    if (c && !infos.has(c.id)) infos.set(c.id, await probe(c.path));
  }
  for (const p of ps) {
    const n = infos.get(p.clip.id)!.frameCount;
    if (p.inst.in > p.inst.out || p.inst.out >= n) {
      throw new UserError(`clip ${p.inst.id} (${p.clip.name}) uses frames ${p.inst.in}..${p.inst.out}, outside the clip's 0..${n - 1}`, 'ERANGE');
    }
  }
  const settings = sequenceSettings(doc);
  // A sequence that takes its rate from its first clip takes the exact rational the probe found.
  const frameRate = doc.sequence.settings ? settings.frameRate : infos.get(ps[0].clip.id)!.frameRate;
  const fps = rateOf(frameRate);
  const even = (v: number) => (codec === 'prores' ? v : v + (v % 2));
  const size = { width: even(opts.width ?? settings.width), height: even(opts.height ?? settings.height) };
  const length = sequenceLength(doc);
  const start = opts.start ?? doc.sequence.range?.in ?? 0;
  const end = opts.end ?? doc.sequence.range?.out ?? length - 1;
  if (start < 0 || start > end || end >= length) throw new UserError(`sequence range ${start}..${end} is outside the sequence's frames 0..${length - 1}`, 'ERANGE');
  const total = end - start + 1;
  const segs = segments(ps, start, end);

  // Per clip: one conformed size, one effect stack check per instance, one analysis over the frames the
  // instances with effects use (so both halves of a split share one depth range).
  const renders = new Map<string, ClipRender>();
  const stacks = new Map<string, EffectStack>();
  for (const s of segs) {
    if (!s.p) continue;
    const { inst, clip } = s.p;
    const stack = [...loadInstanceStack(inst.effects, inst.id), ...(opts.extraEffects ?? [])];
    stacks.set(inst.id, stack);
    if (!renders.has(clip.id)) {
      const info = infos.get(clip.id)!;
      const place = placement(info, size, settings.conform);
      renders.set(clip.id, { info, place, stack: [], analysis: null, range: null, buffers: createBufferPool(place.inner.width * place.inner.height * 3) });
    }
  }
  for (const [clipId, r] of renders) {
    const used = segs.filter((s) => s.p?.clip.id === clipId && stacks.get(s.p.inst.id)!.length);
    if (!used.length) continue;
    // The whole clip's analysis, as a one-clip export and the preview read it (one analysis per clip and
    // settings): a source frame looks the same in the cut as everywhere else. A clip with imported depth
    // uses it, as the preview and a one-clip export do.
    const imported = clipOf(doc, clipId)?.depth;
    r.analysis = await runAnalysis(
      {
        input: r.info.path, model: opts.model, device: opts.device, cacheDir: opts.cacheDir, preview: false, multiview: opts.multiview, fusion: opts.fusion, intrinsics: opts.intrinsics,
        ...(imported && { depthFrom: resolve(imported.from), depthUnit: imported.unit }),
      },
      { signal, onProgress: (p) => control.onProgress?.({ ...p, stage: 'analyze', message: clipOf(doc, clipId)?.name }) },
    );
    r.range = await clipDepthRange(r.analysis, signal);
  }

  const tmp = await mkdtemp(join(tmpdir(), 'gemdepth-cut-'));
  let encoder: VideoEncoder | null = null;
  const pool: EffectPool = createEffectPool(opts.threads);
  try {
    const pieces = audioPieces(doc, segs, infos, fps, start);
    let audioFrom;
    if (pieces.length) {
      const audio = join(tmp, 'cut.m4a');
      await renderCutAudio(pieces, total / fps, audio, signal);
      audioFrom = { path: audio, startTime: 0, duration: total / fps };
    }
    const first = infos.get(ps[0].clip.id)!;
    encoder = await openVideoEncoder(opts.out, {
      ...size,
      frameRate,
      codec,
      crf: opts.crf,
      bitrate: opts.bitrate,
      audioFrom,
      colour: { space: first.colorSpace, primaries: first.colorPrimaries, transfer: first.colorTransfer, range: first.colorRange },
      policy,
    });
    const outBuffers = createBufferPool(size.width * size.height * 3);
    const meter = createProgressMeter(total, 'render');

    const conformed = (r: ClipRender, rgb: Uint8Array): Uint8Array => {
      if (isIdentity(r.place, size)) return rgb;
      const out = placeInto(rgb, r.place, outBuffers.take(), size);
      r.buffers.give(rgb);
      return out;
    };
    async function* items(): AsyncGenerator<Item> {
      for (const s of segs) {
        if (!s.p) {
          for (let f = s.from; f <= s.to; f++) yield { out: outBuffers.take().fill(0) };
          continue;
        }
        const r = renders.get(s.p.clip.id)!;
        const stack = stacks.get(s.p.inst.id)!;
        for await (const frame of pickedFrames(r, s, fps)) {
          if (!stack.length || !r.analysis) {
            yield { out: conformed(r, frame.data) };
            continue;
          }
          const a = r.analysis;
          const job = (async () => {
            const depth = await a.readDepth(frame.index);
            const res = await pool.run({ frame, depth, range: r.range!, K: a.intrinsics, stack, time: frame.time, into: r.buffers.take() });
            r.buffers.give(res.source);
            return conformed(r, res.rgb);
          })();
          job.catch(() => {});
          yield { job };
        }
      }
    }
    let done = 0;
    const frames = mapConcurrent(prefetch(items(), 2), pool.size + 1, async (it) => ('out' in it ? it.out : it.job));
    for await (const rgb of frames) {
      if (signal?.aborted) break;
      await encoder.write(rgb);
      outBuffers.give(rgb);
      done++;
      control.onProgress?.(meter.update(done));
    }
    if (signal?.aborted) throw new CancelledError();
    if (done !== total) throw new Error(`sequence render produced ${done} of ${total} frames`);
    const out = await encoder.finish();
    encoder = null;
    return { out, frames: done };
  } catch (e) {
    await encoder?.abort();
    if (signal?.aborted) throw new CancelledError();
    throw diskFullError(e, `exporting ${resolve(opts.out)}`) ?? e;
  } finally {
    await pool.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

function loadInstanceStack(effects: unknown[], id: string): EffectStack {
  try {
    return loadEffectStack(effects);
  } catch (e) {
    throw new UserError(`clip ${id}: ${(e as Error).message}`, 'EEFFECT');
  }
}

/**
 * The frames one segment shows, one per sequence frame: decoded once over the source range, each
 * sequence frame taking the source frame its time falls on (a repeated frame is a copy: the effect pool
 * takes ownership of what it is given).
 */
async function* pickedFrames(r: ClipRender, s: Segment, fps: number): AsyncGenerator<RgbFrame> {
  const { inst, clip, start } = s.p!;
  const ts = r.info.timestamps;
  const want: number[] = [];
  for (let f = s.from; f <= s.to; f++) want.push(sourceFrameAt(inst, f - start, fps, clip.fps, ts));
  const { width, height } = r.place.inner;
  let i = 0;
  for await (const frame of readFrames(r.info, { start: want[0], end: want[want.length - 1], width, height, buffers: r.buffers })) {
    let n = 0;
    while (i + n < want.length && want[i + n] === frame.index) n++;
    if (n === 0) {
      r.buffers.give(frame.data);
      continue;
    }
    // Copies first: once yielded, the frame's buffer may be moved to a worker.
    const copies = Array.from({ length: n - 1 }, () => r.buffers.take());
    for (const c of copies) c.set(frame.data);
    i += n;
    for (const c of copies) yield { ...frame, data: c };
    yield frame;
    if (i >= want.length) break;
  }
}

/** Linked audio follows its instance; unlinked audio items play where they are placed. */
function audioPieces(doc: SequenceRenderOptions['doc'], segs: Segment[], infos: Map<string, VideoInfo>, fps: number, start: number): AudioPiece[] {
  const pieces: AudioPiece[] = [];
  for (const s of segs) {
    if (!s.p || !s.p.inst.audioLinked) continue;
    const info = infos.get(s.p.clip.id)!;
    if (!info.hasAudio) continue;
    const from = info.timestamps[s.p.inst.in] + (s.from - s.p.start) / fps;
    pieces.push({ path: info.path, from, duration: (s.to - s.from + 1) / fps, at: (s.from - start) / fps });
  }
  const end = start + segs.reduce((n, s) => n + s.to - s.from + 1, 0);
  for (const a of doc.sequence.audio) {
    const c = clipOf(doc, a.clipId);
    const info = c && infos.get(c.id);
    if (!c || !info?.hasAudio) continue;
    const len = lengthOf(a, c.fps, fps);
    const lo = Math.max(a.at, start);
    const hi = Math.min(a.at + len, end);
    if (hi <= lo) continue;
    pieces.push({ path: info.path, from: info.timestamps[a.in] + (lo - a.at) / fps, duration: (hi - lo) / fps, at: (lo - start) / fps });
  }
  return pieces;
}
