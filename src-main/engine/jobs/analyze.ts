import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { withAtomicDir } from '../../util/atomic.ts';
import { checkDirOutput, checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import { CancelledError, diskFullError, isUserError, UserError } from '../../common/errors.ts';
import { createProgressMeter, prefetch } from '../../util/pipeline.ts';
import { DepthLayer } from '../cache/layer.ts';
import { defaultCacheDir, requireWritableCache } from '../cache/paths.ts';
import { cacheLimitBytes, evictCache } from '../cache/evict.ts';
import { leaseEntry, type Lease } from '../cache/lease.ts';
import type { ChunkFrame } from '../cache/chunk-file.ts';
import { clampRange, readFrames } from '../decode/frame-reader.ts';
import { probe } from '../decode/probe.ts';
import { colorizeDepth, depthRange } from '../../common/effects/colormap.ts';
import { encodeNpy } from '../encode/npy.ts';
import { openVideoEncoder, type VideoEncoder } from '../encode/video-encoder.ts';
import { cameraFor, scaleIntrinsics, type IntrinsicsSource } from '../../common/camera/intrinsics.ts';
import { createCalibratedStage, type CameraInfo } from '../geometry/calibrated-stage.ts';
import { cachedSha256 } from '../../util/file-hash.ts';
import { getManifest, type ModelManifest, type WindowParams } from '../infer/manifest.ts';
import { findModelFile } from '../infer/model-paths.ts';
import type { DeviceRequest } from '../infer/providers.ts';
import { rawDepthFrames, type RawDepthFrame } from './raw-depth.ts';
import { loadModelThreaded } from '../infer/model-thread.ts';
import { loadModel, type LoadedModel } from '../infer/session.ts';
import { depthSize, modelInputSize, type Size } from '../preprocess/index.ts';
import { fingerprintFile } from '../project/fingerprint.ts';
import type { DepthKind, DepthMap, Intrinsics, Mat4, RgbFrame, VideoInfo } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import * as geometryStage from '../geometry/stage.ts';
import { createShotClouds, writeShotPlys } from '../geometry/shot-clouds.ts';
import { depthMeaning, depthUnit } from '../geometry/units.ts';

/**
 * How the geometry stage runs. Part of an analysis's identity: the same clip and model with other
 * settings is another analysis in the cache, so every front end that reads one passes these too.
 */
export interface GeometrySettings {
  /** Dense multi-view stereo refinement of the depth's shape (slow; opt-in until it beats alignment on TAE). */
  multiview?: boolean;
  /** Each frame's depth fused with its posed neighbours' (default true; off for footage dominated by things that move). */
  fusion?: boolean;
  /** fx in pixels at the source resolution, or a horizontal field of view. */
  intrinsics?: { fx?: number; fovDeg?: number };
}

export interface AnalyzeOptions extends GeometrySettings {
  input: string;
  out?: string;
  model?: string;
  start?: number;
  end?: number;
  device?: DeviceRequest;
  threads?: number;
  preset?: 'large' | 'medium' | 'small';
  poses?: boolean;
  pointcloud?: string;
  cacheDir?: string;
  preview?: boolean;
  /** Replace an earlier output: a folder an earlier gemdepth run wrote, a point-cloud file (never anything else). */
  replace?: boolean;
}

export interface AnalysisResult {
  cacheKey: string;
  /** The cache entry this analysis lives in (see cache/evict.ts). */
  cacheEntry: string;
  /** Folder of the depth readDepth returns; small results derived from it are kept there (depth-range.ts). */
  depthDir: string;
  info: VideoInfo;
  modelId: string;
  depthKind: DepthKind;
  device: string;
  width: number;
  height: number;
  intrinsics: Intrinsics;
  /** The intrinsics' field of view, where it came from (user, model, estimated from the footage, default) and how sure it is. */
  camera: ReturnType<typeof recordedIntrinsics> & { warnings: string[] };
  poses: Mat4[] | null;
  confidence: number[] | null;
  shotIds: number[] | null;
  start: number;
  end: number;
  /** Depth of clip frame `index` (start..end), from the cache. */
  readDepth(index: number): Promise<DepthMap>;
  /** Claims the cache entry for a job that reads it (an export): not evicted until released. */
  hold(): Promise<Lease>;
}

// The geometry stage (poses, 3D-consistent depth, point clouds) as one module object, so a plan can carry it.
type GeometryModule = typeof geometryStage;
type GeometryOutput = geometryStage.GeometryOutput;

// ---- plan: everything that decides the cache entry, without loading the network ----
interface Plan {
  info: VideoInfo;
  cacheDir: string;
  /** The cache entry (folder under depth/) holding this analysis's raw depth and its geometry layers. */
  cacheEntry: string;
  manifest: ModelManifest;
  modelPath: string;
  modelSha: string;
  start: number;
  end: number;
  length: number;
  inputSize: Size;
  depthSize: Size;
  window: WindowParams | null;
  geometry: GeometryModule | null;
  raw: DepthLayer;
  /** The layer holding the final depth: raw itself without geometry. */
  final: DepthLayer;
  cacheKey: string;
}

interface FinalRecord {
  device: string;
  intrinsics: Intrinsics;
  /** Where the intrinsics came from and how sure the estimate is (absent in entries written before it was recorded). */
  camera?: Omit<CameraInfo, 'K'>;
  poses: Mat4[] | null;
  confidence: number[] | null;
  shotIds: number[] | null;
}

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 32);

