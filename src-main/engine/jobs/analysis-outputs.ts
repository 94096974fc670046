import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { withAtomicDir } from '../../util/atomic.ts';
import type { OutputPolicy } from '../../util/output-guard.ts';
import { CancelledError, UserError } from '../../common/errors.ts';
import { prefetch } from '../../util/pipeline.ts';
import { readFrames } from '../decode/frame-reader.ts';
import { colorizeDepth, depthRange } from '../../common/effects/colormap.ts';
import { depthFileName, npyParts } from '../encode/npy.ts';
import { writeParts } from '../cache/write-parts.ts';
import { openVideoEncoder, type VideoEncoder } from '../encode/video-encoder.ts';
import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';
import { outputWrites } from './output-writes.ts';
import { createShotClouds, writeShotPlys } from '../geometry/shot-clouds.ts';
import { depthMeaning, depthUnit } from '../geometry/units.ts';
import type { DepthMap, RgbFrame } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import { cloudStrideOf, recordedIntrinsics, type FinalRecord, type Plan } from './analysis-plan.ts';
import { toInverseDepth } from '../../common/depth.ts';

/**
 * What an analysis writes besides the cache: the output folder (.npy per frame, colour preview,
 * meta.json, poses.json) and point clouds, as the job runs or afterwards from the cache.
 */

export interface OutputSink {
  /** `colours`: the frame's preview already colour-mapped (the output thread's, colorizeDepth over the first frame's range); read until this resolves. */
  frame(rel: number, depth: Float32Array, colours?: Uint8Array): Promise<void>;
  /** After every frame: the preview finished, meta.json and poses.json written. */
  finish(meta: Record<string, unknown>, rec: FinalRecord): Promise<void>;
  abort(): Promise<void>;
}

/** The preview video's encoder settings (wherever it is fed from: here, or the output thread, output-writes.ts). */
export function previewEncoder(p: Plan) {
  // superfast: a third less of the encoder's CPU than veryfast at the same quality (47 dB both on
  // cockatoo's preview); the file is a third larger, about 5 KB a frame.
  return { width: p.depthSize.width, height: p.depthSize.height, frameRate: p.info.frameRate, crf: 20, preset: 'superfast' as const };
}

/**
 * The geometry's output thread writes the frames' files (.npy, the preview's feed) into `dir`, as
 * openOutputs would here (output-writes.ts); the sink then writes the rest, its `frame` unused.
 */
export function outputThreadWrites(dir: string, p: Plan, preview: boolean) {
  const { ffmpeg, ffprobe } = resolveFfmpeg();
  return outputWrites({ dir, preview: preview ? { encoder: previewEncoder(p), tools: { ffmpeg, ffprobe } } : null });
}

/** `perFrame` false: the frames' files are written elsewhere (outputThreadWrites); no encoder is started here. */
export async function openOutputs(dir: string, p: Plan, preview: boolean, signal?: AbortSignal, perFrame = true): Promise<OutputSink> {
  const { width, height } = p.depthSize;
  const kind = p.manifest.outputKind;
  let encoder: VideoEncoder | null = null;
  let range: [number, number] | null = null;
  if (preview && perFrame) encoder = await openVideoEncoder(join(dir, 'depth_preview.mp4'), { ...previewEncoder(p), signal });
  // The preview frame's buffer, reused: a frame is in the encoder's pipe before the next is coloured.
  const colours = new Uint8Array(width * height * 3);
  return {
    async frame(rel, depth, coloured) {
      const index = p.start + rel;
      // Header and the depth's own bytes written as they are (no 0.35 MB copy a frame), while the
      // preview's frame goes into the encoder's pipe.
      const npy = writeParts(join(dir, depthFileName(index)), npyParts(depth, [height, width]));
      let colour: Promise<void> | undefined;
      if (encoder && coloured) colour = encoder.write(coloured);
      else if (encoder) {
        // One colour range for the whole preview (from its first frame) so colours do not flicker.
        if (!range) {
          const disp = toInverseDepth(depth, kind);
          range = depthRange(disp);
        }
        colour = encoder.write(colorizeDepth(depth, width, height, kind, range, colours));
      }
      await Promise.all([npy, colour]);
    },
    async finish(meta, rec) {
      if (encoder) await encoder.finish();
      encoder = null;
      await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
      if (rec.poses) {
        const g = p.geometry!;
        const ts = Array.from({ length: p.length }, (_v, i) => p.info.timestamps[p.start + i] ?? (p.start + i) / p.info.fps);
        const indices = ts.map((_t, i) => p.start + i);
        await g.writeCameraPath(dir, rec.poses, recordedIntrinsics(rec), ts, { indices, shotIds: rec.shotIds ?? undefined, confidence: rec.confidence ?? undefined, unit: depthUnit(p.manifest.outputKind).label });
      }
    },
    async abort() {
      await encoder?.abort();
    },
  };
}

