import { create } from 'zustand';
import type { AnalysisStatus, AppInfo, EffectSpecView, JobInfo, MediaInfo, OpenedProject } from '../../src-main/common/api/types.ts';
import type { AnalysisSettings, ProjectDoc, ViewSettings } from '../../src-main/common/project/schema.ts';
import type { MediaIssue } from '../../src-main/common/project/media.ts';
import { emptyProject, type ProjectClip } from '../../src-main/common/project/schema.ts';
import { clipTime, type ClipTime } from './effects-model.ts';
import { commit, createHistory, markSaved, redo, reset, undo, type HistoryState } from '../../src-main/common/project/history.ts';

export type Notice = { id: number; kind: 'info' | 'error' | 'warn'; text: string };
export type Dialog = null | 'export' | 'settings' | 'close-confirm' | 'open-path' | 'save-path' | 'import-path';

/**
 * One store. The project document lives in an undo history (every edit is a snapshot commit); the rest
 * is session state that is not part of the document's undo (playhead, jobs, caches) — view settings are
 * copied into the document when it is saved.
 */
export interface AppState {
  hist: HistoryState<ProjectDoc>;
  projectPath: string | null;
  view: ViewSettings;
  playing: boolean;
  info: AppInfo | null;
  effectSpecs: EffectSpecView[];
  media: Record<string, MediaInfo>;
  thumbs: Record<string, string>;
  analysis: Record<string, AnalysisStatus>;
  jobs: Record<string, JobInfo>;
  issues: MediaIssue[];
  notices: Notice[];
  dialog: Dialog;
  selectedEffect: number | null;
  /** Unsaved work from an autosave that the user may recover. */
  recovery: OpenedProject['recovery'];
  /** Bumped whenever depth for a clip changes (analysis finished), so views refetch. */
  depthEpoch: number;
}

export const useApp = create<AppState>(() => ({
  hist: createHistory(emptyProject()),
  projectPath: null,
  view: emptyProject().view,
  playing: false,
  info: null,
  effectSpecs: [],
  media: {},
  thumbs: {},
  analysis: {},
  jobs: {},
  issues: [],
  notices: [],
  dialog: null,
  selectedEffect: null,
  recovery: null,
  depthEpoch: 0,
}));

export const doc = () => useApp.getState().hist.present;

/** The analysis the project's settings mean, as the engine API's requests name it (model and geometry settings). */
export function analysisRequest(a: AnalysisSettings): { model: string; geometry: { fusion: boolean; fovDeg?: number } } {
  return { model: a.model, geometry: { fusion: a.fusion, ...(a.fovDeg !== null ? { fovDeg: a.fovDeg } : {}) } };
}

/** Every document change goes through here, so every edit can be undone. */
export function edit(fn: (d: ProjectDoc) => ProjectDoc, coalesce?: string) {
  useApp.setState((s) => ({ hist: commit(s.hist, fn(s.hist.present), { coalesce }) }));
}
export const undoEdit = () => useApp.setState((s) => ({ hist: undo(s.hist) }));
export const redoEdit = () => useApp.setState((s) => ({ hist: redo(s.hist) }));
export const markClean = () => useApp.setState((s) => ({ hist: markSaved(s.hist) }));
export function loadDoc(d: ProjectDoc, path: string | null, clean = true) {
  const hist = reset(d);
  useApp.setState({ hist: clean ? hist : { ...hist, dirty: true, savedRef: null }, projectPath: path, view: { ...d.view }, selectedEffect: null, playing: false });
}

export function setView(p: Partial<ViewSettings>) {
  useApp.setState((s) => ({ view: { ...s.view, ...p } }));
}

let noticeSeq = 0;
export function notify(kind: Notice['kind'], text: string) {
  const id = ++noticeSeq;
  useApp.setState((s) => ({ notices: [...s.notices.slice(-4), { id, kind, text }] }));
  if (kind === 'info') setTimeout(() => dismiss(id), 6000);
}
export const dismiss = (id: number) => useApp.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));

export function selectedClip(s: AppState = useApp.getState()) {
  const d = s.hist.present;
  return d.clips.find((c) => c.id === s.view.selectedClip) ?? d.clips[0] ?? null;
}

/** Frame <-> time for a clip, from its probed timestamps (cached per clip). */
const timeCache = new WeakMap<object, ClipTime>();
export function timeFor(clip: ProjectClip, s: AppState = useApp.getState()): ClipTime {
  const m = s.media[clip.id];
  const key = m ?? clip;
  let ct = timeCache.get(key);
  if (!ct) {
    ct = clipTime(m?.timestamps, clip.fps);
    timeCache.set(key, ct);
  }
  return ct;
}
