import { z } from 'zod';
import { EncodeOptions } from '../export-options.ts';
import { DepthUnit, GeometryRequest } from './geometry.ts';

/**
 * Every request that crosses into the engine from a front end (Electron IPC, the test host, the CLI)
 * is parsed here first: a renderer bug or a hostile page can only reach the engine with well-formed
 * input. Paths must be absolute so nothing depends on the main process's working directory.
 */
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path')
  .refine((p) => !p.includes('\0'), 'must not contain NUL');
const frame = z.number().int().min(0).max(100_000_000);
const modelId = z.string().min(1).max(200).regex(/^[\w.@+-]+$/, 'model ids are letters, digits and . _ - @ +');
const device = z.enum(['auto', 'cpu', 'cuda']);
/** A newer request in the same lane cancels an older one still running (app/lanes.ts): the newest frame wins. */
const lane = z.string().min(1).max(32);
export { GeometryRequest } from './geometry.ts';

export const EffectStackInput = z.array(z.unknown()).max(32);

/** Which analysis of which clip: the app's analysis job and the CLI's analyze alike. */
const analysisRequest = { path: absPath, model: modelId.optional(), geometry: GeometryRequest.optional(), device: device.optional(), start: frame.optional(), end: frame.optional() };

/** What an export is rendered with, for one clip and for a sequence alike (frames: the clip's or the sequence's). */
const encodeRequest = {
  ...EncodeOptions.shape,
  model: modelId.optional(),
  geometry: GeometryRequest.optional(),
  device: device.optional(),
  /** The user confirmed replacing earlier outputs (a save dialog asks); folders gemdepth did not write are never replaced. */
  replace: z.boolean().optional(),
};

export const Schemas = {
  appInfo: z.object({}).strict(),
  listModels: z.object({}).strict(),
  cacheInfo: z.object({}).strict(),
  clearCache: z.object({}).strict(),
  validateModelFile: z.object({ path: absPath, modelId: modelId.optional() }).strict(),
  importModelFile: z.object({ path: absPath, modelId: modelId.optional() }).strict(),
  downloadModel: z.object({ modelId, acceptLicence: z.boolean().default(false) }).strict(),
  listEffects: z.object({}).strict(),
  importMedia: z.object({ path: absPath }).strict(),
  getFrame: z
    .object({ path: absPath, index: frame, maxWidth: z.number().int().min(16).max(8192).optional(), lane: lane.optional() })
    .strict(),
  getDepth: z.object({ path: absPath, index: frame, model: modelId.optional(), geometry: GeometryRequest.optional(), lane: lane.optional() }).strict(),
  getProxyFrame: z.object({ path: absPath, index: frame }).strict(),
  /** The clip's playback proxy (app/playback-proxy.ts): its state, and its file once ready (the first call starts it). */
  getPlaybackProxy: z.object({ path: absPath }).strict(),
  /** Consecutive depth maps in one call (playback prefetches ahead of the playhead). */
  getDepthRange: z.object({ path: absPath, start: frame, count: z.number().int().min(1).max(60), model: modelId.optional(), geometry: GeometryRequest.optional() }).strict(),
  analysisStatus: z.object({ path: absPath, model: modelId.optional(), geometry: GeometryRequest.optional() }).strict(),
  getScene: z
    .object({
      path: absPath,
      index: frame,
      model: modelId.optional(),
      geometry: GeometryRequest.optional(),
      /** Frames either side of index to accumulate. */
      accumulate: z.number().int().min(0).max(60).default(0),
      stride: z.number().int().min(1).max(32).default(2),
    })
    .strict(),
  /** Checks a depth pass against the clip at once (one-line refusal), then imports it as the clip's analysis (a job). */
  importDepth: z.object({ path: absPath, depthFrom: absPath, depthUnit: DepthUnit.optional() }).strict(),
  startAnalysis: z.object(analysisRequest).strict(),
  startExport: z
    .object({
      input: absPath,
      out: absPath,
      effects: EffectStackInput,
      ...encodeRequest,
      depthPng: absPath.optional(),
      depthMkv: absPath.optional(),
      depthExr: absPath.optional(),
      pointcloud: absPath.optional(),
      cameraPath: absPath.optional(),
      withImages: z.boolean().optional(),
    })
    .strict(),
  cancelJob: z.object({ jobId: z.string().min(1).max(64) }).strict(),
  listJobs: z.object({}).strict(),
  newProject: z.object({ name: z.string().max(200).optional() }).strict(),
  openProject: z.object({ path: absPath }).strict(),
  saveProject: z.object({ path: absPath, doc: z.unknown() }).strict(),
  autosaveProject: z.object({ path: absPath.nullable(), doc: z.unknown() }).strict(),
  recentProjects: z.object({}).strict(),
  discardAutosave: z.object({ path: absPath.refine((p) => p.endsWith('.autosave'), 'only autosave files can be discarded') }).strict(),
  relinkClip: z.object({ doc: z.unknown(), clipId: z.string().min(1), path: absPath }).strict(),
  importOtio: z.object({ path: absPath }).strict(),
  getWaveform: z.object({ path: absPath }).strict(),
  exportOtio: z.object({ doc: z.unknown(), path: absPath.refine((p) => p.toLowerCase().endsWith('.otio'), 'must end in .otio') }).strict(),
  startSequenceExport: z
    .object({
      doc: z.unknown(),
      out: absPath,
      ...encodeRequest,
    })
    .strict(),
} as const;

/** An analysis, with its outputs on disk when `out` is given (the CLI's `analyze`): startAnalysis's request plus where and what to write. */
export const AnalyzeRequest = z
  .object({
    ...analysisRequest,
    out: absPath.optional(),
    pointcloud: absPath.optional(),
    preview: z.boolean().optional(),
    poses: z.boolean().optional(),
    preset: z.enum(['large', 'medium', 'small']).optional(),
    threads: z.number().int().min(1).max(1024).optional(),
    cacheDir: absPath.optional(),
    replace: z.boolean().optional(),
  })
  .strict();
export type AnalyzeRequest = z.infer<typeof AnalyzeRequest>;

/** An export as the CLI's `render` asks for it: startExport's request plus the cache folder. */
export const RenderRequest = Schemas.startExport.extend({ cacheDir: absPath.optional() }).strict();
export type RenderRequest = z.infer<typeof RenderRequest>;

export type ApiMethod = keyof typeof Schemas;
export type ApiRequest<M extends ApiMethod> = z.input<(typeof Schemas)[M]>;
export type ApiParsed<M extends ApiMethod> = z.output<(typeof Schemas)[M]>;
export const API_METHODS = Object.keys(Schemas) as ApiMethod[];

// Compile-time check: methods.ts (used by the preload) lists exactly the schema'd methods.
import type { API_METHOD_NAMES } from './methods.ts';
type Listed = (typeof API_METHOD_NAMES)[number];
const _sameMethods: [Listed] extends [ApiMethod] ? ([ApiMethod] extends [Listed] ? true : never) : never = true;
void _sameMethods;

export const DialogRequestSchema = z
  .object({ purpose: z.enum(['import', 'open-project', 'save-project', 'export', 'model', 'depth']), defaultPath: z.string().max(4096).optional() })
  .strict();
