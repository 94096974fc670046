import { extname, resolve } from 'node:path';
import { checkDirOutput, checkFileOutput, type OutputPolicy } from '../../util/output-guard.ts';
import { CancelledError, diskFullError, UserError } from '../../common/errors.ts';
import { createBufferPool } from '../../util/buffer-pool.ts';
import { createProgressMeter, mapConcurrent, prefetch } from '../../util/pipeline.ts';
import { clampRange, outputSize, readFrames } from '../decode/frame-reader.ts';
import { frameBytes, pipeFormats } from '../decode/pipe-format.ts';
import { probe } from '../decode/probe.ts';
import { createEffectPool, type EffectPool } from '../effects/pool.ts';
import { clipDepthRange, depthExtent } from './depth-range.ts';
import type { EffectStack } from '../../common/effects/types.ts';
import { BITRATE_PATTERN, DEFAULT_EXPORT_CODEC, EXPORT_CODECS, type EncodeOptions, type ExportCodec } from '../../common/export-options.ts';
import { depthMappingFor, mappingPathFor, openDepthPasses, type DepthPassSink } from '../encode/depth-passes.ts';
import { openVideoEncoder, type VideoEncoder } from '../encode/video-encoder.ts';
import { backproject } from '../geometry/stage.ts';
import { createShotClouds, writeShotPlys } from '../geometry/shot-clouds.ts';
import { depthMeaning, depthUnit } from '../geometry/units.ts';
import { openCameraExport } from './camera-export.ts';
import { resizeRgb } from '../preprocess/resize.ts';
import type { DeviceRequest } from '../infer/providers.ts';
import type { RgbFrame, VideoInfo } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import { runAnalysis, type AnalysisResult, type GeometrySettings } from './analyze.ts';

export type RenderCodec = ExportCodec;

/** The geometry settings pick the analysis the export reads (and computes, when it is missing). */
export interface RenderOptions extends GeometrySettings, EncodeOptions {
  input: string;
  out: string;
  effects: EffectStack;
  model?: string;
  device?: DeviceRequest;
  /** Extra passes. */
  depthPng?: string;
  depthMkv?: string;
  /** 32-bit float EXR frames (a folder). */
  depthExr?: string;
  pointcloud?: string;
  cameraPath?: string;
  /** With cameraPath: the frames as PNG beside the COLMAP models (images/frame_<source frame>.png). */
  withImages?: boolean;
  cacheDir?: string;
  /** Effect worker threads (default: cores, at most 4). */
  threads?: number;
  /** Replace earlier outputs: files at the output paths, and folders an earlier gemdepth run wrote (never anything else). */
  replace?: boolean;
}

const CONTAINERS: Record<RenderCodec, string[]> = {
  h264: ['.mp4', '.mov', '.mkv'],
  h265: ['.mp4', '.mov', '.mkv'],
  prores: ['.mov', '.mkv'],
  vp9: ['.webm', '.mkv', '.mp4'],
};

/** Output checks shared by every export (one clip or a sequence): codec, container, paths, quality. */
export type OutputOptions = Pick<RenderOptions, 'out' | 'codec' | 'crf' | 'bitrate' | 'depthPng' | 'depthMkv' | 'depthExr' | 'pointcloud' | 'cameraPath' | 'replace'>;
export function checkOutputOptions(o: OutputOptions, inputs: string[]): RenderCodec {
  const codec = o.codec ?? DEFAULT_EXPORT_CODEC;
  if (!CONTAINERS[codec]) throw new UserError(`unknown codec '${codec}': use ${EXPORT_CODECS.join(', ')}`, 'EINPUT');
  const outputs = [o.out, o.depthPng, o.depthMkv, o.depthExr, o.pointcloud, o.cameraPath].filter((p): p is string => !!p).map((p) => resolve(p));
  const ins = new Set(inputs.map((p) => resolve(p)));
  for (const p of outputs) if (ins.has(p)) throw new UserError(`output ${p} is the input: choose another name, the input is never overwritten`, 'EOUT');
  if (new Set(outputs).size !== outputs.length) throw new UserError('two outputs have the same path: give each pass its own name', 'EOUT');
  const ext = extname(o.out).toLowerCase();
  if (!CONTAINERS[codec].includes(ext)) throw new UserError(`${codec} cannot be written to '${ext || 'no extension'}': use ${CONTAINERS[codec].join(', ')}`, 'EOUT');
  if (o.depthMkv && extname(o.depthMkv).toLowerCase() !== '.mkv') throw new UserError(`--depth-mkv must end in .mkv (got ${o.depthMkv})`, 'EOUT');
  if (o.pointcloud && extname(o.pointcloud).toLowerCase() !== '.ply') throw new UserError(`--pointcloud must end in .ply (got ${o.pointcloud})`, 'EOUT');
  if (o.crf !== undefined && !(Number.isInteger(o.crf) && o.crf >= 0 && o.crf <= 63)) throw new UserError(`--crf ${o.crf} is not valid: use 0..51 (h264/h265) or 0..63 (vp9)`, 'EINPUT');
  if (o.bitrate !== undefined && !BITRATE_PATTERN.test(o.bitrate)) throw new UserError(`--bitrate ${o.bitrate} is not valid: use e.g. 8M or 2500k`, 'EINPUT');
  return codec;
}

