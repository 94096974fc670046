import { create } from 'zustand';
import { addMarker, deleteInstance, splitAt } from '../../src-main/common/project/sequence-edit.ts';
import { placed, rateOf, sequenceLength, sequenceSettings, sourceAt } from '../../src-main/common/project/sequence.ts';
import type { ClipInstance } from '../../src-main/common/project/sequence-schema.ts';
import { bridge } from '../api.ts';
import { guard, loadClipMedia } from './actions.ts';
import { doc, edit, loadDoc, notify, setView, useApp, analysisRequest, type AppState } from './store.ts';

/**
 * Session state of the sequence timeline (not part of the document's undo): its playhead, the selected
 * instance, zoom, and the ripple and snap switches. Edits go through store.edit, so each is one undo step.
 */
export interface SeqState {
  playhead: number;
  selected: string | null;
  pxPerFrame: number;
  ripple: boolean;
  snap: boolean;
  playing: boolean;
}
export const useSeq = create<SeqState>(() => ({ playhead: 0, selected: null, pxPerFrame: 4, ripple: false, snap: true, playing: false }));

const timestampsOf = (clipId: string) => useApp.getState().media[clipId]?.timestamps;

/**
 * Moves the sequence playhead. The viewer shows the source frame under it through the existing frame
 * fetch (selected clip + its playhead), picked by time exactly as export picks it.
 */
export function seekSequence(frame: number) {
  const d = doc();
  const f = Math.max(0, Math.min(Math.max(0, sequenceLength(d) - 1), Math.round(frame)));
  useSeq.setState({ playhead: f });
  const hit = sourceAt(d, f, timestampsOf);
  if (hit) {
    useSeq.setState({ selected: hit.inst.id });
    setView({ selectedClip: hit.clip.id, playhead: hit.source });
  }
}

/** The instance the inspector and viewer edit: the selected one, while its clip is the one shown. */
export function activeInstance(s: AppState = useApp.getState(), selected = useSeq.getState().selected): ClipInstance | null {
  const inst = s.hist.present.sequence.video.find((v) => v.id === selected);
  return inst && inst.clipId === s.view.selectedClip ? inst : null;
}

export function splitAtPlayhead() {
  const f = useSeq.getState().playhead;
  edit((d) => splitAt(d, f));
}

export function deleteSelected(ripple: boolean) {
  const id = useSeq.getState().selected;
  if (!id) return;
  edit((d) => deleteInstance(d, id, ripple));
  useSeq.setState({ selected: null });
}

export function markerAtPlayhead() {
  const f = useSeq.getState().playhead;
  edit((d) => addMarker(d, f, `M${d.sequence.markers.length + 1}`));
}

export const seqFps = () => rateOf(sequenceSettings(doc()).frameRate);
export const instanceList = () => placed(doc());

/** Renders the cut (every instance with its own effects) as an export job. */
export async function exportSequence() {
  if (!doc().sequence.video.length) return notify('warn', 'Drag clips onto the sequence track first');
  const out = (await guard('Export', () => bridge().pickPath({ purpose: 'export', defaultPath: `${doc().name || 'cut'}.mp4` })))?.[0];
  if (!out) return;
  const a = doc().analysis;
  const r = await guard('Export', () => bridge().startSequenceExport({ doc: { ...doc(), view: useApp.getState().view }, out, replace: true, ...analysisRequest(a), device: a.device }));
  if (r) notify('info', `Exporting the cut to ${out}…`);
}

export async function exportOtioFile() {
  const out = (await guard('Export OTIO', () => bridge().pickPath({ purpose: 'export', defaultPath: `${doc().name || 'cut'}.otio` })))?.[0];
  if (!out) return;
  const r = await guard('Export OTIO', () => bridge().exportOtio({ doc: { ...doc(), view: useApp.getState().view }, path: out.endsWith('.otio') ? out : `${out}.otio` }));
  if (r) notify('info', `Wrote ${r.path}`);
}

/** Opens an .otio cut as a new, unsaved project (its clips in the bin, its cut on the track). */
export async function importOtioFile() {
  const path = (await guard('Import OTIO', () => bridge().pickPath({ purpose: 'import' })))?.[0];
  if (!path) return;
  const r = await guard('Import OTIO', () => bridge().importOtio({ path }));
  if (!r) return;
  useApp.setState({ media: {}, thumbs: {}, analysis: {}, issues: [] });
  loadDoc(r.doc, null, false);
  for (const w of r.warnings) notify('warn', w);
  for (const c of r.doc.clips) void loadClipMedia(c);
  useSeq.setState({ playhead: 0, selected: null });
}

/** Waveforms by media path, fetched once each (null: the clip has no audio). */
export const useWaves = create<Record<string, { peaksPerSecond: number; peaks: Float32Array } | null | 'loading'>>(() => ({}));
export function requestWave(path: string) {
  if (useWaves.getState()[path] !== undefined) return;
  useWaves.setState({ [path]: 'loading' });
  void guard('Waveform', () => bridge().getWaveform({ path })).then((w) => useWaves.setState({ [path]: w ?? null }));
}
