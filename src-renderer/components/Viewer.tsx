import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ViewMode } from '../../src-main/common/project/schema.ts';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import { useFrameData } from '../preview/use-frame-data.ts';
import { useVideoPreview } from '../preview/use-video-preview.ts';
import { containedRect, createPreview, type Preview } from '../preview/gl-preview.ts';
import { useLiveCanvas } from '../preview/use-live-canvas.ts';
import type { PreviewPicture } from '../preview/picture-upload.ts';
import { frameDrawn, setPlaying, stepFrames } from '../state/playback.ts';
import { analyseClip } from '../state/actions.ts';
import { pickFocus } from '../preview/focus.ts';
import { selectedClip, setView, useApp } from '../state/store.ts';
import type { EffectInstance } from '../state/effects-model.ts';
import { activeInstance, useSeq } from '../state/sequence.ts';

// three.js is large: the 3D view loads on first use so the editor starts fast.
const SceneView = lazy(() => import('./SceneView.tsx').then((m) => ({ default: m.SceneView })));

const MODES: [ViewMode, string][] = [
  ['composite', 'Composite'],
  ['depth', 'Depth'],
  ['split', 'Split'],
  ['3d', '3D'],
];

export function Viewer() {
  const clip = useApp((s) => selectedClip(s));
  const selectedInst = useSeq((q) => q.selected);
  const mode = useApp((s) => s.view.mode);
  const playhead = useApp((s) => s.view.playhead);
  const playing = useApp((s) => s.playing);
  const analysed = useApp((s) => (clip ? s.analysis[clip.path]?.analysed : false));
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const preview = useRef<Preview | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const [box, setBox] = useState({ w: 960, h: 540 });
  // Drawn at the size the picture is shown (letterboxed in the box: a short box shows it narrower than
  // the box), in steps of 320 px so that resizing the window a little keeps the decoded-frame cache.
  const shownW = clip ? Math.min(box.w, (box.h * clip.width) / clip.height) : box.w;
  const maxWidth = Math.min(1280, Math.max(320, Math.ceil((shownW * (window.devicePixelRatio || 1)) / 320) * 320));
  const inst = useApp((s) => activeInstance(s, selectedInst));
  const stack = (inst?.effects ?? clip?.effects ?? []) as EffectInstance[];
  const latest = useRef({ stack, mode, clip, maxWidth });
  latest.current = { stack, mode, clip, maxWidth };
  const live = useLiveCanvas(canvasRef, latest, setGlError);
  // Draws a picture with its depth; the dataset carries timings and the frame for the benchmark and tests.
  const paint = useCallback((frame: PreviewPicture, depth: DepthImage | null, source: string, fetchMs?: number) => {
    const p = preview.current;
    const c = canvasRef.current;
    const { stack: st, mode: m, clip: cl } = latest.current;
    if (!p || !c || !cl || m === '3d') return;
    if (source !== 'video-play') live.hide();
    else live.playedAt(frame);
    const drawn = (t0: number) => {
      if (fetchMs !== undefined) c.dataset.fetchMs = fetchMs.toFixed(1);
      c.dataset.drawMs = (performance.now() - t0).toFixed(1);
      c.dataset.steps = JSON.stringify(p.steps(), (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v));
      c.dataset.frame = String(frame.index);
      c.dataset.width = String(frame.width);
      c.dataset.source = source;
      c.dataset.drawSeq = String(Number(c.dataset.drawSeq ?? 0) + 1);
      frameDrawn(frame.index);
    };
    try {
      const t0 = performance.now();
      // Relight's and refocus's preparation may come from a worker: drawn (and counted) when it is here.
      const r = p.draw({ frame, depth, stack: st, time: frame.time, mode: m, live: source === 'video-play' });
      if (r === true) return drawn(t0);
      // Until then the canvas does not show the picture asked for: it says so (the tests wait for it).
      c.dataset.source = 'preparing';
      r.then((ok) => ok && drawn(t0)).catch((e: Error) => setGlError(e.message));
    } catch (e) {
      setGlError((e as Error).message);
    }
  }, []);
  const [exactAt, setExactAt] = useState<number | null>(null);
  const video = useVideoPreview({ clip, enabled: mode !== '3d', host: boxRef, maxWidth, draw: paint, drawVideo: live.drawVideo, stopVideo: live.stop, exactAt });
  const data = useFrameData(clip && mode !== '3d' && !video.driving ? clip.path : null, Math.min(playhead, (clip?.frameCount ?? 1) - 1), maxWidth);
  useEffect(() => setExactAt(data?.source === 'engine' ? data.frame.index : null), [data]);

  useLayoutEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBox({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // The GL context belongs to the canvas element: (re)create it when a new canvas mounts.
  const attachCanvas = useCallback((el: HTMLCanvasElement | null) => {
    if (el === canvasRef.current) return;
    preview.current?.dispose();
    preview.current = null;
    canvasRef.current = el;
    if (!el) return;
    try {
      preview.current = createPreview(el);
      setGlError(null);
    } catch (e) {
      setGlError((e as Error).message);
    }
  }, []);

  // The proxy picture, then the engine's exact frame (the export's picture), whenever it, the stack or the
  // mode changes. With a video open, one that is no longer the playhead's is skipped: a newer picture is
  // already on screen.
  useEffect(() => {
    if (!data || !clip || mode === '3d') return;
    if (video.active && data.frame.index !== useApp.getState().view.playhead) return;
    paint(data.frame, data.depth, data.source, data.fetchMs);
  }, [data, stack, mode, clip, paint, video.active]);

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!data?.depth || !clip) return;
    const r = e.currentTarget.getBoundingClientRect();
    const fit = containedRect(r.width, r.height, data.frame.width, data.frame.height);
    const x = (e.clientX - r.left - fit.x) / fit.w;
    const y = (e.clientY - r.top - fit.y) / fit.h;
    if (x < 0 || x > 1 || y < 0 || y > 1) return;
    pickFocus(clip.id, data, x, y, playhead);
  };

  return (
    <section className="panel viewer" data-testid="viewer">
      <div className="viewer-bar">
        {MODES.map(([m, label]) => (
          <button key={m} className={m === mode ? 'active' : ''} onClick={() => setView({ mode: m })} data-testid={`mode-${m}`}>
            {label}
          </button>
        ))}
        <span className="grow" />
        {video.proxyNote && (
          <span className="playback-proxy" data-testid="playback-proxy" title="Playing pictures come from a small proxy of the clip made in the background; paused frames are the exact frames">
            playback: {video.proxyNote}
          </span>
        )}
        <button onClick={() => stepFrames(-1)} title="Previous frame (←)">◀|</button>
        <button onClick={() => setPlaying(playing ? 0 : 1)} title="Play/pause (space)">{playing ? 'Pause' : 'Play'}</button>
        <button onClick={() => stepFrames(1)} title="Next frame (→)">|▶</button>
      </div>
      <div className="viewer-box" ref={boxRef}>
        {!clip && <div className="overlay-msg">Import a clip (File ▸ Import, or drop a file on the media bin) to start.</div>}
        {clip && mode === '3d' && (
          <Suspense fallback={<div className="overlay-msg">Loading 3D view…</div>}>
            <SceneView />
          </Suspense>
        )}
        {clip && mode !== '3d' && (
          <canvas
            ref={attachCanvas}
            className="preview-canvas"
            data-testid="preview-canvas"
            onClick={onClick}
            title={data?.depth ? 'Click to set the refocus distance' : undefined}
          />
        )}
        {clip && mode !== '3d' && <canvas ref={live.attach} className="preview-canvas live-canvas" data-testid="live-canvas" style={{ visibility: 'hidden' }} />}
        {clip && mode !== '3d' && <span ref={live.label} className="play-resolution" data-testid="play-resolution" style={{ visibility: 'hidden' }} />}
        {clip && mode !== '3d' && !analysed && (
          <div className="overlay-note">
            No depth yet: effects need an analysis. <button onClick={() => void analyseClip(clip)}>Analyse depth</button>
          </div>
        )}
        {glError && <div className="overlay-msg error">Preview unavailable: {glError}</div>}
      </div>
    </section>
  );
}
