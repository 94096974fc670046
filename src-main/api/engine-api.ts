import { basename, resolve } from 'node:path';
import { removeStalePartials } from '../util/stale-partials.ts';
import { readFileSync } from 'node:fs';
import { throwIfAborted, UserError } from '../util/errors.ts';
import { probe } from '../engine/decode/probe.ts';
import { readFrames } from '../engine/decode/frame-reader.ts';
import { resolveFfmpeg } from '../engine/decode/ffmpeg-path.ts';
import { getManifest, listManifests, type ModelManifest } from '../engine/infer/manifest.ts';
import { downloadModel, importModel, licenceNotice, listModels as listModelStatus, needsLicenceConsent } from '../engine/model-manager/index.ts';
import { planProviders } from '../engine/infer/providers.ts';
import { loadModel } from '../engine/infer/session.ts';
import { checkFileOutput } from '../util/output-guard.ts';
import { openAnalysis, runAnalysis, type AnalysisResult, type GeometrySettings } from '../engine/jobs/analyze.ts';
import { effectRegistry, loadEffectStack, type DepthRange } from '../engine/effects/index.ts';
import { clipDepthRange } from '../engine/jobs/depth-range.ts';
import { cacheSummary, evictCache } from '../engine/cache/evict.ts';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { backproject } from '../engine/geometry/stage.ts';
import {
  addRecent,
  autosavePathFor,
  checkMedia,
  configDir,
  emptyProject,
  fingerprintFile,
  migrateProject,
  readProject,
  readRecent,
  relinkClip,
  writeProject,
  type ProjectDoc,
} from '../engine/project/index.ts';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoInfo } from '../engine/types.ts';
import { createFrameService } from './frames.ts';
import { createLanes } from './lanes.ts';
import { createProxyFrames } from './proxy-frames.ts';
import { createJobManager } from './jobs.ts';
import { sequenceApi } from './sequence-api.ts';
import type { ApiParsed, GeometryRequest } from './schemas.ts';
import { depthUnit } from '../engine/geometry/units.ts';
import type { DepthImage, EngineApi, MediaInfo, ModelEntry } from './types.ts';

const DEFAULT_MODEL = 'fastdepth';
const MISSING_TTL_MS = 3000;

/** A front end's geometry request as the engine's settings (unset: the defaults, fusion on, the model's or the default field of view). */
function settingsOf(g: GeometryRequest | undefined): GeometrySettings {
  return { fusion: g?.fusion ?? true, intrinsics: g?.fovDeg !== undefined ? { fovDeg: g.fovDeg } : undefined };
}

function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const mediaInfo = ({ files: _f, ...rest }: VideoInfo): MediaInfo => rest;

/**
 * The engine behind every front end. Stateless towards callers except for caches that only make things
 * faster: probed media, opened analyses, decoded frames. Inputs arrive already parsed by `dispatch`;
 * direct callers (CLI, tests) pass the same shapes and get the same checks through `parse`.
 */
