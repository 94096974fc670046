import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { CancelledError, UserError } from '../../common/errors.ts';
import { createProgressMeter, prefetch } from '../../util/pipeline.ts';
import { cachedSha256Many } from '../../util/file-hash.ts';
import { DepthLayer } from '../cache/layer.ts';
import { leaseEntry } from '../cache/lease.ts';
import { defaultCacheDir, requireWritableCache } from '../cache/paths.ts';
import type { ChunkFrame } from '../cache/chunk-file.ts';
import { readFrames } from '../decode/frame-reader.ts';
import { probe } from '../decode/probe.ts';
import type { CameraInfo } from '../geometry/calibrated-stage.ts';
import { geometryCacheVersion } from '../geometry/params.ts';
import { openDepthPass, type DepthPass, type DepthUnitArg } from '../encode/depth-pass-reader.ts';
import { cameraFor, scaleIntrinsics } from '../../common/camera/intrinsics.ts';
import { fingerprintFile } from '../project/fingerprint.ts';
import type { Intrinsics, Mat4, RgbFrame, VideoInfo } from '../../common/types.ts';
import type { JobControl } from '../job-control.ts';
import { cachedDepthMap, recordedIntrinsics, type AnalysisResult, type AnalyzeOptions } from './analysis-plan.ts';
import { createImportCamera } from './import-camera.ts';

/**
 * A depth pass from another tool used instead of the model's (`--depth-from`, the app's "Import depth…"):
 * it becomes the clip's analysis, so preview, export and passes read it like the model's. It is copied
 * into the depth cache under a key made of the pass's content (each file's sha256, the sidecar's
 * included), the clip's fingerprint and the stated unit: a changed file is a new entry, a moved one is not.
 * The camera (poses, field of view) is estimated from the footage with the imported depth as the
 * geometry's depth (import-camera.ts), so point clouds and camera paths work on it too; `poses: false`
 * leaves it out.
 */
interface ImportRecord {
  device: 'imported';
  intrinsics: Intrinsics;
  /** Where the field of view came from (absent without poses). */
  camera?: Omit<CameraInfo, 'K'>;
  kind: DepthPass['kind'];
  source: string;
  poses: Mat4[] | null;
  confidence: number[] | null;
  shotIds: number[] | null;
}

const ENTRY_PREFIX = 'import-';
const CHUNK = 16;

async function planImport(opts: AnalyzeOptions) {
  const info = await probe(opts.input);
  const pass = await openDepthPass(opts.depthFrom!, opts.depthUnit);
  checkFits(pass, info);
  const cacheDir = resolve(opts.cacheDir ?? defaultCacheDir());
  await requireWritableCache(cacheDir);
  const [fingerprint, hashes] = await Promise.all([fingerprintFile(opts.input, cacheDir), cachedSha256Many(pass.files, cacheDir)]);
  // The poses are part of the entry: a change to the geometry's algorithm or parameters makes a new one.
  const settings = { v: 2, geometry: opts.poses === false ? null : geometryCacheVersion(), import: true, fingerprint, content: hashes, unit: opts.depthUnit ?? null, kind: pass.kind, start: pass.start, count: pass.count, intrinsics: opts.intrinsics ?? null };
  const key = ENTRY_PREFIX + createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 32);
  const layer = await DepthLayer.open(join(cacheDir, 'depth', key), settings);
  return { info, pass, key, layer };
}

/** The pass's format, unit, frame count and shape checked against the clip (what can fail before any frame is read). */
export async function checkDepthPass(input: string, depthFrom: string, unit?: DepthUnitArg): Promise<void> {
  checkFits(await openDepthPass(depthFrom, unit), await probe(input));
}

/** Frame count and size problems, each in one line. */
function checkFits(pass: DepthPass, info: VideoInfo): void {
  const end = pass.start + pass.count - 1;
  if (pass.start === 0 && pass.count !== info.frameCount) {
    throw new UserError(`depth pass ${pass.path} has ${pass.count} frames but the clip ${info.path} has ${info.frameCount}: a pass needs one depth frame per clip frame`, 'EINPUT');
  }
  if (end > info.frameCount - 1) {
    throw new UserError(`depth pass ${pass.path} covers frames ${pass.start}..${end} but the clip ${info.path} ends at frame ${info.frameCount - 1}`, 'EINPUT');
  }
  const a = pass.width / pass.height, b = info.width / info.height;
  if (Math.abs(a / b - 1) > 0.02) {
    throw new UserError(`depth pass ${pass.path} is ${pass.width}x${pass.height} but the clip is ${info.width}x${info.height}: the pictures' shapes differ (was it made from this clip?)`, 'EINPUT');
  }
}