export function metaOf(p: Plan, rec: FinalRecord): Record<string, unknown> {
  return {
    depthKind: p.manifest.outputKind,
    depthMeaning: depthMeaning(p.manifest.outputKind),
    unit: depthUnit(p.manifest.outputKind).label,
    model: { id: p.manifest.id, name: p.manifest.name, sha256: p.modelSha, licence: p.manifest.licence },
    device: rec.device,
    intrinsics: recordedIntrinsics(rec),
    ...(rec.camera?.warnings.length ? { warnings: rec.camera.warnings } : {}),
    frameRate: { num: p.info.frameRate.num, den: p.info.frameRate.den, fps: p.info.fps },
    frameCount: p.length,
    start: p.start,
    end: p.end,
    width: p.depthSize.width,
    height: p.depthSize.height,
    source: { path: p.info.path, width: p.info.width, height: p.info.height },
    files: 'depth_%06d.npy (float32, HxW, one per source frame index)',
    poses: rec.poses ? 'poses.json' : null,
    cacheKey: p.cacheKey,
  };
}

/**
 * Where the point cloud goes while `tmpDir` is being built for the output folder `out`: a cloud asked
 * for inside `out` is written into the folder being built, or swapping the new folder in would delete it.
 */
export function cloudTarget(pointcloud: string | undefined, out: string | null, tmpDir: string | null): string | undefined {
  if (!pointcloud) return undefined;
  const rel = tmpDir ? relativeInside(out, pointcloud) : null;
  return rel !== null ? join(tmpDir!, rel) : resolve(pointcloud);
}

/** `p` relative to the folder `out` when it lies inside it, else null. */
export function relativeInside(out: string | null, p: string): string | null {
  if (!out) return null;
  const rel = relative(out, resolve(p));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : null;
}

/**
 * A finished analysis's cached depth, frame by frame, in one pass; with `withRgb` the clip's frames are
 * decoded again beside it (for the point cloud's colours).
 */
async function* cachedFrames(p: Plan, withRgb: boolean, signal?: AbortSignal): AsyncGenerator<{ rel: number; depth: DepthMap; rgb: RgbFrame | null }> {
  const frames = withRgb ? prefetch(readFrames(p.info, { start: p.start, end: p.end, width: p.depthSize.width, height: p.depthSize.height, scaleFlags: 'bilinear' }), 4) : null;
  try {
    for (let rel = 0; rel < p.length; rel++) {
      if (signal?.aborted) throw new CancelledError();
      const rgb = frames ? (await frames.next()).value ?? null : null;
      const f = await p.final.read(rel);
      if (!f) throw new UserError('the depth cache changed while it was being read: run the analysis again', 'ECACHE');
      yield { rel, depth: { index: p.start + rel, width: f.width, height: f.height, kind: p.manifest.outputKind, data: f.depth }, rgb };
    }
  } finally {
    // The decoder is stopped whether the frames ran out, the caller stopped early or something failed.
    await frames?.return(undefined);
  }
}

/** The fused point cloud of a finished analysis, from its cached depth and poses. */
function cloudFromCache(p: Plan, rec: FinalRecord) {
  const g = p.geometry;
  if (!g || !rec.poses) throw new UserError('--pointcloud needs camera poses: run analyze without --no-poses', 'EINPUT');
  const poses = rec.poses;
  const fused = createShotClouds();
  const stride = cloudStrideOf(p);
  return {
    add: (rel: number, depth: DepthMap, rgb: RgbFrame | null) => fused.add(rec.shotIds?.[rel] ?? 0, g.backproject(depth, rgb, rec.intrinsics, poses[rel], stride), poses[rel]),
    write: (path: string, policy: OutputPolicy) => writeShotPlys(path, fused, { unit: depthUnit(p.manifest.outputKind).label, policy }),
  };
}

export async function writeCloudFromCache(p: Plan, rec: FinalRecord, path: string, policy: OutputPolicy, signal?: AbortSignal): Promise<void> {
  const cloud = cloudFromCache(p, rec);
  for await (const f of cachedFrames(p, true, signal)) cloud.add(f.rel, f.depth, f.rgb);
  await cloud.write(path, policy);
}

export async function writeOutputsFromCache(out: string, p: Plan, rec: FinalRecord, preview: boolean, pointcloud: string | undefined, policy: OutputPolicy, control: JobControl): Promise<void> {
  await withAtomicDir(out, async (dir) => {
    const sink = await openOutputs(dir, p, preview, control.signal);
    const cloudPath = cloudTarget(pointcloud, out, dir);
    const cloud = cloudPath ? cloudFromCache(p, rec) : null;
    try {
      for await (const f of cachedFrames(p, !!cloud, control.signal)) {
        await sink.frame(f.rel, f.depth.data);
        cloud?.add(f.rel, f.depth, f.rgb);
      }
      await sink.finish(metaOf(p, rec), rec);
      if (cloud) await cloud.write(cloudPath!, policy);
    } catch (e) {
      await sink.abort();
      throw e;
    }
  }, policy);
}