async function plan(opts: AnalyzeOptions): Promise<Plan> {
  const info = await probe(opts.input);
  const { start, end } = clampRange(info, opts.start, opts.end);
  const manifest = await getManifest(opts.model ?? 'fastdepth');
  const modelPath = findModelFile(manifest);
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  await requireWritableCache(cacheDir);
  const modelSha = await cachedSha256(modelPath, cacheDir, manifest.sha256);
  if (manifest.sha256 && manifest.sha256 !== modelSha) {
    throw new UserError(
      `model file ${modelPath} has the wrong checksum: expected sha256 ${manifest.sha256}, found ${modelSha} (re-download it from ${manifest.source.url})`,
      'ECHECKSUM',
    );
  }
  let window: WindowParams | null = null;
  if (manifest.window) {
    const name = opts.preset ?? manifest.window.default;
    window = manifest.window.presets[name] ?? null;
    if (!window) throw new UserError(`model '${manifest.id}' has no '${name}' window preset: use ${Object.keys(manifest.window.presets).join(', ')}`);
  }
  const inputSize = modelInputSize(manifest.size, info.width, info.height);
  const dsize = depthSize(manifest.size, info.width, info.height);
  const fingerprint = await fingerprintFile(opts.input, cacheDir);
  const rawSettings = {
    v: 1,
    fingerprint,
    model: { id: manifest.id, sha256: modelSha, normalisation: manifest.normalisation, outputKind: manifest.outputKind },
    start,
    end,
    inputSize,
    depthSize: dsize,
    window,
  };
  const rawKey = hash(rawSettings);
  const raw = await DepthLayer.open(join(cacheDir, 'depth', rawKey), rawSettings);
  const geometry = opts.poses === false ? null : geometryStage;
  let final = raw;
  let cacheKey = rawKey;
  if (geometry) {
    // v: bump whenever the geometry stage's output changes, so old cache entries are never reused.
    const geoSettings = { v: 11, raw: rawKey, intrinsics: opts.intrinsics ?? null, multiview: opts.multiview ?? false, fusion: opts.fusion ?? true };
    const geoKey = hash(geoSettings);
    final = await DepthLayer.open(join(raw.dir, `geo-${geoKey}`), geoSettings);
    cacheKey = `${rawKey}-${geoKey}`;
  }
  if (opts.pointcloud && !geometry) {
    throw new UserError(
      opts.poses === false ? 'a point cloud needs camera poses: drop --no-poses' : 'a point cloud needs the geometry stage, which this build lacks',
    );
  }
  return {
    info,
    cacheDir,
    cacheEntry: rawKey,
    manifest,
    modelPath,
    modelSha,
    start,
    end,
    length: end - start + 1,
    inputSize,
    depthSize: dsize,
    window,
    geometry,
    raw,
    final,
    cacheKey,
  };
}

