import type { ApiRequest } from '../../src-main/common/api/schemas.ts';
import type { JobEvent, MenuCommand } from '../../src-main/common/api/types.ts';
import type { ProjectClip, ProjectDoc } from '../../src-main/common/project/schema.ts';
import { bridge, errorText } from '../api.ts';
import { analysisRequest, doc, edit, loadDoc, markClean, notify, redoEdit, selectedClip, setView, undoEdit, useApp } from './store.ts';

/** User-level actions shared by menus, buttons and keys. Errors become notices in words, never throws. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    notify('error', `${what}: ${errorText(e)}`);
    return undefined;
  }
}

export async function initApp() {
  const api = bridge();
  api.onJobEvent(onJobEvent);
  api.onMenu((cmd) => void runMenu(cmd));
  const [info, effectSpecs] = await Promise.all([
    guard('Reading app info', () => api.appInfo({})),
    guard('Loading effects', () => api.listEffects({})),
  ]);
  useApp.setState({ info: info ?? null, effectSpecs: effectSpecs ?? [] });
  const fresh = await guard('New project', () => api.newProject({}));
  if (fresh?.recovery) useApp.setState({ recovery: fresh.recovery });
  // Jobs keep running in the engine across a renderer reload: show them again.
  const jobs = await guard('Listing jobs', () => api.listJobs({}));
  if (jobs) useApp.setState({ jobs: Object.fromEntries(jobs.map((j) => [j.id, j])) });
  startAutosave();
}

export async function refreshInfo() {
  const info = await guard('Reading app info', () => bridge().appInfo({}));
  if (info) useApp.setState({ info });
}

function onJobEvent(e: JobEvent) {
  useApp.setState((s) => ({ jobs: { ...s.jobs, [e.job.id]: e.job } }));
  if (e.type !== 'state') return;
  if (e.job.state === 'error') notify('error', `${e.job.label} failed: ${e.job.error}`);
  if (e.job.state === 'done') {
    notify('info', `${e.job.label}: done`);
    if (e.job.kind === 'download') void refreshInfo();
    if (e.job.kind === 'analysis') void refreshAnalysis(e.job.target).then(() => useApp.setState((s) => ({ depthEpoch: s.depthEpoch + 1 })));
  }
}

/** Pick an ONNX file, validate it against the manifests, install it; the result in words. */
export async function importModelFile(): Promise<{ ok: boolean; message: string } | null> {
  try {
    const picked = await bridge().pickPath({ purpose: 'model' });
    if (!picked?.length) return null;
    const r = await bridge().importModelFile({ path: picked[0] });
    if (r.ok && r.modelId) {
      const id = r.modelId;
      await setAnalysisSettings({ model: id });
      await refreshInfo();
    }
    return r;
  } catch (e) {
    return { ok: false, message: errorText(e) };
  }
}

/** Non-commercial weights: the licence is shown and must be accepted before the download starts. */
export async function downloadModel(modelId: string, licenceToAccept?: string) {
  if (licenceToAccept && !window.confirm(`${licenceToAccept}\n\nDownload and accept this licence?`)) return;
  const r = await guard('Download', () => bridge().downloadModel({ modelId, acceptLicence: !!licenceToAccept }));
  if (r) notify('info', `Downloading ${modelId}…`);
}

/**
 * Model and geometry settings pick which analysis the project shows: after a change every clip's
 * status is read again and the preview re-fetches (another analysis may or may not exist yet).
 */
export async function setAnalysisSettings(patch: Partial<ProjectDoc['analysis']>, coalesce?: string) {
  edit((d) => ({ ...d, analysis: { ...d.analysis, ...patch } }), coalesce);
  await Promise.all(doc().clips.map((c) => refreshAnalysis(c.path)));
  useApp.setState((s) => ({ depthEpoch: s.depthEpoch + 1 }));
}

export async function refreshAnalysis(path: string) {
  const st = await guard('Checking analysis', () => bridge().analysisStatus({ path, ...analysisRequest(doc().analysis) }));
  if (st) useApp.setState((s) => ({ analysis: { ...s.analysis, [path]: st } }));
}