function checkOptions(o: RenderOptions): RenderCodec {
  const codec = checkOutputOptions(o, [o.input]);
  if (!o.effects.length) throw new UserError('no effect given: add --effect fog (or --effects stack.json)', 'EINPUT');
  return codec;
}

/** Every output is checked before any work: finding a refusal after a ten-minute export is what users remember. */
async function checkRenderOutputs(o: RenderOptions, policy: OutputPolicy): Promise<void> {
  for (const f of [o.out, o.depthMkv, o.depthMkv && mappingPathFor(resolve(o.depthMkv)), o.pointcloud]) if (f) await checkFileOutput(f, policy);
  for (const d of [o.depthPng, o.depthExr, o.cameraPath]) if (d) await checkDirOutput(d, policy);
}

/** yuv420p needs even sizes: a derived side is rounded up, an explicit odd one is refused. */
function frameSize(info: VideoInfo, o: RenderOptions, codec: RenderCodec) {
  const s = outputSize(info, o);
  if (codec === 'prores') return s;
  const even = (v: number, given?: number) => {
    if (v % 2 === 0) return v;
    if (given !== undefined) throw new UserError(`size ${s.width}x${s.height} is not valid for ${codec}: width and height must be even`, 'EINPUT');
    return v + 1;
  };
  return { width: even(s.width, o.width), height: even(s.height, o.height) };
}


/**
 * Export: decode -> depth (from the analysis cache, computed first if missing) -> guided upsampling and
 * the effect stack on worker threads -> encode, streamed through bounded queues. Every output is
 * written under a temporary name and renamed when complete; on error or cancel, partial files are removed.
 */
export async function runRender(opts: RenderOptions, control: JobControl = {}): Promise<{ out: string; frames: number }> {
  const signal = control.signal;
  const codec = checkOptions(opts);
  const policy: OutputPolicy = { replace: opts.replace, inputs: [opts.input] };
  await checkRenderOutputs(opts, policy);
  const info = await probe(opts.input);
  const { start, end } = clampRange(info, opts.start, opts.end);
  const { width, height } = frameSize(info, opts, codec);
  const total = end - start + 1;

  // One analysis per clip and settings, whatever range is exported: the whole clip's (from the cache
  // when done; only missing frames computed otherwise), so its depth and depth range are the preview's
  // and every export's, and a source frame looks the same in a range export as in the full one.
  const analysis = await runAnalysis(
    { input: info.path, model: opts.model, device: opts.device, cacheDir: opts.cacheDir, preview: false, multiview: opts.multiview, fusion: opts.fusion, intrinsics: opts.intrinsics, depthFrom: opts.depthFrom, depthUnit: opts.depthUnit },
    { signal, onProgress: (p) => control.onProgress?.({ ...p, stage: 'analyze' }) },
  );
  // Held while the export reads the depth: an hours-long export is never evicted under it.
  const lease = await analysis.hold();
  try {
    return await renderFrom(analysis, info, opts, control, { codec, start, end, width, height, total, policy });
  } finally {
    await lease.release();
  }
}

interface RenderPlan {
  codec: ReturnType<typeof checkOptions>;
  start: number;
  end: number;
  width: number;
  height: number;
  total: number;
  policy: OutputPolicy;
}

