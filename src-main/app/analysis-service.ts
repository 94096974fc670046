import { basename, resolve } from 'node:path';
import type { AnalyzeRequest, ApiParsed, GeometryRequest, RenderRequest } from '../common/api/schemas.ts';
import type { EngineApi } from '../common/api/types.ts';
import type { DepthRange } from '../common/effects/distance.ts';
import { cacheSummary, evictCache } from '../engine/cache/evict.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { readFrames } from '../engine/decode/frame-reader.ts';
import { loadEffectStack } from '../engine/effects/index.ts';
import { backproject } from '../engine/geometry/stage.ts';
import { depthUnit } from '../engine/geometry/units.ts';
import { openAnalysis, runAnalysis, type AnalysisResult, type GeometrySettings } from '../engine/jobs/analyze.ts';
import { clipDepthRange } from '../engine/jobs/depth-range.ts';
import { checkDepthPass } from '../engine/jobs/import-depth.ts';
import { checkFileOutput } from '../util/output-guard.ts';
import type { JobControl } from '../engine/job-control.ts';
import { createDepthMemory } from './depth-memory.ts';
import { settingsOf } from './geometry-settings.ts';
import type { JobManager } from './jobs.ts';
import type { MediaService } from './media-service.ts';
import { fromBlockImage, type DepthBlockImage } from '../common/api/depth-block.ts';

const MISSING_TTL_MS = 3000;
const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];


/** One clip's analysis as a request says, outputs included: the CLI's analyze and the app's analysis job alike. */
export function analyzeClip(req: AnalyzeRequest, control: JobControl = {}): Promise<AnalysisResult> {
  const { path, geometry, ...rest } = req;
  return runAnalysis({ ...rest, input: path, ...settingsOf(geometry) }, control);
}

/** One clip's export as a request says: the CLI's render and the app's export job alike. */
export async function renderClip(req: RenderRequest, control: JobControl = {}): Promise<{ out: string; frames: number }> {
  const { geometry, effects, ...rest } = req;
  // Loaded on first export: the render module brings the worker pool, which start-up does not need.
  const { runRender } = await import('../engine/jobs/render.ts');
  return runRender({ ...rest, ...settingsOf(geometry), effects: loadEffectStack(effects) }, control);
}

export type AnalysisService = Pick<
  EngineApi,
  'getDepth' | 'getDepthRange' | 'analysisStatus' | 'getScene' | 'startAnalysis' | 'importDepth' | 'startExport' | 'cacheInfo' | 'clearCache'
>;

/**
 * Analyses and what reads them: depth for the viewer, the 3D scene, analysis and export jobs, the depth
 * cache. Opened analyses are kept (per clip, model and geometry settings) so the viewer's calls are cheap.
 */
