import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors.ts';
import { DepthLayer } from '../cache/layer.ts';
import type { ChunkFrame } from '../cache/chunk-file.ts';
import type { Quantized } from '../../common/quantize.ts';
import { defaultCacheDir, requireWritableCache } from '../cache/paths.ts';
import { leaseEntry, type Lease } from '../cache/lease.ts';
import { clampRange } from '../decode/frame-reader.ts';
import { probe } from '../decode/probe.ts';
import { cameraFor, scaleIntrinsics, type IntrinsicsSource } from '../../common/camera/intrinsics.ts';
import type { CameraInfo } from '../geometry/calibrated-stage.ts';
import { geometryCacheVersion } from '../geometry/params.ts';
import { cachedSha256 } from '../../util/file-hash.ts';
import type { ModelManifest, WindowParams } from '../infer/manifest.ts';
import { resolveModel } from '../infer/resolve-model.ts';
import type { DepthUnitArg } from '../encode/depth-pass-reader.ts';
import type { DeviceRequest } from '../infer/providers.ts';
import { depthSize, modelInputSize, type Size } from '../preprocess/index.ts';
import { fingerprintFile } from '../project/fingerprint.ts';
import type { DepthKind, DepthMap, Intrinsics, Mat4, VideoInfo } from '../../common/types.ts';
import * as geometryStage from '../geometry/stage.ts';
import { DEFAULT_FUSION } from '../../common/api/geometry.ts';

/**
 * An analysis's identity and plan: what decides its cache entry (clip, model, range, sizes, geometry
 * settings) without loading the network, and the result front ends read back from the cache.
 */

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
  /** A depth pass to use instead of the model's (import-depth.ts), and what its values mean when no sidecar says. */
  depthFrom?: string;
  depthUnit?: DepthUnitArg;
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
  /**
   * Depth of clip frame `index` (start..end), from the cache; with `stored`, also the cache's uint16 form
   * of it (its own copy), which dequantises to `data` bit for bit: the viewer holds and sends that.
   */
  readDepth(index: number, opts?: { stored?: boolean }): Promise<StoredDepthMap>;
  /** Claims the cache entry for a job that reads it (an export): not evicted until released. */
  hold(): Promise<Lease>;
}

// The geometry stage (poses, 3D-consistent depth, point clouds) as one module object, so a plan can carry it.
type GeometryModule = typeof geometryStage;

// ---- plan: everything that decides the cache entry, without loading the network ----
export interface Plan {
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

export interface FinalRecord {
  device: string;
  intrinsics: Intrinsics;
  /** Where the intrinsics came from and how sure the estimate is (absent in entries written before it was recorded). */
  camera?: Omit<CameraInfo, 'K'>;
  poses: Mat4[] | null;
  confidence: number[] | null;
  shotIds: number[] | null;
}

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 32);

export async function plan(opts: AnalyzeOptions): Promise<Plan> {
  const info = await probe(opts.input);
  const { start, end } = clampRange(info, opts.start, opts.end);
  // A fresh install has only the built-in model: `fastdepth` then runs it (its manifest's fallback).
  const { manifest, path: modelPath } = await resolveModel(opts.model ?? 'fastdepth');
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
    // v: derived from the geometry's parameters and algorithm version (params.ts), so a change to either
    // never reuses old cache entries.
    const geoSettings = { v: geometryCacheVersion(), raw: rawKey, intrinsics: opts.intrinsics ?? null, multiview: opts.multiview ?? false, fusion: opts.fusion ?? DEFAULT_FUSION };
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

export function intrinsicsOf(p: Plan, opts: AnalyzeOptions, modelPose: number[] | null): Intrinsics {
  return cameraOf(p, opts, modelPose).K;
}

export function cameraOf(p: Plan, opts: AnalyzeOptions, modelPose: number[] | null): { K: Intrinsics; source: Exclude<IntrinsicsSource, 'estimated'> } {
  const modelFov = modelPose ? ([modelPose[7], modelPose[8]] as [number, number]) : undefined;
  const c = cameraFor(p.info.width, p.info.height, { fx: opts.intrinsics?.fx, fovDeg: opts.intrinsics?.fovDeg, modelFov });
  return { K: scaleIntrinsics(c.K, p.depthSize.width, p.depthSize.height), source: c.source };
}

/**
 * meta.json's and poses.json's intrinsics: the grid's, with the field of view, its source and confidence;
 * where the footage was asked, the field of view refined along the shot (which the poses follow) and a
 * zoom seen in it.
 */
export function recordedIntrinsics(rec: { intrinsics: Intrinsics; camera?: Omit<CameraInfo, 'K'> }) {
  const K = rec.intrinsics, c = rec.camera;
  return {
    ...K, fovDeg: c?.fovDeg ?? (360 / Math.PI) * Math.atan(K.width / 2 / K.fx), source: c?.source ?? 'default', confidence: c?.confidence ?? 0,
    ...(c?.refined ? { refinedFovDeg: c.refined.fovDeg, refinedConfidence: c.refined.confidence } : {}),
    ...(c?.zoom ? { zoom: c.zoom } : {}),
  };
}

/** A depth map as readDepth gives it; `stored` only where asked for. */
export type StoredDepthMap = DepthMap & { stored?: Quantized };

/**
 * A cached frame as a depth map. Only on request does the stored form come along, copied out of its chunk:
 * a map sent to an export's workers is cloned with everything it holds (a view would clone the whole chunk).
 */
export function cachedDepthMap(index: number, kind: DepthKind, f: ChunkFrame & { width: number; height: number }, stored = false): StoredDepthMap {
  const map: StoredDepthMap = { index, width: f.width, height: f.height, kind, data: f.depth };
  if (stored && f.quantized) map.stored = { offset: f.quantized.offset, scale: f.quantized.scale, data: f.quantized.data.slice() };
  return map;
}

export function resultOf(p: Plan, rec: FinalRecord): AnalysisResult {
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
    async readDepth(index, opts) {
      if (!Number.isInteger(index) || index < p.start || index > p.end) {
        throw new UserError(`frame ${index} is outside the analysed range ${p.start}..${p.end}`, 'ERANGE');
      }
      const f = await p.final.read(index - p.start);
      if (!f) throw new UserError(`cached depth for frame ${index} is missing or corrupt: run the analysis again`, 'ECACHE');
      return cachedDepthMap(index, kind, f, opts?.stored);
    },
  };
}

/** Every frame feeds the cloud at this pixel stride: about 2 M points before fusion, whatever the clip's length. */
export const cloudStrideOf = (p: Plan) => Math.max(2, Math.ceil(Math.sqrt((p.depthSize.width * p.depthSize.height * p.length) / 2_000_000)));