function resultOf(p: Awaited<ReturnType<typeof planImport>>, rec: ImportRecord): AnalysisResult {
  const { pass, layer, info } = p;
  const start = pass.start, end = pass.start + pass.count - 1;
  return {
    cacheKey: p.key,
    cacheEntry: p.key,
    depthDir: layer.dir,
    info,
    modelId: 'imported',
    depthKind: rec.kind,
    device: rec.device,
    width: pass.width,
    height: pass.height,
    intrinsics: rec.intrinsics,
    camera: { ...recordedIntrinsics(rec), warnings: rec.camera?.warnings ?? [] },
    poses: rec.poses ?? null,
    confidence: rec.confidence ?? null,
    shotIds: rec.shotIds ?? null,
    start,
    end,
    hold: () => leaseEntry(layer.dir),
    async readDepth(index, opts) {
      if (!Number.isInteger(index) || index < start || index > end) throw new UserError(`frame ${index} is outside the imported depth's frames ${start}..${end}`, 'ERANGE');
      const f = await layer.read(index - start);
      if (!f) throw new UserError(`cached imported depth for frame ${index} is missing or corrupt: import it again`, 'ECACHE');
      return cachedDepthMap(index, rec.kind, f, opts?.stored);
    },
  };
}

/** The imported analysis if it is already in the cache, else null. */
export async function openImportedDepth(opts: AnalyzeOptions): Promise<AnalysisResult | null> {
  const p = await planImport(opts);
  const rec = await p.layer.readComplete<ImportRecord>(p.pass.count);
  return rec ? resultOf(p, rec) : null;
}

export async function importDepth(opts: AnalyzeOptions, control: JobControl = {}): Promise<AnalysisResult> {
  if (opts.out || opts.pointcloud) throw new UserError('an imported depth pass has no analysis outputs to write: export with it (render --depth-from, with --pointcloud or --camera-path for its camera)', 'EINPUT');
  const p = await planImport(opts);
  const lease = await leaseEntry(p.layer.dir);
  try {
    const done = await p.layer.readComplete<ImportRecord>(p.pass.count);
    if (done) return resultOf(p, done);
    const { pass, layer, info } = p;
    const K = scaleIntrinsics(cameraFor(info.width, info.height, { fx: opts.intrinsics?.fx, fovDeg: opts.intrinsics?.fovDeg }).K, pass.width, pass.height);
    const meter = createProgressMeter(pass.count, 'analyze', 'imported');
    const signal = control.signal;
    // The pass and the clip's frames are read side by side: each frame's depth is cached as it is and
    // goes, with its picture, to the camera estimate (which holds a bounded window of frames).
    const cam = opts.poses === false ? null : createImportCamera({ info, pass, intrinsics: opts.intrinsics, signal });
    const video = cam ? prefetch(readFrames(info, { start: pass.start, end: pass.start + pass.count - 1, ...cam.grid, scaleFlags: 'bilinear' }), 4) : null;
    const message = cam ? `importing depth from ${pass.path}, estimating the camera` : `importing depth from ${pass.path}`;
    await layer.truncate(0);
    let chunk: ChunkFrame[] = [];
    let rel = 0;
    try {
      for await (const depth of pass.frames()) {
        if (signal?.aborted) throw new CancelledError();
        if (rel >= pass.count) break;
        if (cam) {
          const f = await video!.next();
          if (f.done) throw new UserError(`${info.path} ended at frame ${pass.start + rel - 1}, before the depth pass's frames did`, 'EINPUT');
          await cam.push(pass.start + rel, f.value as RgbFrame, depth);
        }
        chunk.push({ depth });
        rel++;
        if (chunk.length === CHUNK || rel === pass.count) {
          await layer.write(rel - chunk.length, pass.width, pass.height, chunk);
          chunk = [];
        }
        control.onProgress?.({ ...meter.update(rel), message });
      }
    } finally {
      await video?.return(undefined);
    }
    if (rel !== pass.count) throw new UserError(`depth pass ${pass.path}: read ${rel} frames, expected ${pass.count}`, 'EINPUT');
    const est = await cam?.finish();
    const rec: ImportRecord = {
      device: 'imported', kind: pass.kind, source: pass.path,
      intrinsics: est?.camera.K ?? K,
      ...(est && { camera: { fovDeg: est.camera.fovDeg, source: est.camera.source, confidence: est.camera.confidence, warnings: est.camera.warnings } }),
      poses: est?.poses ?? null, confidence: est?.confidence ?? null, shotIds: est?.shotIds ?? null,
    };
    for (const w of rec.camera?.warnings ?? []) control.onProgress?.({ stage: 'analyze', done: rel, total: pass.count, fps: 0, etaSeconds: null, message: `warning: ${w}` });
    await layer.markComplete(rec);
    return resultOf(p, rec);
  } finally {
    await lease.release();
  }
}
