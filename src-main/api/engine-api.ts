import { basename, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { probe } from '../engine/decode/probe.ts';
import { readFrame } from '../engine/decode/frame-reader.ts';
import { resolveFfmpeg } from '../engine/decode/ffmpeg-path.ts';
import { getManifest, listManifests, type ModelManifest } from '../engine/infer/manifest.ts';
import { findModelFile } from '../engine/infer/model-paths.ts';
import { planProviders } from '../engine/infer/providers.ts';
import { loadModel } from '../engine/infer/session.ts';
import { openAnalysis, runAnalysis, type AnalysisResult } from '../engine/jobs/analyze.ts';
import { runRender } from '../engine/jobs/render.ts';
import { effectRegistry, loadEffectStack } from '../engine/effects/index.ts';
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
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoInfo } from '../engine/types.ts';
import { createFrameService } from './frames.ts';
import { createJobManager } from './jobs.ts';
import type { ApiParsed } from './schemas.ts';
import type { EffectSpecView, EngineApi, MediaInfo, ModelEntry } from './types.ts';

const DEFAULT_MODEL = 'fastdepth';

function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const mediaInfo = ({ timestamps: _t, files: _f, ...rest }: VideoInfo): MediaInfo => rest;

/**
 * The engine behind every front end. Stateless towards callers except for caches that only make things
 * faster: probed media, opened analyses, decoded frames. Inputs arrive already parsed by `dispatch`;
 * direct callers (CLI, tests) pass the same shapes and get the same checks through `parse`.
 */