export async function loadClipMedia(clip: ProjectClip) {
  const api = bridge();
  const imported = await guard(`Reading ${clip.name}`, () => api.importMedia({ path: clip.path }));
  if (!imported) return;
  useApp.setState((s) => ({ media: { ...s.media, [clip.id]: imported.info } }));
  void refreshAnalysis(clip.path);
  const thumb = await guard('Thumbnail', () => api.getFrame({ path: clip.path, index: 0, maxWidth: 160 }));
  if (thumb) useApp.setState((s) => ({ thumbs: { ...s.thumbs, [clip.id]: rgbToDataUrl(thumb.data, thumb.width, thumb.height) } }));
}

export function rgbToDataUrl(rgb: Uint8Array, w: number, h: number): string {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    img.data[i] = rgb[j];
    img.data[i + 1] = rgb[j + 1];
    img.data[i + 2] = rgb[j + 2];
    img.data[i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL('image/jpeg', 0.8);
}

export async function importPaths(paths: string[]) {
  for (const path of paths) {
    const imported = await guard(`Importing ${path}`, () => bridge().importMedia({ path }));
    if (!imported) continue;
    const clip = imported.clip;
    edit((d) => ({ ...d, clips: [...d.clips, clip] }));
    useApp.setState((s) => ({ media: { ...s.media, [clip.id]: imported.info } }));
    if (!useApp.getState().view.selectedClip) setView({ selectedClip: clip.id, playhead: 0 });
    void loadClipMedia(clip);
  }
}

export async function importByDialog() {
  const paths = await guard('Import', () => bridge().pickPath({ purpose: 'import' }));
  if (paths?.length) await importPaths(paths);
}

export function removeClip(id: string) {
  edit((d) => ({ ...d, clips: d.clips.filter((c) => c.id !== id) }));
  if (useApp.getState().view.selectedClip === id) setView({ selectedClip: doc().clips[0]?.id ?? null, playhead: 0 });
}

export async function analyseClip(clip = selectedClip()) {
  if (!clip) return notify('warn', 'Import a clip first');
  const d = doc();
  const r = await guard('Starting analysis', () => bridge().startAnalysis({ path: clip.path, ...analysisRequest(d.analysis), device: d.analysis.device }));
  if (r) notify('info', `Analysing ${clip.name}…`);
}

export async function cancelJob(jobId: string) {
  await guard('Cancel', () => bridge().cancelJob({ jobId }));
}

/** What the export dialog decides; the clip, its effects and the analysis settings come from the project. */
export type ExportRequest = Omit<ApiRequest<'startExport'>, 'input' | 'effects' | 'model' | 'geometry' | 'device'>;

export async function startExport(req: ExportRequest) {
  const clip = selectedClip();
  if (!clip) return notify('warn', 'Import a clip first');
  const d = doc();
  const r = await guard('Export', () =>
    bridge().startExport({ input: clip.path, effects: clip.effects, ...analysisRequest(d.analysis), device: d.analysis.device, ...req }),
  );
  if (r) {
    useApp.setState({ dialog: null });
    notify('info', `Exporting to ${req.out}…`);
  }
  return r?.jobId;
}

function docForSave(): ProjectDoc {
  const s = useApp.getState();
  return { ...s.hist.present, view: { ...s.view } };
}

// The menu accelerator and the renderer's own Ctrl+S can both fire: one save at a time.
let saving = false;
export async function saveProject(as = false): Promise<boolean> {
  if (saving) return false;
  saving = true;
  try {
    return await saveProjectNow(as);
  } finally {
    saving = false;
  }
}

async function saveProjectNow(as: boolean): Promise<boolean> {
  let path = useApp.getState().projectPath;
  if (!path || as) {
    const picked = await guard('Save', () => bridge().pickPath({ purpose: 'save-project', defaultPath: path ?? 'Untitled.gdproj' }));
    if (!picked?.length) return false;
    path = picked[0].endsWith('.gdproj') ? picked[0] : `${picked[0]}.gdproj`;
  }
  const target = path;
  // A new project takes its file's name, so recent lists and title bars say something useful.
  const stem = target.split(/[\\/]/).pop()!.replace(/\.gdproj$/, '');
  if (doc().name === 'Untitled' && stem) edit((d) => ({ ...d, name: stem }));
  const wasUntitled = !useApp.getState().projectPath;
  const r = await guard('Save', () => bridge().saveProject({ path: target, doc: docForSave() }));
  if (!r) return false;
  const cfg = useApp.getState().info?.configDir;
  if (wasUntitled && cfg) void bridge().discardAutosave({ path: `${cfg}/untitled.gdproj.autosave` }).catch(() => undefined);
  useApp.setState({ projectPath: r.path });
  markClean();
  notify('info', `Saved ${r.path}`);
  return true;
}

/** Ask before dropping unsaved edits; true when it is fine to continue. */
let pendingAfterConfirm: (() => void) | null = null;
export function confirmDiscard(then: () => void) {
  if (!useApp.getState().hist.dirty) return then();
  pendingAfterConfirm = then;
  useApp.setState({ dialog: 'close-confirm' });
}
export async function resolveConfirm(choice: 'save' | 'discard' | 'cancel') {
  const then = pendingAfterConfirm;
  pendingAfterConfirm = null;
  useApp.setState({ dialog: null });
  if (choice === 'cancel' || !then) return;
  if (choice === 'save' && !(await saveProject())) return;
  then();
}

export async function openProjectPath(path: string) {
  const r = await guard('Open project', () => bridge().openProject({ path }));
  if (!r) return;
  useApp.setState({ media: {}, thumbs: {}, analysis: {}, issues: r.issues });
  loadDoc(r.doc, r.path);
  for (const i of r.issues) notify('warn', i.message);
  useApp.setState({ recovery: r.recovery });
  for (const c of r.doc.clips) if (!r.issues.some((i) => i.clipId === c.id && i.problem === 'missing')) void loadClipMedia(c);
}

export function openProject() {
  confirmDiscard(async () => {
    const picked = await guard('Open project', () => bridge().pickPath({ purpose: 'open-project' }));
    if (picked?.length) await openProjectPath(picked[0]);
  });
}

export function newProject() {
  confirmDiscard(async () => {
    const r = await guard('New project', () => bridge().newProject({}));
    if (!r) return;
    useApp.setState({ media: {}, thumbs: {}, analysis: {}, issues: [] });
    loadDoc(r.doc, null);
  });
}

export async function relink(clipId: string, candidate?: string | null) {
  const path = candidate ?? (await guard('Relink', () => bridge().pickPath({ purpose: 'import' })))?.[0];
  if (!path) return;
  const r = await guard('Relink', () => bridge().relinkClip({ doc: doc(), clipId, path }));
  if (!r) return;
  edit(() => r.doc);
  useApp.setState((s) => ({ issues: s.issues.filter((i) => i.clipId !== clipId) }));
  const clip = r.doc.clips.find((c) => c.id === clipId);
  if (clip) void loadClipMedia(clip);
}

/** Restore unsaved work from an autosave: it opens as unsaved edits on top of its project (or as untitled). */
export function recover(accept: boolean) {
  const rec = useApp.getState().recovery;
  useApp.setState({ recovery: null });
  if (!rec) return;
  if (!accept) {
    void bridge().discardAutosave({ path: rec.path }).catch(() => undefined);
    return;
  }
  useApp.setState({ media: {}, thumbs: {}, analysis: {}, issues: [] });
  loadDoc(rec.doc, rec.target, false);
  for (const c of rec.doc.clips) void loadClipMedia(c);
  notify('info', 'Recovered unsaved work: save it to keep it');
}

export const undoAction = undoEdit;
export const redoAction = redoEdit;

export async function runMenu(cmd: MenuCommand) {
  switch (cmd) {
    case 'new': return newProject();
    case 'open': return openProject();
    case 'save': return void saveProject();
    case 'save-as': return void saveProject(true);
    case 'import': return importByDialog();
    case 'export': return useApp.setState({ dialog: 'export' });
    case 'settings': return useApp.setState({ dialog: 'settings' });
    case 'undo': return undoEdit();
    case 'redo': return redoEdit();
    case 'close-requested': return confirmDiscard(() => bridge().closeWindow());
    default:
      if (cmd.startsWith('open-recent:')) {
        const path = cmd.slice('open-recent:'.length);
        return confirmDiscard(() => void openProjectPath(path));
      }
  }
}

/** Autosave beside the project (or in the config folder) every 30 s while there are unsaved edits. */
function startAutosave() {
  let lastSaved: unknown = null;
  setInterval(() => {
    const s = useApp.getState();
    if (!s.hist.dirty || s.hist.present === lastSaved) return;
    lastSaved = s.hist.present;
    void bridge()
      .autosaveProject({ path: s.projectPath, doc: docForSave() })
      .catch((e) => notify('warn', `Autosave failed: ${errorText(e)}`));
  }, 30_000);
}

export { setView };