export function createEngineApi(opts: { defaultModel?: string } = {}): EngineApi {
  const defaultModel = opts.defaultModel ?? DEFAULT_MODEL;
  const jobs = createJobManager();
  const frames = createFrameService();
  const proxies = createProxyFrames();
  const lanes = createLanes();
  const infos = new Map<string, Promise<VideoInfo>>();
  const analyses = new Map<string, AnalysisResult>();
  // What a killed earlier session left in the cache (hidden .partial files, concat scripts) goes, in the background.
  void removeStalePartials({ cacheDir: defaultCacheDir() }).catch(() => []);

  const info = (path: string): Promise<VideoInfo> => {
    const key = resolve(path);
    let p = infos.get(key);
    if (!p) {
      p = probe(key);
      infos.set(key, p);
      p.catch(() => infos.delete(key));
    }
    return p;
  };

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

  /** One frame's depth as the viewer gets it: with its extent, the intrinsics and the clip's depth range (export's). */
  async function depthImage(a: AnalysisResult, index: number): Promise<DepthImage> {
    const d = await a.readDepth(index);
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.data) {
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { index: d.index, width: d.width, height: d.height, kind: d.kind, data: d.data, min, max, intrinsics: a.intrinsics, range: await clipRange(a) };
  }

  const analysisKey = (path: string, model: string, g: GeometrySettings) => `${resolve(path)}|${model}|${g.fusion}|${g.intrinsics?.fovDeg ?? ''}`;
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

  async function modelEntries(): Promise<ModelEntry[]> {
    return (await listModelStatus()).map(({ manifest: m, installedAt, downloadable, partialBytes }) => ({
      id: m.id,
      name: m.name,
      installed: installedAt !== null,
      path: installedAt,
      outputKind: m.outputKind,
      licence: licenceNotice(m),
      commercialUse: m.licence.commercialUse,
      downloadable,
      partialBytes,
      source: m.source.url,
    }));
  }

  const api: EngineApi = {
    async appInfo() {
      const models = await modelEntries();
      const plan = planProviders('auto');
      let ffmpeg: string;
      try {
        const f = resolveFfmpeg();
        ffmpeg = `${f.ffmpeg} (${f.source})`;
      } catch (e) {
        ffmpeg = (e as Error).message;
      }
      return {
        version: appVersion(),
        platform: `${process.platform}-${process.arch}`,
        ffmpeg,
        device: { device: plan.order[0], reason: plan.reason },
        models,
        firstRun: !models.some((m) => m.installed),
        configDir: configDir(),
      };
    },

    listModels: () => modelEntries(),
    async cacheInfo() {
      const dir = defaultCacheDir();
      const { entries, bytes, limitBytes } = await cacheSummary(dir);
      return { dir, analyses: entries.length, bytes, limitBytes };
    },
    async clearCache() {
      // What the app has open stays: its depth is on screen.
      const open = new Set([...analyses.values()].map((a) => a.cacheEntry));
      const r = await evictCache(defaultCacheDir(), 0, open);
      missing.clear();
      return { removed: r.removed.length, freedBytes: r.freedBytes, keptBytes: r.keptBytes };
    },

    async validateModelFile(req) {
      const path = req.path;
      const candidates: ModelManifest[] = req.modelId
        ? [await getManifest(req.modelId)]
        : (await listManifests()).sort((a, b) => Number(b.file === basename(path)) - Number(a.file === basename(path)));
      const problems: string[] = [];
      for (const m of candidates) {
        try {
          const loaded = await loadModel(m, { path, device: 'cpu', threads: 1 });
          await loaded.close();
          return { ok: true, modelId: m.id, message: `${basename(path)} fits the '${m.id}' manifest (${m.name})` };
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      return {
        ok: false,
        modelId: null,
        message: req.modelId ? problems[0] : `${basename(path)} fits no known model manifest: ${problems[0] ?? 'no manifests'}`,
      };
    },

    async importModelFile(req) {
      const v = await api.validateModelFile(req);
      if (!v.ok || !v.modelId) return { ...v, installedAt: null };
      const r = await importModel(req.path, v.modelId);
      return { ok: true, modelId: v.modelId, installedAt: r.path, message: `${v.message}; installed as ${r.path}` };
    },

    async downloadModel(req) {
      const m = await getManifest(req.modelId);
      if (needsLicenceConsent(m) && !req.acceptLicence) throw new UserError(`${licenceNotice(m)}: accept the licence to download it`);
      if (!m.download) throw new UserError(`'${m.id}' has no download address: get it from ${m.source.url} and import the file`);
      const job = jobs.start('download', `Download ${m.name}`, m.id, async (control) => {
        const r = await downloadModel(m, {
          signal: control.signal,
          onProgress: (p) =>
            control.onProgress?.({
              stage: 'download',
              done: p.bytes,
              total: p.total,
              fps: p.rate,
              etaSeconds: p.etaSeconds,
              message: `${(p.bytes / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB`,
            }),
        });
        return { path: r.path, resumedFrom: r.resumedFrom };
      });
      return { jobId: job.id };
    },

    async listEffects() {
      return Object.values(effectRegistry).map((e) => ({ id: e.id, label: e.label, description: e.description, params: e.params.map((p) => ({ ...p })) }));
    },

    async importMedia(req) {
      const i = await info(req.path);
      // The viewer's quick pictures start being made now, so they are there by the first scrub.
      proxies.get(i, 0);
      const fingerprint = await fingerprintFile(i.path);
      return {
        info: mediaInfo(i),
        clip: {
          id: `clip-${fingerprint.sha256.slice(0, 8)}-${Date.now().toString(36)}`,
          path: i.path,
          name: basename(i.path),
          fingerprint,
          frameCount: i.frameCount,
          fps: i.fps,
          width: i.width,
          height: i.height,
          in: 0,
          out: Math.max(0, i.frameCount - 1),
          effects: [],
        },
      };
    },

    async getFrame(req) {
      const i = await info(req.path);
      if (req.index >= i.frameCount) throw new UserError(`frame ${req.index} is past the end of ${basename(i.path)} (${i.frameCount} frames)`);
      return lanes.run('getFrame', req.lane, (signal) => frames.get(i, req.index, req.maxWidth, signal));
    },

    async getDepth(req) {
      return lanes.run('getDepth', req.lane, async (signal) => {
        const a = await analysis(req.path, req.model, req.geometry);
        if (!a) return null;
        if (req.index < a.start || req.index > a.end) return null;
        throwIfAborted(signal);
        return depthImage(a, req.index);
      });
    },

    async getProxyFrame(req) {
      const i = await info(req.path);
      if (req.index >= i.frameCount) throw new UserError(`frame ${req.index} is past the end of ${basename(i.path)} (${i.frameCount} frames)`);
      return proxies.get(i, req.index);
    },

    frameStats() {
      const d = frames.stats();
      return { frames: lanes.stats('getFrame'), depth: lanes.stats('getDepth'), decodersStarted: d.readers, decodersStopped: d.stopped };
    },

    async getDepthRange(req) {
      const a = await analysis(req.path, req.model, req.geometry);
      if (!a) return [];
      const out: DepthImage[] = [];
      for (let i = Math.max(a.start, req.start); i <= Math.min(a.end, req.start + req.count - 1); i++) out.push(await depthImage(a, i));
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

    async startAnalysis(req) {
      const i = await info(req.path);
      const model = req.model ?? defaultModel;
      const job = jobs.start('analysis', `Analyse ${basename(i.path)}`, i.path, async (control) => {
        const g = settingsOf(req.geometry);
        const res = await runAnalysis({ input: i.path, model, device: req.device, start: req.start, end: req.end, ...g }, control);
        analyses.set(analysisKey(i.path, model, g), res);
        missing.delete(analysisKey(i.path, model, g));
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
      const job = jobs.start('export', `Export ${basename(out)}`, out, async (control) => {
        // Loaded on first export: the render module brings the worker pool, which start-up does not need.
        const { runRender } = await import('../engine/jobs/render.ts');
        const { geometry, ...rest } = req;
        return runRender({ ...rest, ...settingsOf(geometry), input: i.path, out, effects }, control);
      });
      return { jobId: job.id };
    },

    async cancelJob(req) {
      return { cancelled: jobs.cancel(req.jobId) };
    },

    listJobs: async () => jobs.list(),

    async newProject(req) {
      // An autosave of an unsaved project means the last session ended without saving: offer it.
      const auto = untitledAutosave();
      const st = await stat(auto).catch(() => null);
      const recovery = st ? { path: auto, doc: await readProject(auto).catch(() => null), savedAt: st.mtimeMs, target: null } : null;
      return { path: null, doc: emptyProject(req.name), issues: [], recovery: recovery?.doc ? { ...recovery, doc: recovery.doc } : null };
    },

    async openProject(req) {
      const path = resolve(req.path);
      const raw = await readProject(path);
      const { doc, issues } = await checkMedia(raw, path);
      let recovery = null;
      const auto = autosavePathFor(path);
      try {
        const [a, p] = await Promise.all([stat(auto), stat(path)]);
        if (a.mtimeMs > p.mtimeMs) recovery = { path: auto, doc: await readProject(auto), savedAt: a.mtimeMs, target: path };
      } catch {
        /* no autosave */
      }
      await addRecent(path, doc.name).catch(() => undefined);
      return { path, doc, issues, recovery };
    },

    async saveProject(req) {
      const path = resolve(req.path);
      const doc = migrateProject(req.doc, 'the project being saved');
      await writeProject(path, doc);
      // The autosave beside it is older than what was just saved: drop it so it is not offered again.
      await rm(autosavePathFor(path), { force: true });
      await addRecent(path, doc.name).catch(() => undefined);
      return { path };
    },

    async autosaveProject(req) {
      const doc = migrateProject(req.doc, 'the project being autosaved');
      const path = req.path ? autosavePathFor(resolve(req.path)) : untitledAutosave();
      await writeProject(path, doc);
      return { path };
    },

    recentProjects: () => readRecent(),

    async discardAutosave(req) {
      // Only files the app itself writes: the unsaved-project autosave, or `.NAME.gdproj.autosave` siblings.
      const p = resolve(req.path);
      const ours = p === untitledAutosave() || /[\\/]\.[^\\/]+\.gdproj\.autosave$/.test(p);
      if (!ours) throw new UserError(`${p} is not a GemDepth autosave file`);
      const existed = await stat(p).then(() => true, () => false);
      await rm(p, { force: true });
      return { removed: existed };
    },

    async relinkClip(req) {
      const doc = migrateProject(req.doc, 'the project');
      return { doc: await relinkClip(doc, req.clipId, resolve(req.path)) };
    },

    ...sequenceApi(jobs, settingsOf, info),

    onJobEvent: (listener) => jobs.on(listener),

    async dispose() {
      await jobs.cancelAll();
      await frames.dispose();
      proxies.dispose();
    },
  };
  return api;
}

const untitledAutosave = () => join(configDir(), 'untitled.gdproj.autosave');

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

export type { ProjectDoc };
