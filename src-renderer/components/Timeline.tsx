import { useCallback, useRef, useState } from 'react';
import type { EffectInstance } from '../state/effects-model.ts';
import { setPlaying, stepFrames } from '../state/playback.ts';
import { edit, selectedClip, setView, timeFor, useApp } from '../state/store.ts';

const LABEL_W = 120;

function timecode(frame: number, fps: number) {
  const s = frame / fps;
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${(s - m * 60).toFixed(2).padStart(5, '0')}`;
}

export function Timeline() {
  const clip = useApp((s) => selectedClip(s));
  const playhead = useApp((s) => s.view.playhead);
  const zoom = useApp((s) => s.view.timelineZoom);
  const playing = useApp((s) => s.playing);
  const specs = useApp((s) => s.effectSpecs);
  const job = useApp((s) => (clip ? Object.values(s.jobs).find((j) => j.kind === 'analysis' && j.target === clip.path && j.state === 'running') : undefined));
  const analysed = useApp((s) => (clip ? s.analysis[clip.path] : undefined));
  // Subscribed so key markers move to exact frame times once the clip's timestamps arrive.
  useApp((s) => (clip ? s.media[clip.id] : undefined));
  const [width, setWidth] = useState(800);
  const observer = useRef<ResizeObserver | null>(null);
  // Callback ref: the scroller mounts only once a clip exists, and its width sets the zoom-1 scale.
  const scroller = useCallback((el: HTMLDivElement | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el) return;
    setWidth(el.clientWidth - LABEL_W);
    observer.current = new ResizeObserver(() => setWidth(el.clientWidth - LABEL_W));
    observer.current.observe(el);
  }, []);

  if (!clip) {
    return (
      <section className="panel timeline" data-testid="timeline">
        <div className="hint">Timeline: import a clip to start.</div>
      </section>
    );
  }
  const frames = clip.frameCount;
  const ppf = (Math.max(200, width - 8) / frames) * zoom;
  const x = (f: number) => f * ppf;
  const frameAt = (clientX: number, el: HTMLElement) => {
    const r = el.getBoundingClientRect();
    return Math.max(0, Math.min(frames - 1, Math.floor((clientX - r.left) / ppf)));
  };
  const scrub = (e: React.PointerEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    setPlaying(0);
    setView({ playhead: frameAt(e.clientX, el) });
    const move = (ev: PointerEvent) => setView({ playhead: frameAt(ev.clientX, el) });
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const tickEvery = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000].find((n) => n * ppf >= 60) ?? 1000;
  const ticks: number[] = [];
  for (let f = 0; f < frames; f += tickEvery) ticks.push(f);
  const stack = clip.effects as EffectInstance[];
  const ct = timeFor(clip);
  const rows = stack.flatMap((inst, i) =>
    Object.entries(inst.keyframes ?? {})
      .filter(([, keys]) => keys.length)
      .map(([name, keys]) => ({ key: `${i}:${name}`, label: `${specs.find((s) => s.id === inst.effect)?.label ?? inst.effect} · ${name}`, frames: keys.map((k) => ct.frameOf(k.t)) })),
  );
  const progress = job?.progress ? job.progress.done / Math.max(1, job.progress.total) : analysed?.analysed ? 1 : 0;
  const setInOut = (which: 'in' | 'out') =>
    edit((d) => ({ ...d, clips: d.clips.map((c) => (c.id !== clip.id ? c : which === 'in' ? { ...c, in: Math.min(playhead, c.out) } : { ...c, out: Math.max(playhead, c.in) })) }));

  return (
    <section className="panel timeline" data-testid="timeline">
      <div className="transport">
        <button onClick={() => stepFrames(-1)} title="Previous frame (←)">◀|</button>
        <button onClick={() => setPlaying(playing ? 0 : 1)} title="Play/pause (space)" data-testid="play">{playing ? 'Pause' : 'Play'}</button>
        <button onClick={() => stepFrames(1)} title="Next frame (→)">|▶</button>
        <span className="timecode" data-testid="timecode">
          {timecode(playhead, clip.fps)} · frame <b data-testid="frame-number">{playhead}</b> / {frames - 1}
        </span>
        <button onClick={() => setInOut('in')} title="Set in point (I)">In</button>
        <button onClick={() => setInOut('out')} title="Set out point (O)">Out</button>
        <span className="hint">in {clip.in} · out {clip.out}</span>
        <span className="grow" />
        <label className="zoom">
          Zoom
          <input type="range" min={1} max={20} step={0.5} value={zoom} onChange={(e) => setView({ timelineZoom: Number(e.target.value) })} data-testid="timeline-zoom" />
        </label>
      </div>
      <div
        className="tl-scroll"
        ref={scroller}
        onWheel={(e) => {
          if (!e.ctrlKey) return;
          setView({ timelineZoom: Math.min(20, Math.max(1, zoom * (e.deltaY < 0 ? 1.25 : 0.8))) });
        }}
      >
        <div className="tl-grid" style={{ width: LABEL_W + x(frames) + 8 }}>
          <div className="tl-row ruler-row">
            <div className="tl-label">{clip.fps.toFixed(2)} fps</div>
            <div className="tl-lane ruler" onPointerDown={scrub} data-testid="ruler">
              {ticks.map((f) => (
                <span key={f} className="tick" style={{ left: x(f) }}>{f}</span>
              ))}
            </div>
          </div>
          <div className="tl-row">
            <div className="tl-label">V1</div>
            <div className="tl-lane track" onPointerDown={scrub} data-testid="track">
              <div className="clip-bar" style={{ left: 0, width: x(frames) }} title={clip.path}>
                <span>{clip.name}</span>
                <div className="analysis-bar" style={{ width: `${progress * 100}%` }} data-testid="clip-analysis" />
              </div>
              <div className="inout" style={{ left: x(clip.in), width: x(clip.out + 1) - x(clip.in) }} />
            </div>
          </div>
          {rows.map((r) => (
            <div className="tl-row kf-row" key={r.key}>
              <div className="tl-label" title={r.label}>{r.label}</div>
              <div className="tl-lane" onPointerDown={scrub}>
                {r.frames.map((f) => (
                  <span key={f} className="kf" style={{ left: x(f) + ppf / 2 }} title={`key at frame ${f}`} data-testid="keyframe-marker" />
                ))}
              </div>
            </div>
          ))}
          <div className="playhead" style={{ left: LABEL_W + x(playhead) + ppf / 2 }} />
        </div>
      </div>
    </section>
  );
}