export function createAnalysisService(jobs: JobManager, media: MediaService, defaultModel: string): AnalysisService {
  const { info } = media;
  const analyses = new Map<string, AnalysisResult>();
  const ranges = new WeakMap<AnalysisResult, Promise<DepthRange>>();
  /** The clip's depth range exactly as export computes it (jobs/depth-range.ts), once per analysis. */
  const clipRange = (a: AnalysisResult): Promise<DepthRange> => {
    let r = ranges.get(a);
    if (!r) {
      r = clipDepthRange(a);
      ranges.set(a, r);
    }
    return r;
  };

  /**
   * One frame's depth as the viewer gets it: with its extent, the intrinsics and the clip's depth range
   * (export's); as a block image, in the cache's uint16 form where the cache gives it (fromBlockImage makes
   * the DepthImage).
   */
  async function depthImage(a: AnalysisResult, index: number): Promise<DepthBlockImage> {
    const d = await a.readDepth(index, { stored: true });
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.data) {
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const image = { index: d.index, width: d.width, height: d.height, kind: d.kind, min, max, intrinsics: a.intrinsics, range: await clipRange(a) };
    return d.stored ? { ...image, q: d.stored } : { ...image, data: d.data };
  }

  // The viewer's depth from memory: each chunk file read once, not once per frame shown.
  const memory = createDepthMemory(depthImage);

  const analysisKey = (path: string, model: string, g: GeometrySettings) => `${resolve(path)}|${model}|${JSON.stringify(g)}`;
  // "Not analysed" is remembered briefly: the viewer asks for depth on every frame it shows.
  const missing = new Map<string, number>();
  async function analysis(path: string, model = defaultModel, geometry?: GeometryRequest): Promise<AnalysisResult | null> {
    const g = settingsOf(geometry);
    const key = analysisKey(path, model, g);
    const hit = analyses.get(key);
    if (hit) return hit;
    if (Date.now() - (missing.get(key) ?? 0) < MISSING_TTL_MS) return null;
    const opened = await openAnalysis({ input: path, model, ...g });
    if (opened) analyses.set(key, opened);
    else missing.set(key, Date.now());
    return opened;
  }

  const service: AnalysisService = {
    async cacheInfo() {
      const dir = defaultCacheDir();
      const [{ entries, bytes, limitBytes }, proxies] = await Promise.all([cacheSummary(dir), media.proxyCache.summary()]);
      return { dir, analyses: entries.length, bytes, limitBytes, proxies };
    },
    async clearCache() {
      // What the app has open stays: its depth is on screen.
      const open = new Set([...analyses.values()].map((a) => a.cacheEntry));
      const r = await evictCache(defaultCacheDir(), 0, open);
      missing.clear();
      const p = await media.proxyCache.clear();
      return { removed: r.removed.length, removedProxies: p.removed, freedBytes: r.freedBytes + p.freedBytes, keptBytes: r.keptBytes + p.keptBytes };
    },

    async getDepth(req) {
      const a = await analysis(req.path, req.model, req.geometry);
      if (!a) return null;
      if (req.index < a.start || req.index > a.end) return null;
      return fromBlockImage(await memory.get(a, req.index));
    },

    async getDepthRange(req) {
      const a = await analysis(req.path, req.model, req.geometry);
      if (!a) return [];
      const out: DepthBlockImage[] = [];
      for (let i = Math.max(a.start, req.start); i <= Math.min(a.end, req.start + req.count - 1); i++) out.push(await memory.get(a, i));
      return out;
    },

    async analysisStatus(req) {
      const model = req.model ?? defaultModel;
      const a = await analysis(req.path, model, req.geometry);
      return {
        analysed: !!a,
        model,
        frames: a ? a.end - a.start + 1 : 0,
        depthWidth: a?.width ?? 0,
        depthHeight: a?.height ?? 0,
        hasPoses: !!a?.poses,
        device: a?.device ?? null,
        camera: a ? { fovDeg: a.camera.fovDeg, source: a.camera.source, confidence: a.camera.confidence, warnings: a.camera.warnings } : null,
        unit: a ? depthUnit(a.depthKind).label : null,
      };
    },

    async getScene(req) {
      const r = req as ApiParsed<'getScene'>;
      const a = await analysis(r.path, r.model, r.geometry);
      if (!a) return null;
      const i = await info(r.path);
      const lo = Math.max(a.start, r.index - r.accumulate);
      const hi = Math.min(a.end, r.index + r.accumulate);
      // Accumulated ranges thin out with their size so the point count stays bounded.
      const stride = r.stride * Math.max(1, Math.ceil(Math.sqrt((hi - lo + 1) / 4)));
      const parts: { positions: Float32Array; colors: Uint8Array }[] = [];
      // One streaming decode for the whole range (not one ffmpeg per frame), at the depth's size.
      for await (const rgb of readFrames(i, { start: lo, end: hi, width: a.width, height: a.height })) {
        const depth = await a.readDepth(rgb.index);
        const pose = a.poses?.[rgb.index - a.start] ?? IDENTITY;
        parts.push(backproject(depth, rgb, a.intrinsics, pose, rgb.index === r.index ? r.stride : stride));
      }
      const n = parts.reduce((s, p) => s + p.positions.length, 0);
      const positions = new Float32Array(n);
      const colors = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        positions.set(p.positions, o);
        colors.set(p.colors, o);
        o += p.positions.length;
      }
      return { index: r.index, positions, colors, poses: a.poses ?? [], firstFrame: a.start, intrinsics: a.intrinsics };
    },

    async importDepth(req) {
      const i = await info(req.path);
      await checkDepthPass(i.path, req.depthFrom, req.depthUnit);
      return service.startAnalysis({ path: i.path, geometry: { depthFrom: req.depthFrom, ...(req.depthUnit && { depthUnit: req.depthUnit }) } });
    },

    async startAnalysis(req) {
      const i = await info(req.path);
      const model = req.model ?? defaultModel;
      const job = jobs.start('analysis', `Analyse ${basename(i.path)}`, i.path, async (control) => {
        const g = settingsOf(req.geometry);
        const res = await analyzeClip({ ...req, path: i.path, model }, control);
        const key = analysisKey(i.path, model, g);
        const old = analyses.get(key);
        if (old) memory.forget(old);
        analyses.set(key, res);
        missing.delete(key);
        return { frames: res.end - res.start + 1, device: res.device, depthKind: res.depthKind };
      });
      return { jobId: job.id };
    },

    async startExport(req) {
      const i = await info(req.input);
      const out = resolve(req.out);
      // Refused at once, not when the job starts: the engine checks every output again before writing.
      await checkFileOutput(out, { replace: req.replace, inputs: [i.path] });
      const effects = loadEffectStack(req.effects);
      const job = jobs.start('export', `Export ${basename(out)}`, out, (control) => renderClip({ ...req, input: i.path, out, effects }, control));
      return { jobId: job.id };
    },

  };
  return service;
}
