import type { DepthKind, Intrinsics, Mat4, Progress, VideoInfo } from '../types.ts';
import type { ProjectClip, ProjectDoc } from '../project/schema.ts';
import type { MediaIssue, RecentProject } from '../project/media.ts';
import type { ApiRequest } from './schemas.ts';
import type { ParamSpec } from '../effects/params.ts';
import type { DepthRange } from '../effects/distance.ts';
import type { DepthBlockImage } from './depth-block.ts';

/** Plain data only: these cross IPC / the test bridge by structured clone. Typed arrays stay typed. */
export interface ModelEntry {
  id: string;
  name: string;
  installed: boolean;
  path: string | null;
  outputKind: string;
  /** The licence line to show before a download or import (non-commercial said plainly). */
  licence: string;
  commercialUse: boolean;
  downloadable: boolean;
  /** Bytes of an interrupted download that a new download resumes. */
  partialBytes: number;
  /** Where to get it when not installed. */
  source: string;
}

export interface DeviceReport {
  /** 'cuda' or 'cpu' */
  device: string;
  reason: string;
}

export interface AppInfo {
  version: string;
  platform: string;
  ffmpeg: string;
  device: DeviceReport;
  models: ModelEntry[];
  /** No depth model can be found: the renderer shows the first-run guide. */
  firstRun: boolean;
  configDir: string;
}

/** The depth cache as the settings show it. */
export interface CacheInfo {
  dir: string;
  analyses: number;
  bytes: number;
  /** null: no limit (GEMDEPTH_CACHE_MAX_GB=0). */
  limitBytes: number | null;
  /** The clips' playback proxies (<dir>/proxies), bounded apart (GEMDEPTH_PROXY_MAX_MB). */
  proxies: { files: number; bytes: number; limitBytes: number };
}

/** The effects module's ONE parameter schema, passed through unchanged. */
export type ParamSpecView = ParamSpec;
export interface EffectSpecView {
  id: string;
  label: string;
  description: string;
  params: ParamSpec[];
}

/** Probe result; `timestamps` (seconds per frame) place keyframes at the same times export evaluates them. */
export type MediaInfo = Omit<VideoInfo, 'files'>;

export interface ImportedMedia {
  info: MediaInfo;
  clip: ProjectClip;
}

export interface FrameImage {
  index: number;
  time: number;
  width: number;
  height: number;
  /** RGB 8-bit interleaved, row-major, top row first (what the engine decodes and the GL preview uploads). */
  data: Uint8Array;
}

/** A small JPEG of a frame for the viewer's instant picture while the exact frame is decoded (api/proxy-frames.ts). */
export interface ProxyFrame {
  index: number;
  time: number;
  width: number;
  height: number;
  jpeg: Uint8Array;
}

/** A clip's playback proxy (app/playback-proxy.ts): a small H.264 MP4 the viewer's <video> plays instead of the source. */
export type PlaybackProxy =
  | { state: 'none' | 'making'; path: null }
  | { state: 'ready'; path: string; width: number; height: number }
  | { state: 'failed'; path: null; message: string };

/** Requests of one method in a lane (app/lanes.ts): answered, or cancelled because a newer one came. */
export interface LaneStats {
  served: number;
  cancelled: number;
}

export interface DepthImage {
  index: number;
  width: number;
  height: number;
  kind: DepthKind;
  data: Float32Array;
  min: number;
  max: number;
  intrinsics: Intrinsics | null;
  /** The clip's fixed depth range, the one export uses, so preview effects match export. */
  range: DepthRange | null;
}

export interface AnalysisStatus {
  analysed: boolean;
  model: string;
  frames: number;
  depthWidth: number;
  depthHeight: number;
  hasPoses: boolean;
  device: string | null;
  /** The camera's horizontal field of view the analysis used, where it came from, and how sure an estimate is (0..1). */
  camera: { fovDeg: number; source: 'user' | 'model' | 'estimated' | 'default'; confidence: number; warnings: string[] } | null;
  /** What unit the depth and camera path are in, in words (geometry/units.ts); null before analysis. */
  unit: string | null;
}