async function renderFrom(analysis: AnalysisResult, info: VideoInfo, opts: RenderOptions, control: JobControl, rp: RenderPlan): Promise<{ out: string; frames: number }> {
  const { codec, start, end, width, height, total, policy } = rp;
  const signal = control.signal;
  const wantDepth = !!(opts.depthPng || opts.depthMkv || opts.depthExr);
  // The camera path's glTF scenes hold the fused cloud too.
  const wantCloud = !!(opts.pointcloud || opts.cameraPath);
  if (wantCloud && !analysis.poses) {
    throw new UserError('the point cloud and camera path need camera poses, and this analysis has none', 'EINPUT');
  }

  let encoder: VideoEncoder | null = null;
  let passes: DepthPassSink | null = null;
  let camera: Awaited<ReturnType<typeof openCameraExport>> | null = null;
  // Started first: the workers boot while the depth range is read and the encoder starts.
  const pool: EffectPool = createEffectPool(opts.threads);
  // YUV on the pipes where that is safe, converted on the effect workers (see decode/pipe-format.ts).
  const pipes = pipeFormats(info, width, height, { yuvOut: codec !== 'prores', rgbNeeded: wantCloud });
  try {
    const range = await clipDepthRange(analysis, signal);
    encoder = await openVideoEncoder(opts.out, {
      width,
      height,
      frameRate: info.frameRate,
      codec,
      inputPixelFormat: pipes.encode,
      crf: opts.crf,
      bitrate: opts.bitrate,
      // By timestamps, so variable-frame-rate clips keep their audio in sync with the exported frames.
      audioFrom: info.hasAudio ? { path: info.path, startTime: info.timestamps[start], duration: info.timestamps[end] - info.timestamps[start] + 1 / info.fps } : undefined,
      colour: { space: info.colorSpace, primaries: info.colorPrimaries, transfer: info.colorTransfer, range: info.colorRange },
      policy,
    });
    if (wantDepth) {
      const { min, max } = await depthExtent(analysis, start, end, signal);
      const m = depthMappingFor(analysis.depthKind, min, max);
      passes = await openDepthPasses({
        pngDir: opts.depthPng,
        mkvPath: opts.depthMkv,
        exrDir: opts.depthExr,
        width,
        height,
        frameRate: info.frameRate,
        mapping: {
          format: 'gemdepth-depth-pass',
          version: 1,
          kind: analysis.depthKind,
          meaning: depthMeaning(analysis.depthKind),
          unit: depthUnit(analysis.depthKind).label,
          formula: 'depth = offset + scale * value',
          ...m,
          width,
          height,
          start,
          end,
          frameRate: info.frameRate,
          model: analysis.modelId,
        },
        policy,
      });
    }
    const cloud = createShotClouds();
    camera = opts.cameraPath ? await openCameraExport({ dir: opts.cameraPath, policy, withImages: opts.withImages, intrinsics: analysis.intrinsics, width, height, unit: depthUnit(analysis.depthKind).label }) : null;
    // About 60 frames feed the cloud (each needs its frame resized); the fuser keeps its size to the scene.
    const cloudEvery = Math.max(1, Math.round(total / 60));
    const cloudStride = Math.max(1, Math.round(Math.sqrt((analysis.width * analysis.height * Math.min(60, total)) / 1e6)));
    const meter = createProgressMeter(total, 'render');
    // Cancellation is checked at each frame below and raised after the loop, which closes the stages
    // in order (decoder killed, queues drained); an abort signal inside the stages would instead reject
    // their pending reads with nobody listening.
    const buffers = createBufferPool(frameBytes(pipes.decode, width, height));
    const outBuffers = createBufferPool(frameBytes(pipes.encode, width, height));
    const frames = prefetch(readFrames(info, { start, end, width, height, buffers, pixelFormat: pipes.decode }), 4);
    const work = async (f: RgbFrame) => {
      const depth = await analysis.readDepth(f.index);
      const small = wantCloud && (f.index - start) % cloudEvery === 0 ? resizeRgb(f.data, f.width, f.height, depth.width, depth.height) : null;
      const r = await pool.run({ frame: f, depth, range, K: analysis.intrinsics, stack: opts.effects, time: f.time, wantDepth, into: outBuffers.take(), pipes });
      return { index: f.index, low: depth, small, rgb: r.rgb, depth: r.depth, source: r.source };
    };
    const rendered = mapConcurrent(frames, pool.size + 1, (f) => {
      const job = work(f);
      // Jobs still in flight when the loop stops on an error must not surface as unhandled rejections.
      job.catch(() => {});
      return job;
    });
    let done = 0;
    for await (const r of rendered) {
      if (signal?.aborted) break;
      await encoder.write(r.rgb);
      outBuffers.give(r.rgb);
      const rel = r.index - analysis.start;
      await camera?.frame({ index: r.index, time: info.timestamps[r.index], rgb: r.source, pose: analysis.poses![rel], shot: analysis.shotIds?.[rel] ?? 0, confidence: analysis.confidence?.[rel] ?? 1 });
      buffers.give(r.source);
      if (passes && r.depth) await passes.write(r.index, r.depth);
      if (r.small) {
        const pose = analysis.poses![rel];
        cloud.add(analysis.shotIds?.[rel] ?? 0, backproject(r.low, { index: r.index, time: 0, width: r.low.width, height: r.low.height, data: r.small }, analysis.intrinsics, pose, cloudStride), pose);
      }
      done++;
      control.onProgress?.(meter.update(done));
    }
    if (signal?.aborted) throw new CancelledError();
    if (done !== total) throw new Error(`render produced ${done} of ${total} frames`);
    const out = await encoder.finish();
    encoder = null;
    await passes?.finish();
    passes = null;
    if (opts.pointcloud) await writeShotPlys(opts.pointcloud, cloud, { unit: depthUnit(analysis.depthKind).label, policy });
    await camera?.finish(cloud);
    for (const s of wantCloud ? cloud.shots() : []) {
      const st = cloud.stats(s);
      const message = `point cloud, shot ${s}: ${st.kept} frames fused (${st.aligned} scaled onto the surface fused so far), ${st.left} left out (their depth is far off it)`;
      if (st.left || st.aligned) control.onProgress?.({ stage: 'render', done, total, fps: 0, etaSeconds: 0, message });
    }
    camera = null;
    return { out, frames: done };
  } catch (e) {
    await encoder?.abort();
    await passes?.abort();
    await camera?.abort();
    if (signal?.aborted) throw new CancelledError();
    throw diskFullError(e, `exporting ${resolve(opts.out)}`) ?? e;
  } finally {
    await pool.close();
  }
}