function intrinsicsOf(p: Plan, opts: AnalyzeOptions, modelPose: number[] | null): Intrinsics {
  return cameraOf(p, opts, modelPose).K;
}

function cameraOf(p: Plan, opts: AnalyzeOptions, modelPose: number[] | null): { K: Intrinsics; source: Exclude<IntrinsicsSource, 'estimated'> } {
  const modelFov = modelPose ? ([modelPose[7], modelPose[8]] as [number, number]) : undefined;
  const c = cameraFor(p.info.width, p.info.height, { fx: opts.intrinsics?.fx, fovDeg: opts.intrinsics?.fovDeg, modelFov });
  return { K: scaleIntrinsics(c.K, p.depthSize.width, p.depthSize.height), source: c.source };
}

/** meta.json's and poses.json's intrinsics: the grid's, with the field of view, its source and confidence. */
export function recordedIntrinsics(rec: { intrinsics: Intrinsics; camera?: Omit<CameraInfo, 'K'> }) {
  const K = rec.intrinsics;
  return { ...K, fovDeg: rec.camera?.fovDeg ?? (360 / Math.PI) * Math.atan(K.width / 2 / K.fx), source: rec.camera?.source ?? 'default', confidence: rec.camera?.confidence ?? 0 };
}

function resultOf(p: Plan, rec: FinalRecord): AnalysisResult {
  const kind = p.manifest.outputKind;
  return {
    cacheKey: p.cacheKey,
    cacheEntry: p.cacheEntry,
    depthDir: p.final.dir,
    info: p.info,
    modelId: p.manifest.id,
    depthKind: kind,
    device: rec.device,
    width: p.depthSize.width,
    height: p.depthSize.height,
    intrinsics: rec.intrinsics,
    camera: { ...recordedIntrinsics(rec), warnings: rec.camera?.warnings ?? [] },
    poses: rec.poses,
    confidence: rec.confidence,
    shotIds: rec.shotIds,
    start: p.start,
    end: p.end,
    hold: () => leaseEntry(p.raw.dir),
    async readDepth(index) {
      if (!Number.isInteger(index) || index < p.start || index > p.end) {
        throw new UserError(`frame ${index} is outside the analysed range ${p.start}..${p.end}`, 'ERANGE');
      }
      const f = await p.final.read(index - p.start);
      if (!f) throw new UserError(`cached depth for frame ${index} is missing or corrupt: run the analysis again`, 'ECACHE');
      return { index, width: f.width, height: f.height, kind, data: f.depth };
    },
  };
}

/** A finished analysis from the cache, or null (nothing is computed). */
export async function openAnalysis(opts: AnalyzeOptions): Promise<AnalysisResult | null> {
  const p = await plan(opts);
  const rec = await p.final.readComplete<FinalRecord>(p.length);
  return rec ? resultOf(p, rec) : null;
}

// ---- outputs ----
interface OutputSink {
  frame(rel: number, depth: Float32Array): Promise<void>;
  finish(meta: Record<string, unknown>, rec: FinalRecord): Promise<void>;
  abort(): Promise<void>;
}