export interface SceneData {
  index: number;
  positions: Float32Array;
  colors: Uint8Array;
  /** Camera-to-world per analysed frame (null when the analysis has no poses). */
  poses: (Mat4 | null)[];
  firstFrame: number;
  intrinsics: Intrinsics;
}

export type JobState = 'running' | 'done' | 'error' | 'cancelled';
export interface JobInfo {
  id: string;
  kind: 'analysis' | 'export' | 'download';
  label: string;
  /** The clip or output the job works on, so the UI can draw progress on the right clip. */
  target: string;
  state: JobState;
  progress: Progress | null;
  error: string | null;
  result: unknown;
  startedAt: number;
  endedAt: number | null;
}
export interface JobEvent {
  type: 'progress' | 'state';
  job: JobInfo;
}

export interface OpenedProject {
  path: string | null;
  doc: ProjectDoc;
  issues: MediaIssue[];
  /** An autosave newer than the file (or of an unsaved project), offered for recovery. */
  recovery: { path: string; doc: ProjectDoc; savedAt: number; target: string | null } | null;
}

export interface ModelValidation {
  ok: boolean;
  message: string;
  modelId: string | null;
}

/** The one engine API. Every front end calls exactly this, after validation by Schemas. */
export interface EngineApi {
  appInfo(req: ApiRequest<'appInfo'>): Promise<AppInfo>;
  listModels(req: ApiRequest<'listModels'>): Promise<ModelEntry[]>;
  validateModelFile(req: ApiRequest<'validateModelFile'>): Promise<ModelValidation>;
  /** Validate a user's ONNX file against its manifest, then install it into the model folder. */
  importModelFile(req: ApiRequest<'importModelFile'>): Promise<ModelValidation & { installedAt: string | null }>;
  /** Download with progress as a job; non-commercial licences need acceptLicence. */
  downloadModel(req: ApiRequest<'downloadModel'>): Promise<{ jobId: string }>;
  listEffects(req: ApiRequest<'listEffects'>): Promise<EffectSpecView[]>;
  importMedia(req: ApiRequest<'importMedia'>): Promise<ImportedMedia>;
  getFrame(req: ApiRequest<'getFrame'>): Promise<FrameImage>;
  getDepth(req: ApiRequest<'getDepth'>): Promise<DepthImage | null>;
  /** The frame's low-resolution JPEG if the clip's proxy has it yet (null: not yet; the first call starts it). */
  getProxyFrame(req: ApiRequest<'getProxyFrame'>): Promise<ProxyFrame | null>;
  getPlaybackProxy(req: ApiRequest<'getPlaybackProxy'>): Promise<PlaybackProxy>;
  /** The analysed frames among start..start+count-1, in order (none when the clip is not analysed). */
  getDepthRange(req: ApiRequest<'getDepthRange'>): Promise<DepthBlockImage[]>;
  analysisStatus(req: ApiRequest<'analysisStatus'>): Promise<AnalysisStatus>;
  getScene(req: ApiRequest<'getScene'>): Promise<SceneData | null>;
  startAnalysis(req: ApiRequest<'startAnalysis'>): Promise<{ jobId: string }>;
  importDepth(req: ApiRequest<'importDepth'>): Promise<{ jobId: string }>;
  startExport(req: ApiRequest<'startExport'>): Promise<{ jobId: string }>;
  cancelJob(req: ApiRequest<'cancelJob'>): Promise<{ cancelled: boolean }>;
  listJobs(req: ApiRequest<'listJobs'>): Promise<JobInfo[]>;
  newProject(req: ApiRequest<'newProject'>): Promise<OpenedProject>;
  openProject(req: ApiRequest<'openProject'>): Promise<OpenedProject>;
  saveProject(req: ApiRequest<'saveProject'>): Promise<{ path: string }>;
  autosaveProject(req: ApiRequest<'autosaveProject'>): Promise<{ path: string }>;
  recentProjects(req: ApiRequest<'recentProjects'>): Promise<RecentProject[]>;
  discardAutosave(req: ApiRequest<'discardAutosave'>): Promise<{ removed: boolean }>;
  relinkClip(req: ApiRequest<'relinkClip'>): Promise<{ doc: ProjectDoc }>;
  cacheInfo(req: ApiRequest<'cacheInfo'>): Promise<CacheInfo>;
  /**
   * Removes cached analyses, except those open in this app or used in the last 10 minutes (a job may hold them),
   * and playback proxies, except those of clips imported in this app.
   */
  clearCache(req: ApiRequest<'clearCache'>): Promise<{ removed: number; removedProxies: number; freedBytes: number; keptBytes: number }>;
  /** An .otio cut as a project (clips and sequence), with one warning per item left out. */
  importOtio(req: ApiRequest<'importOtio'>): Promise<{ doc: ProjectDoc; warnings: string[] }>;
  exportOtio(req: ApiRequest<'exportOtio'>): Promise<{ path: string }>;
  /** Renders the project's sequence (every instance with its own effects) as an export job. */
  startSequenceExport(req: ApiRequest<'startSequenceExport'>): Promise<{ jobId: string }>;
  /** Peak audio level per 1/peaksPerSecond s from the clip's first frame (the timeline's waveform); null: no audio. */
  getWaveform(req: ApiRequest<'getWaveform'>): Promise<{ peaksPerSecond: number; peaks: Float32Array } | null>;
  /** Not an IPC method: front ends forward these to the renderer. */
  onJobEvent(listener: (e: JobEvent) => void): () => void;
  /** Cancels running jobs and releases decoders (app quit, test teardown). */
  dispose(): Promise<void>;
  /** Not an IPC method: the viewer's frame requests served and cancelled by newer ones, and decoders stopped. */
  frameStats(): { frames: LaneStats; depth: LaneStats; decodersStarted: number; decodersStopped: number };
}