export function createEngineApi(opts: { defaultModel?: string } = {}): EngineApi {
  const defaultModel = opts.defaultModel ?? DEFAULT_MODEL;
  const jobs = createJobManager();
  const frames = createFrameService();
  const infos = new Map<string, Promise<VideoInfo>>();
  const analyses = new Map<string, AnalysisResult>();

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

  const analysisKey = (path: string, model: string) => `${resolve(path)}|${model}`;
  async function analysis(path: string, model = defaultModel): Promise<AnalysisResult | null> {
    const key = analysisKey(path, model);
    const hit = analyses.get(key);
    if (hit) return hit;
    const opened = await openAnalysis({ input: path, model });
    if (opened) analyses.set(key, opened);
    return opened;
  }

  async function modelEntries(): Promise<ModelEntry[]> {
    const manifests = await listManifests();
    return manifests.map((m) => {
      let path: string | null = null;
      let note: string | undefined;
      try {
        path = findModelFile(m);
      } catch (e) {
        note = (e as Error).message;
      }
      return {
        id: m.id,
        name: m.name,
        installed: path !== null,
        path,
        outputKind: m.outputKind,
        licence: `${m.licence.id}${m.licence.commercialUse ? '' : ' (non-commercial)'}`,
        note,
      };
    });
  }

  const api: EngineApi = {
    async appInfo() {
      const models = await modelEntries();
      const plan = planProviders('auto');
      let ffmpeg = 'not found';
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

    async listEffects() {
      return Object.values(effectRegistry as Record<string, EffectLike>).map(effectView);
    },

    async importMedia(req) {
      const i = await info(req.path);
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
      return frames.get(i, req.index, req.maxWidth);
    },

    async getDepth(req) {
      const a = await analysis(req.path, req.model);
      if (!a) return null;
      if (req.index < a.start || req.index > a.end) return null;
      const d = await a.readDepth(req.index);
      let min = Infinity;
      let max = -Infinity;
      for (const v of d.data) {
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { index: d.index, width: d.width, height: d.height, kind: d.kind, data: d.data, min, max, intrinsics: a.intrinsics };
    },

    async analysisStatus(req) {
      const model = req.model ?? defaultModel;
      const a = await analysis(req.path, model);
      return {
        analysed: !!a,
        model,
        frames: a ? a.end - a.start + 1 : 0,
        depthWidth: a?.width ?? 0,
        depthHeight: a?.height ?? 0,
        hasPoses: !!a?.poses,
        device: a?.device ?? null,
      };
    },

    async getScene(req) {
      const r = req as ApiParsed<'getScene'>;
      const a = await analysis(r.path, r.model);
      if (!a) return null;
      const i = await info(r.path);
      const lo = Math.max(a.start, r.index - r.accumulate);
      const hi = Math.min(a.end, r.index + r.accumulate);
      // Accumulated ranges thin out with their size so the point count stays bounded.
      const stride = r.stride * Math.max(1, Math.ceil(Math.sqrt((hi - lo + 1) / 4)));
      const parts: { positions: Float32Array; colors: Uint8Array }[] = [];
      for (let f = lo; f <= hi; f++) {
        const depth = await a.readDepth(f);
        const rgb = await readFrame(i, f, { width: depth.width, height: depth.height });
        const pose = a.poses?.[f - a.start] ?? IDENTITY;
        parts.push(backproject(depth, rgb, a.intrinsics, pose, f === r.index ? r.stride : stride));
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
        const res = await runAnalysis({ input: i.path, model, device: req.device, start: req.start, end: req.end }, control);
        analyses.set(analysisKey(i.path, model), res);
        return { frames: res.end - res.start + 1, device: res.device, depthKind: res.depthKind };
      });
      return { jobId: job.id };
    },

    async startExport(req) {
      const i = await info(req.input);
      const out = resolve(req.out);
      if (out === i.path) throw new UserError(`export would overwrite its input ${out}: choose another file name`);
      const effects = loadEffectStack(req.effects);
      const job = jobs.start('export', `Export ${basename(out)}`, out, async (control) => {
        const r = await runRender({ ...req, input: i.path, out, effects }, control);
        return r;
      });
      return { jobId: job.id };
    },

    async cancelJob(req) {
      return { cancelled: jobs.cancel(req.jobId) };
    },

    listJobs: async () => jobs.list(),

    async newProject(req) {
      return { path: null, doc: emptyProject(req.name), issues: [], recovery: null };
    },

    async openProject(req) {
      const path = resolve(req.path);
      const raw = await readProject(path);
      const { doc, issues } = await checkMedia(raw, path);
      let recovery = null;
      const auto = autosavePathFor(path);
      try {
        const [a, p] = await Promise.all([stat(auto), stat(path)]);
        if (a.mtimeMs > p.mtimeMs) recovery = { path: auto, doc: await readProject(auto) };
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
      await addRecent(path, doc.name).catch(() => undefined);
      return { path };
    },

    async autosaveProject(req) {
      const doc = migrateProject(req.doc, 'the project being autosaved');
      const path = req.path ? autosavePathFor(resolve(req.path)) : join(configDir(), 'untitled.gdproj.autosave');
      await writeProject(path, doc);
      return { path };
    },

    recentProjects: () => readRecent(),

    async relinkClip(req) {
      const doc = migrateProject(req.doc, 'the project');
      return { doc: await relinkClip(doc, req.clipId, resolve(req.path)) };
    },

    onJobEvent: (listener) => jobs.on(listener),

    async dispose() {
      await jobs.cancelAll();
      await frames.dispose();
    },
  };
  return api;
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

interface EffectLike {
  id: string;
  label?: string;
  params: Record<string, unknown>[] | Record<string, Record<string, unknown>>;
}

function effectView(e: EffectLike): EffectSpecView {
  const list = Array.isArray(e.params) ? e.params : Object.entries(e.params).map(([name, p]) => ({ name, ...p }));
  return {
    id: e.id,
    label: e.label ?? e.id,
    params: list.map((p) => {
      const { apply: _a, ...plain } = p as Record<string, unknown>;
      return JSON.parse(JSON.stringify(plain)) as EffectSpecView['params'][number];
    }),
  };
}

export type { ProjectDoc };