async function openOutputs(dir: string, p: Plan, preview: boolean, signal?: AbortSignal): Promise<OutputSink> {
  const { width, height } = p.depthSize;
  const kind = p.manifest.outputKind;
  let encoder: VideoEncoder | null = null;
  let range: [number, number] | null = null;
  if (preview) {
    encoder = await openVideoEncoder(join(dir, 'depth_preview.mp4'), { width, height, frameRate: p.info.frameRate, crf: 20, preset: 'veryfast', signal });
  }
  return {
    async frame(rel, depth) {
      const index = p.start + rel;
      await writeFile(join(dir, `depth_${String(index).padStart(6, '0')}.npy`), encodeNpy(depth, [height, width]));
      if (encoder) {
        // One colour range for the whole preview (from its first frame) so colours do not flicker.
        if (!range) {
          const disp = kind === 'metric' ? depth.map((v) => (v > 0 ? 1 / v : 0)) : depth;
          range = depthRange(disp);
        }
        await encoder.write(colorizeDepth(depth, width, height, kind, range));
      }
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

function metaOf(p: Plan, rec: FinalRecord): Record<string, unknown> {
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

// ---- the job ----
export async function runAnalysis(opts: AnalyzeOptions, control: JobControl = {}): Promise<AnalysisResult> {
  const p = await plan(opts);
  // Claimed for the whole job, however long: another job's eviction never removes it underneath.
  const lease = await leaseEntry(p.raw.dir);
  try {
    return await runPlanned(p, opts, control);
  } finally {
    await lease.release();
  }
}

async function runPlanned(p: Plan, opts: AnalyzeOptions, control: JobControl): Promise<AnalysisResult> {
  const wantOut = opts.out ? resolve(opts.out) : null;
  const policy: OutputPolicy = { replace: opts.replace, inputs: [opts.input] };
  if (wantOut) await checkDirOutput(wantOut, policy);
  if (opts.pointcloud && relativeInside(wantOut, opts.pointcloud) === null) await checkFileOutput(opts.pointcloud, policy);
  const preview = opts.preview ?? true;
  const done = await p.final.readComplete<FinalRecord>(p.length);
  if (done) {
    control.onProgress?.({ stage: 'analyze', done: p.length, total: p.length, fps: 0, etaSeconds: 0, device: done.device, message: 'from cache' });
    const outputs = wantOut
      ? writeOutputsFromCache(wantOut, p, done, preview, opts.pointcloud, policy, control)
      : opts.pointcloud ? writeCloudFromCache(p, done, resolve(opts.pointcloud), policy, control.signal) : null;
    await outputs?.catch((e: unknown) => {
      throw diskFullError(e, `writing ${wantOut ?? opts.pointcloud}`) ?? e;
    });
    return resultOf(p, done);
  }
  // New depth is about to be written: make room first (least recently used analyses go; this one stays).
  const limit = cacheLimitBytes();
  const evicted = await evictCache(p.cacheDir, limit, new Set([p.cacheEntry]));
  if (evicted.removed.length) {
    const gb = (b: number) => (b / 1024 ** 3).toFixed(1);
    const message = `cache: removed ${evicted.removed.length} least recently used analyses (${gb(evicted.freedBytes)} GB) to stay under ${gb(limit)} GB (GEMDEPTH_CACHE_MAX_GB)`;
    control.onProgress?.({ stage: 'analyze', done: 0, total: p.length, fps: 0, etaSeconds: null, message });
  }
  const rawDone = await p.raw.readComplete<{ device: string }>(p.length);
  let model: LoadedModel | null = null;
  if (!rawDone) {
    const warn = (m: string) => control.onProgress?.({ stage: 'analyze', done: 0, total: p.length, fps: 0, etaSeconds: null, message: `warning: ${m}` });
    const load = { device: opts.device, threads: opts.threads, path: p.modelPath, cacheDir: opts.cacheDir, onWarning: warn };
    model = await loadModelThreaded(p.manifest, load).catch((e: unknown) => {
      if (isUserError(e)) throw e;
      // The thread itself could not start (a packaging quirk, say): same model on this thread, slower.
      warn(`${(e as Error).message}; running the model on the main thread`);
      return loadModel(p.manifest, load);
    });
  }
  try {
    const device = model?.deviceLabel ?? rawDone!.device;
    const work = (out: string | null) => analyse(p, { ...opts, pointcloud: cloudTarget(opts.pointcloud, wantOut, out) }, model, device, out, preview, control, policy);
    try {
      const rec = wantOut ? await withAtomicDir(wantOut, (tmp) => work(tmp), policy) : await work(null);
      return resultOf(p, rec);
    } catch (e) {
      // Frames already cached stay valid: the next run resumes from them.
      throw diskFullError(e, `analysing ${p.info.path} (output ${wantOut ?? 'none'}, cache ${p.cacheDir})`) ?? e;
    }
  } finally {
    await model?.close();
  }
}

async function analyse(
  p: Plan,
  opts: AnalyzeOptions,
  model: LoadedModel | null,
  device: string,
  outDir: string | null,
  preview: boolean,
  control: JobControl,
  policy: OutputPolicy,
): Promise<FinalRecord> {
  const signal = control.signal;
  const meter = createProgressMeter(p.length, 'analyze', device);
  const sink = outDir ? await openOutputs(outDir, p, preview, signal) : null;
  const g = p.geometry;
  // Geometry depends on every earlier frame, so it is redone from the start: its layer is rewritten whole.
  if (g) await p.final.truncate(0);
  let stage: ReturnType<typeof createCalibratedStage> | null = null;
  let K: Intrinsics | null = g ? null : intrinsicsOf(p, opts, null);
  const rgbs = new Map<number, RgbFrame>();
  const poses: Mat4[] = [];
  const confidence: number[] = [];
  const shotIds: number[] = [];
  // Every frame feeds the cloud; the fuser's voxels keep its size to the scene's extent, not the clip's length.
  const fused = opts.pointcloud && g ? createShotClouds() : null;
  const cloudStride = cloudStrideOf(p);
  let chunk: ChunkFrame[] = [];
  let chunkFirst = 0;
  let finished = 0;
  // With poses, progress counts the frames the geometry has taken in: its output trails them by up to
  // the scale smoother's look-ahead (40 frames), which a slow model would otherwise show as a stall.
  // The last frame is counted once it is written.
  let taken = 0;
  const doneSoFar = () => Math.max(finished, Math.min(taken, p.length - 1));
  const report = () => control.onProgress?.(meter.update(doneSoFar()));

  const emit = async (rel: number, depth: Float32Array, extra?: { pose: Mat4; confidence: number; shotId: number }) => {
    if (g) {
      if (chunk.length === 0) chunkFirst = rel;
      chunk.push({ depth, pose: extra?.pose ?? null, extra: extra ? { confidence: extra.confidence, shotId: extra.shotId } : undefined });
      if (chunk.length >= 16 || rel === p.length - 1) {
        await p.final.write(chunkFirst, p.depthSize.width, p.depthSize.height, chunk);
        chunk = [];
      }
    }
    await sink?.frame(rel, depth);
    finished++;
    report();
  };

  const onGeometry = async (outs: GeometryOutput[]) => {
    for (const o of outs) {
      const rel = o.index - p.start;
      poses.push(o.pose);
      confidence.push(o.confidence);
      shotIds.push(o.shotId);
      // The camera is decided (estimated, when nothing gave it) before the first output.
      if (stage && K !== stage.camera()?.K) {
        K = stage.camera()!.K;
        for (const w of stage.camera()!.warnings) control.onProgress?.({ stage: 'analyze', done: doneSoFar(), total: p.length, fps: 0, etaSeconds: null, message: `warning: ${w}` });
      }
      fused?.add(o.shotId, g!.backproject(o.depth, rgbs.get(rel) ?? null, K!, o.pose, cloudStride), o.pose);
      rgbs.delete(rel);
      await emit(rel, o.depth.data, { pose: o.pose, confidence: o.confidence, shotId: o.shotId });
    }
  };

  try {
    // Bilinear: decoding is a large share of the CPU budget and depth networks do not see the difference.
    // Cancellation ends the stages quietly and is raised here, after the loop, so that the stages close in
    // order (decoder killed, queues drained) before the job reports it.
    const frames = prefetch(readFrames(p.info, { start: p.start, end: p.end, width: p.depthSize.width, height: p.depthSize.height, scaleFlags: 'bilinear' }), 8);
    const raw = rawDepthFrames(frames, {
      model,
      layer: p.raw,
      start: p.start,
      length: p.length,
      inputSize: p.inputSize,
      depthSize: p.depthSize,
      window: p.window,
      batch: model?.device === 'cuda' ? 8 : 4,
      signal,
    });
    // Inference runs ahead of geometry and writing by a few frames: the stages overlap, memory stays bounded.
    for await (const r of prefetch(raw, 4) as AsyncGenerator<RawDepthFrame>) {
      if (signal?.aborted) break;
      if (!g) {
        await emit(r.rel, r.depth);
        continue;
      }
      if (!stage) {
        const c = cameraOf(p, opts, r.pose);
        stage = createCalibratedStage({ intrinsics: c.K, source: c.source, signal, mvs: opts.multiview ?? false, fusion: opts.fusion ?? true });
      }
      if (opts.pointcloud) rgbs.set(r.rel, r.rgb);
      const depth: DepthMap = { index: p.start + r.rel, width: p.depthSize.width, height: p.depthSize.height, kind: p.manifest.outputKind, data: r.depth };
      await onGeometry(await stage.push({ index: p.start + r.rel, rgb: r.rgb, depth, modelPose: r.pose ?? undefined }));
      taken++;
      report();
    }
    if (signal?.aborted) throw new CancelledError();
    if (stage) await onGeometry(await stage.flush());
    if (finished !== p.length) throw new Error(`analysis produced ${finished} of ${p.length} frames`);
    const cam = stage?.camera();
    const rec: FinalRecord = {
      device,
      intrinsics: K!,
      ...(cam ? { camera: { fovDeg: cam.fovDeg, source: cam.source, confidence: cam.confidence, warnings: cam.warnings } } : {}),
      poses: g ? poses : null,
      confidence: g ? confidence : null,
      shotIds: g ? shotIds : null,
    };
    // The raw layer's record stands alone (no poses) so a later --no-poses run can serve it directly.
    await p.raw.markComplete(g ? { ...rec, intrinsics: intrinsicsOf(p, opts, null), poses: null, confidence: null, shotIds: null } : rec);
    if (g) await p.final.markComplete(rec);
    if (sink) await sink.finish(metaOf(p, rec), rec);
    if (opts.pointcloud && g && fused) await writeShotPlys(opts.pointcloud, fused, { unit: depthUnit(p.manifest.outputKind).label, policy });
    return rec;
  } catch (e) {
    await sink?.abort();
    throw e;
  }
}

/**
 * Where the point cloud goes while `tmpDir` is being built for the output folder `out`: a cloud asked
 * for inside `out` is written into the folder being built, or swapping the new folder in would delete it.
 */
function cloudTarget(pointcloud: string | undefined, out: string | null, tmpDir: string | null): string | undefined {
  if (!pointcloud) return undefined;
  const rel = tmpDir ? relativeInside(out, pointcloud) : null;
  return rel !== null ? join(tmpDir!, rel) : resolve(pointcloud);
}

/** `p` relative to the folder `out` when it lies inside it, else null. */
function relativeInside(out: string | null, p: string): string | null {
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

async function writeCloudFromCache(p: Plan, rec: FinalRecord, path: string, policy: OutputPolicy, signal?: AbortSignal): Promise<void> {
  const cloud = cloudFromCache(p, rec);
  for await (const f of cachedFrames(p, true, signal)) cloud.add(f.rel, f.depth, f.rgb);
  await cloud.write(path, policy);
}

/** Every frame feeds the cloud at this pixel stride: about 2 M points before fusion, whatever the clip's length. */
const cloudStrideOf = (p: Plan) => Math.max(2, Math.ceil(Math.sqrt((p.depthSize.width * p.depthSize.height * p.length) / 2_000_000)));

async function writeOutputsFromCache(out: string, p: Plan, rec: FinalRecord, preview: boolean, pointcloud: string | undefined, policy: OutputPolicy, control: JobControl): Promise<void> {
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