/** Shell-side actions a front end provides around the engine (dialogs, window). */
export type DialogPurpose = 'import' | 'open-project' | 'save-project' | 'export' | 'model' | 'depth';
export interface DialogRequest {
  purpose: DialogPurpose;
  defaultPath?: string;
}
export type MenuCommand =
  | 'new' | 'open' | 'save' | 'save-as' | 'import' | 'export' | 'undo' | 'redo' | 'settings' | 'close-requested'
  | `open-recent:${string}`;

/** The errors envelope: messages only, in words; the kind says how the UI shows it. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { kind: 'user' | 'cancelled' | 'bug'; message: string } };

type Methods = Omit<EngineApi, 'onJobEvent' | 'dispose' | 'frameStats'>;
/** A file dropped on the window: the DOM's File, seen from code that compiles without the DOM. */
export interface DroppedFile {
  readonly name: string;
  readonly size: number;
}

/** What the renderer sees as `window.gemdepth`: identical in Electron (preload) and the test host. */
export type GemdepthBridge = {
  [K in keyof Methods]: Methods[K];
} & {
  onJobEvent(listener: (e: JobEvent) => void): () => void;
  onMenu(listener: (cmd: MenuCommand) => void): () => void;
  pickPath(req: DialogRequest): Promise<string[] | null>;
  setDirty(dirty: boolean): void;
  /** After the user settled unsaved changes, let the window close. */
  closeWindow(): void;
  /** Path of a dropped File (Electron only; null where the host cannot know it). */
  pathForFile(file: DroppedFile): string | null;
  /** Where the renderer's own <video> can read a source file the engine has opened (playback), or null. */
  mediaUrl(path: string): string | null;
  readonly host: 'electron' | 'test-host';
};
