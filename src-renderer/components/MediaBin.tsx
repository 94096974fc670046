import { useState } from 'react';
import { bridge } from '../api.ts';
import { analyseClip, importByDialog, importPaths, relink, removeClip } from '../state/actions.ts';
import { notify, setView, useApp } from '../state/store.ts';
import { CLIP_DRAG_TYPE } from './SequenceTimeline.tsx';
import { DepthImport } from './DepthImport.tsx';

const fmtDuration = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(2).padStart(5, '0')}`;

export function MediaBin() {
  const clips = useApp((s) => s.hist.present.clips);
  const media = useApp((s) => s.media);
  const thumbs = useApp((s) => s.thumbs);
  const analysis = useApp((s) => s.analysis);
  const jobs = useApp((s) => s.jobs);
  const issues = useApp((s) => s.issues);
  const selected = useApp((s) => s.view.selectedClip);
  const [over, setOver] = useState(false);

  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setOver(false);
    const paths = [...e.dataTransfer.files].map((f) => bridge().pathForFile(f)).filter((p): p is string => !!p);
    if (paths.length) void importPaths(paths);
    else if (e.dataTransfer.files.length) notify('warn', 'This window cannot read dropped file paths: use Import…');
  };

  return (
    <section
      className={`panel media-bin${over ? ' drop' : ''}`}
      data-testid="media-bin"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <h2>
        Media <button onClick={() => void importByDialog()}>+ Import</button>
      </h2>
      {clips.length === 0 && <p className="hint">Drop video files or image folders here, or use Import….</p>}
      <ul>
        {clips.map((c) => {
          const m = media[c.id];
          const a = analysis[c.path];
          const job = Object.values(jobs).find((j) => j.kind === 'analysis' && j.target === c.path && j.state === 'running');
          const issue = issues.find((i) => i.clipId === c.id);
          const status = job
            ? `analysing ${job.progress ? Math.round((100 * job.progress.done) / Math.max(1, job.progress.total)) : 0}%`
            : a?.analysed
              ? `depth ✓ (${a.frames} fr${a.hasPoses ? ', poses' : ''}${a.camera ? `, ${fovLabel(a.camera)}` : ''})${a.unit ? ` · ${a.unit}` : ''}`
              : 'not analysed';
          return (
            <li
              key={c.id}
              className={`clip-item${c.id === selected ? ' selected' : ''}${issue ? ' missing' : ''}`}
              onClick={() => setView({ selectedClip: c.id, playhead: c.in })}
              draggable
              onDragStart={(e) => e.dataTransfer.setData(CLIP_DRAG_TYPE, c.id)}
              data-testid="clip-item"
            >
              {thumbs[c.id] ? <img src={thumbs[c.id]} alt="" /> : <div className="thumb-placeholder" />}
              <div className="clip-meta">
                <strong title={c.path}>{c.name}</strong>
                <span>
                  {c.width}×{c.height} · {fmtDuration(m?.duration ?? c.frameCount / c.fps)} · {c.fps.toFixed(2)} fps · {c.frameCount} fr
                </span>
                <span className="analysis-status" data-testid="analysis-status">{status}</span>
                {c.id === selected && <DepthImport clip={c} />}
                {issue && (
                  <span className="issue">
                    {issue.message}{' '}
                    <button onClick={(e) => (e.stopPropagation(), void relink(c.id, issue.candidate))}>
                      {issue.candidate ? 'Use found file' : 'Relink…'}
                    </button>
                  </span>
                )}
              </div>
              <div className="clip-actions">
                {!job && !a?.analysed && <button onClick={(e) => (e.stopPropagation(), void analyseClip(c))}>Analyse</button>}
                <button title="Remove from project" onClick={(e) => (e.stopPropagation(), removeClip(c.id))}>✕</button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The field of view a clip was analysed with, and where it came from (the Settings' field overrides it). */
function fovLabel(c: { fovDeg: number; source: string; confidence: number }): string {
  const from = c.source === 'estimated' ? ` estimated, confidence ${c.confidence.toFixed(2)}` : c.source === 'default' ? ' default' : c.source === 'model' ? ' from the model' : '';
  return `FOV ${c.fovDeg.toFixed(0)}°${from}`;
}
