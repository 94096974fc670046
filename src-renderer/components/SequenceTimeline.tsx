import { useEffect, useRef } from 'react';
import { copyEffects, moveInstance, placeClip, snapFrame, trimInstance } from '../../src-main/common/project/sequence-edit.ts';
import { placed, rateOf, sequenceLength, sequenceSettings } from '../../src-main/common/project/sequence.ts';
import type { ProjectDoc } from '../../src-main/common/project/schema.ts';
import type { Conform } from '../../src-main/common/project/sequence-schema.ts';
import { typing } from '../state/keyboard.ts';
import { deleteSelected, exportOtioFile, exportSequence, importOtioFile, markerAtPlayhead, seekSequence, splitAtPlayhead, requestWave, useSeq, useWaves } from '../state/sequence.ts';
import { doc, edit, useApp } from '../state/store.ts';

const LABEL_W = 120;
export const CLIP_DRAG_TYPE = 'application/x-gemdepth-clip';
let gesture = 0;

/** S / Ctrl+B split at the playhead, Delete / Shift+Delete (ripple) the selected instance, M a marker. */
function useSequenceKeys() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.altKey) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if ((k === 's' && !mod) || (k === 'b' && mod)) {
        e.preventDefault();
        splitAtPlayhead();
      } else if ((k === 'delete' || k === 'backspace') && !mod) {
        deleteSelected(e.shiftKey);
      } else if (k === 'm' && !mod) {
        markerAtPlayhead();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Plays the sequence at its rate: each tick is a seek, so the viewer crosses cuts on exact frames. */
function useSequencePlayback() {
  const playing = useSeq((s) => s.playing);
  useEffect(() => {
    if (!playing) return;
    const fps = rateOf(sequenceSettings(doc()).frameRate);
    const t = setInterval(() => {
      const next = useSeq.getState().playhead + 1;
      if (next >= sequenceLength(doc())) return useSeq.setState({ playing: false });
      seekSequence(next);
    }, 1000 / fps);
    return () => clearInterval(t);
  }, [playing]);
}

/** The clip's audio peaks under an instance: source time ts[in] + sequence frames / fps, like the export. */
function Waveform(props: { path: string; from: string; src: { in: number }; frames: number; fps: number; ppf: number }) {
  const w = useWaves((x) => x[props.path]);
  const t0 = useApp((s) => s.media[props.from]?.timestamps[props.src.in] ?? 0);
  useEffect(() => requestWave(props.path), [props.path]);
  if (!w || w === 'loading') return null;
  const width = Math.max(1, Math.round(props.frames * props.ppf));
  // Drawn relative to the clip's loudest moment (a silent clip, below -60 dBFS, stays flat).
  const top = Math.max(1e-3, w.peaks.reduce((m, v) => (v > m ? v : m), 0));
  const pts: string[] = [];
  for (let x = 0; x < width; x++) {
    const i = Math.floor((t0 + x / props.ppf / props.fps) * w.peaksPerSecond);
    const v = Math.min(1, (w.peaks[i] ?? 0) / top);
    pts.push(`${x},${(1 - v) * 50}`);
  }
  const path = `M0,50 L${pts.join(' L')} L${width},50 Z`;
  return (
    <svg className="wave" width={width} height="100%" viewBox={`0 0 ${width} 100`} preserveAspectRatio="none" data-testid="seq-wave">
      <path d={path} />
      <path d={path} transform="matrix(1 0 0 -1 0 100)" />
    </svg>
  );
}

export function SequenceTimeline() {
  const d = useApp((s) => s.hist.present);
  const seq = useSeq();
  const lane = useRef<HTMLDivElement | null>(null);
  useSequenceKeys();
  useSequencePlayback();
  const settings = sequenceSettings(d);
  const fps = rateOf(settings.frameRate);
  const ps = placed(d);
  const length = sequenceLength(d);
  const ppf = seq.pxPerFrame;
  const width = Math.max(length + 5 * fps, 30 * fps) * ppf;
  const frameAt = (clientX: number) => {
    const r = lane.current!.getBoundingClientRect();
    return Math.max(0, Math.round((clientX - r.left) / ppf));
  };
  const snapped = (f: number, skipId?: string) => (seq.snap ? snapFrame(doc(), f, Math.max(1, Math.round(8 / ppf)), [useSeq.getState().playhead], skipId) : f);

  /** One drag = one undo step: every move re-applies the edit to the document from before the gesture. */
  const drag = (e: React.PointerEvent, apply: (start: ProjectDoc, frame: number, dx: number) => ProjectDoc) => {
    e.stopPropagation();
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    const start = doc();
    const x0 = e.clientX;
    const key = `seq-drag-${++gesture}`;
    const move = (ev: PointerEvent) => edit(() => apply(start, frameAt(ev.clientX), Math.round((ev.clientX - x0) / ppf)), key);
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const scrub = (e: React.PointerEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    useSeq.setState({ playing: false });
    seekSequence(frameAt(e.clientX));
    const move = (ev: PointerEvent) => seekSequence(frameAt(ev.clientX));
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const onDrop = (e: React.DragEvent) => {
    const clipId = e.dataTransfer.getData(CLIP_DRAG_TYPE);
    if (!clipId) return;
    e.preventDefault();
    edit((x) => placeClip(x, clipId, snapped(frameAt(e.clientX))));
  };
  const setConform = (conform: Conform) => edit((x) => ({ ...x, sequence: { ...x.sequence, settings: { ...sequenceSettings(x), conform } } }));
  const tickEvery = [1, 2, 5, 10, 20, 50, 100, 250, 500].find((n) => n * ppf >= 50) ?? 500;
  const ticks: number[] = [];
  for (let f = 0; f * ppf < width; f += tickEvery) ticks.push(f);
  const sel = seq.selected;

  return (
    <section className="panel timeline sequence" data-testid="sequence">
      <div className="transport">
        <strong>Sequence</strong>
        <span className="hint" data-testid="seq-settings">{settings.width}×{settings.height} · {fps.toFixed(2)} fps</span>
        <select value={settings.conform} onChange={(e) => setConform(e.target.value as Conform)} title="How clips of another size fill the frame">
          <option value="fit">Fit (letterbox)</option>
          <option value="fill">Fill (crop)</option>
          <option value="stretch">Stretch</option>
        </select>
        <button onClick={() => useSeq.setState({ playing: !seq.playing })} data-testid="seq-play">{seq.playing ? 'Pause' : 'Play'}</button>
        <span className="timecode">frame <b data-testid="seq-frame">{seq.playhead}</b> / {Math.max(0, length - 1)}</span>
        <button onClick={splitAtPlayhead} title="Split at the playhead (S, Ctrl+B)" data-testid="seq-split">Split</button>
        <button onClick={() => deleteSelected(false)} disabled={!sel} title="Delete (Del)">Delete</button>
        <button onClick={() => deleteSelected(true)} disabled={!sel} title="Ripple delete (Shift+Del)" data-testid="seq-ripple-delete">Ripple delete</button>
        <button onClick={markerAtPlayhead} title="Marker at the playhead (M)">Marker</button>
        <button
          disabled={!sel}
          title="Copy the selected clip's effects to every other clip on the track"
          onClick={() => sel && edit((x) => copyEffects(x, sel, x.sequence.video.map((v) => v.id).filter((id) => id !== sel)))}
        >
          Copy fx to all
        </button>
        <label className="check"><input type="checkbox" checked={seq.ripple} onChange={(e) => useSeq.setState({ ripple: e.target.checked })} data-testid="seq-ripple" /> Ripple trims</label>
        <label className="check"><input type="checkbox" checked={seq.snap} onChange={(e) => useSeq.setState({ snap: e.target.checked })} /> Snap</label>
        <span className="grow" />
        <label className="zoom">
          Zoom
          <input type="range" min={0.5} max={16} step={0.5} value={ppf} onChange={(e) => useSeq.setState({ pxPerFrame: Number(e.target.value) })} data-testid="seq-zoom" />
        </label>
        <button onClick={() => void importOtioFile()}>Import OTIO…</button>
        <button onClick={() => void exportOtioFile()}>Export OTIO…</button>
        <button className="primary" onClick={() => void exportSequence()} data-testid="seq-export">Export cut…</button>
      </div>
      <div className="tl-scroll" onDragOver={(e) => e.dataTransfer.types.includes(CLIP_DRAG_TYPE) && e.preventDefault()} onDrop={onDrop}>
        <div className="tl-grid" style={{ width: LABEL_W + width }}>
          <div className="tl-row ruler-row">
            <div className="tl-label">{length} fr</div>
            <div className="tl-lane ruler" onPointerDown={scrub} data-testid="seq-ruler" ref={lane}>
              {ticks.map((f) => (
                <span key={f} className="tick" style={{ left: f * ppf }}>{f}</span>
              ))}
              {d.sequence.markers.map((m) => (
                <span key={m.id} className="seq-marker" style={{ left: m.frame * ppf }} title={`${m.label} (frame ${m.frame})`} data-testid="seq-marker" />
              ))}
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">V1</div>
            <div className="tl-lane track seq-track" data-testid="seq-track" onPointerDown={scrub}>
              {ps.map((p) => (
                <div
                  key={p.inst.id}
                  className={`seq-inst${p.inst.id === sel ? ' selected' : ''}`}
                  style={{ left: p.start * ppf, width: (p.end - p.start) * ppf }}
                  title={`${p.clip.name} ${p.inst.in}–${p.inst.out}`}
                  data-testid="seq-inst"
                  data-start={p.start}
                  data-end={p.end}
                  data-in={p.inst.in}
                  data-out={p.inst.out}
                  onPointerDown={(e) => {
                    useSeq.setState({ selected: p.inst.id });
                    drag(e, (start, _f, dx) => moveInstance(start, p.inst.id, snapped(p.start + dx, p.inst.id)));
                  }}
                >
                  <span className="trim in" data-testid="trim-in" onPointerDown={(e) => drag(e, (start, _f, dx) => trimInstance(start, p.inst.id, 'in', snapped(p.start + dx, p.inst.id), useSeq.getState().ripple))} />
                  <span className="name">{p.clip.name}{p.inst.effects.length ? ` · ${p.inst.effects.length} fx` : ''}</span>
                  <span className="trim out" data-testid="trim-out" onPointerDown={(e) => drag(e, (start, _f, dx) => trimInstance(start, p.inst.id, 'out', snapped(p.end + dx, p.inst.id), useSeq.getState().ripple))} />
                </div>
              ))}
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">A1</div>
            <div className="tl-lane seq-audio" onPointerDown={scrub}>
              {ps.filter((p) => p.inst.audioLinked).map((p) => (
                <div key={p.inst.id} className="seq-audio-bar" style={{ left: p.start * ppf, width: (p.end - p.start) * ppf }}>
                  <Waveform path={p.clip.path} from={p.clip.id} src={p.inst} frames={p.end - p.start} fps={fps} ppf={ppf} />
                </div>
              ))}
            </div>
          </div>
          <div className="playhead" style={{ left: LABEL_W + seq.playhead * ppf }} data-testid="seq-playhead" />
        </div>
      </div>
    </section>
  );
}
