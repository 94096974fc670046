import { checkDirOutput, checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import { withAtomicDir } from '../../util/atomic.ts';
import { CancelledError, diskFullError, isUserError } from '../../common/errors.ts';
import { createProgressMeter, prefetch, prefetchStarted } from '../../util/pipeline.ts';
import { createBufferPool, isWholeBuffer, type BufferPool } from '../../util/buffer-pool.ts';
import { resolve } from 'node:path';
import { cacheLimitBytes, evictCache } from '../cache/evict.ts';
import { leaseEntry } from '../cache/lease.ts';
import type { ChunkFrame } from '../cache/chunk-file.ts';
import { quantize } from '../cache/quantize.ts';
import { readFrames } from '../decode/frame-reader.ts';
import { CALIB_MAX_FRAMES, createCalibratedStage } from '../geometry/calibrated-stage.ts';
import type { GeometryOutput } from '../geometry/stage.ts';
import { createShotClouds, writeShotPlys } from '../geometry/shot-clouds.ts';
import { depthUnit } from '../geometry/units.ts';
import { rawDepthFrames, type RawDepthFrame } from './raw-depth.ts';
import { loadModelThreaded } from '../infer/model-thread.ts';
import { loadModel, type LoadedModel } from '../infer/session.ts';
import type { DepthMap, Intrinsics, Mat4, RgbFrame } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import { importDepth, openImportedDepth } from './import-depth.ts';
import { cameraOf, cloudStrideOf, intrinsicsOf, plan, resultOf, type AnalysisResult, type AnalyzeOptions, type FinalRecord, type Plan } from './analysis-plan.ts';
import { cloudTarget, metaOf, openOutputs, outputThreadWrites, relativeInside, writeCloudFromCache, writeOutputsFromCache } from './analysis-outputs.ts';
import { DEFAULT_FUSION } from '../../common/api/geometry.ts';

export { recordedIntrinsics, type AnalysisResult, type AnalyzeOptions, type GeometrySettings } from './analysis-plan.ts';

/** A finished analysis from the cache (the model's or an imported pass's), or null (nothing is computed). */
export async function openAnalysis(opts: AnalyzeOptions): Promise<AnalysisResult | null> {
  if (opts.depthFrom) return openImportedDepth(opts);
  const p = await plan(opts);
  const rec = await p.final.readComplete<FinalRecord>(p.length);
  return rec ? resultOf(p, rec) : null;
}

/** The analysis job: decode -> model -> geometry -> cache and outputs, resumable from the cache. */
export async function runAnalysis(opts: AnalyzeOptions, control: JobControl = {}): Promise<AnalysisResult> {
  if (opts.depthFrom) return importDepth(opts, control);
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
  // Bilinear: decoding is a large share of the CPU budget and depth networks do not see the difference.
  // Started before the model thread, which takes a few hundred ms to boot: the first frames are ready when it is.
  // With poses, a frame's pixels come back once its output is made (analyse): V8 collects no 0.27 MB a frame.
  const buffers = p.geometry ? createBufferPool(3 * p.depthSize.width * p.depthSize.height) : undefined;
  const decoding = prefetchStarted(readFrames(p.info, { start: p.start, end: p.end, width: p.depthSize.width, height: p.depthSize.height, scaleFlags: 'bilinear', buffers }), 8);
  let model: LoadedModel | null = null;
  if (!rawDone) {
    const warn = (m: string) => control.onProgress?.({ stage: 'analyze', done: 0, total: p.length, fps: 0, etaSeconds: null, message: `warning: ${m}` });
    const load = { device: opts.device, threads: opts.threads, path: p.modelPath, cacheDir: opts.cacheDir, onWarning: warn };
    model = await loadModelThreaded(p.manifest, load).catch((e: unknown) => {
      if (isUserError(e)) throw e;
      // The thread itself could not start (a packaging quirk, say): same model on this thread, slower.
      warn(`${(e as Error).message}; running the model on the main thread`);
      return loadModel(p.manifest, load);
    }).catch(async (e: unknown) => {
      await decoding.close();
      throw e;
    });
  }
  try {
    const device = model?.deviceLabel ?? rawDone!.device;
    const work = (out: string | null) => analyse(p, { ...opts, pointcloud: cloudTarget(opts.pointcloud, wantOut, out) }, model, device, out, preview, control, policy, decoding.items, buffers);
    try {
      const rec = wantOut ? await withAtomicDir(wantOut, (tmp) => work(tmp), policy) : await work(null);
      return resultOf(p, rec);
    } catch (e) {
      // Frames already cached stay valid: the next run resumes from them.
      throw diskFullError(e, `analysing ${p.info.path} (output ${wantOut ?? 'none'}, cache ${p.cacheDir})`) ?? e;
    }
  } finally {
    await decoding.close();
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
  decoded: AsyncGenerator<RgbFrame>,
  buffers?: BufferPool,
): Promise<FinalRecord> {
  const signal = control.signal;
  const meter = createProgressMeter(p.length, 'analyze', device);
  const g = p.geometry;
  // With poses the output thread writes the frames' files (output-writes.ts); the sink the rest.
  const sink = outDir ? await openOutputs(outDir, p, preview, signal, !g) : null;
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

  // With poses, a frame's output depth is read by nothing once its chunk is written and its outputs are:
  // it goes back to the model thread for a later frame's depth (rawDepthFrames: spareDepth), so the
  // depth's arrays go round (model thread, this thread, output thread, back) instead of two new 0.35 MB a frame.
  const spareDepth: Float32Array[] = [];
  // As many as the model may run ahead (each of its frames takes one; fewer, and it allocates new ones while
  // it is ahead): bounded in bytes with the run-ahead (RUN_AHEAD_BYTES).
  const spareMax = runAhead(p.depthSize.width * p.depthSize.height);
  // The chunk's quantised frames, made here into arrays a written chunk gives back (chunk-file.ts would make new ones).
  const qPool = createBufferPool(2 * p.depthSize.width * p.depthSize.height, 32);
  // With poses the output thread quantises each output (stage: outputExtras), its arrays go back to it once
  // written; it colour-maps and writes the frame's files itself.
  const emit = async (rel: number, depth: Float32Array, extra?: { pose: Mat4; confidence: number; shotId: number }, made?: GeometryOutput) => {
    let written: ChunkFrame[] = [];
    if (g) {
      if (chunk.length === 0) chunkFirst = rel;
      const quantized = made?.quantized ?? quantize(depth, new Uint16Array(qPool.take().buffer));
      chunk.push({ depth, quantized, pose: extra?.pose ?? null, extra: extra ? { confidence: extra.confidence, shotId: extra.shotId } : undefined });
      if (chunk.length >= 16 || rel === p.length - 1) {
        await p.final.write(chunkFirst, p.depthSize.width, p.depthSize.height, chunk);
        written = chunk;
        chunk = [];
      }
    }
    if (!made) await sink?.frame(rel, depth);
    for (const c of written) if (spareDepth.length < spareMax && isWholeBuffer(c.depth)) spareDepth.push(c.depth);
    // Given back a chunk at a time: one message per chunk, not one per frame.
    if (made?.quantized && written.length) stage?.recycle(written.map((c) => c.quantized!.data), []);
    else if (!made?.quantized) for (const c of written) qPool.give(c.quantized && new Uint8Array(c.quantized.data.buffer));
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
      // Nothing reads the frame's pixels after its output (the geometry keeps its own planes).
      buffers?.give(rgbs.get(rel)?.data);
      rgbs.delete(rel);
      await emit(rel, o.depth.data, { pose: o.pose, confidence: o.confidence, shotId: o.shotId }, o);
    }
  };

  try {
    // Cancellation ends the stages quietly and is raised here, after the loop, so that the stages close in
    // order (decoder killed, queues drained) before the job reports it.
    const raw = rawDepthFrames(decoded, {
      model,
      layer: p.raw,
      start: p.start,
      length: p.length,
      inputSize: p.inputSize,
      depthSize: p.depthSize,
      window: p.window,
      batch: model?.device === 'cuda' ? 8 : 4,
      signal,
      ...(g ? { spareDepth } : {}),
    });
    // Inference runs ahead of geometry and writing: the stages overlap, memory stays bounded (RUN_AHEAD).
    for await (const r of prefetch(raw, g ? runAhead(p.depthSize.width * p.depthSize.height) : 4) as AsyncGenerator<RawDepthFrame>) {
      if (signal?.aborted) break;
      if (!g) {
        await emit(r.rel, r.depth);
        continue;
      }
      if (!stage) {
        const c = cameraOf(p, opts, r.pose);
        // The outputs on a thread of their own, beside the tracking (geometry/driver/output-thread.ts).
        stage = createCalibratedStage({ intrinsics: c.K, source: c.source, signal, mvs: opts.multiview ?? false, fusion: opts.fusion ?? DEFAULT_FUSION, outputThread: true, outputExtras: { quantize: true, preview: !!sink && preview, ...(outDir ? { writes: outputThreadWrites(outDir, p, preview) } : {}) } });
      }
      if (opts.pointcloud || buffers) rgbs.set(r.rel, r.rgb);
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
      ...(cam ? { camera: { fovDeg: cam.fovDeg, source: cam.source, confidence: cam.confidence, warnings: cam.warnings, refined: cam.refined, zoom: cam.zoom } } : {}),
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
    // The output thread's writes stopped and their partial files removed before the folder is (withAtomicDir).
    await stage?.close();
    await sink?.abort();
    throw e;
  }
}

/**
 * Frames of model depth made ahead of the geometry, with poses. Why so many: the geometry's thread
 * comes in bursts (when the camera is decided, the held frames are tracked at once: a second or two
 * with nothing new taken), and only with room to run ahead does the model thread work through a burst
 * instead of waiting, then making the geometry wait for it. Up to the longest burst, CALIB_MAX_FRAMES,
 * within RUN_AHEAD_BYTES of pixels and depth (about 0.6 MB a frame at FastDepth's grid): bounded,
 * whatever the clip's length.
 */
function runAhead(depthPixels: number): number {
  return Math.max(4, Math.min(CALIB_MAX_FRAMES, Math.floor(RUN_AHEAD_BYTES / (7 * depthPixels))));
}
const RUN_AHEAD_BYTES = 64 * 2 ** 20;
