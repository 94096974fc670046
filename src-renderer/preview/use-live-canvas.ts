import { useCallback, useMemo, useRef, type RefObject } from 'react';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { ProjectClip, ViewMode } from '../../src-main/common/project/schema.ts';
import type { EffectStack } from '../../src-main/common/effects/types.ts';
import { frameDrawn } from '../state/playback.ts';
import { createLivePlayer, type LivePlayer } from './live-client.ts';
import { cpuFogDraws, createCpuFog, type CpuFog } from './cpu-fog.ts';
import { softwareWebGl } from './software-gl.ts';

/**
 * Drawing playing frames in a worker is opt-in (localStorage 'gemdepth.livePreview' = 'worker'): in the
 * test host's software WebGL on two shared cores it drew fewer frames than the page's own thread, for more
 * CPU (bench figures in the playback notes); it is kept to be measured where there are cores to spare.
 */
const livePreview = () => {
  try {
    return localStorage.getItem('gemdepth.livePreview');
  } catch {
    return null;
  }
};
const workerWanted = () => livePreview() === 'worker';
/**
 * Playing frames with fog alone are drawn on the CPU (cpu-fog.ts) where WebGL is software, unless
 * 'gemdepth.livePreview' says 'gl' (or 'cpu', to draw them so anyway).
 */
const cpuWanted = () => {
  const v = livePreview();
  return v === 'cpu' || (v !== 'gl' && v !== 'worker' && softwareWebGl());
};

/**
 * While playing: the label that says at what size the picture is drawn (smaller when frames drop; the
 * paused frame is always drawn at the viewer's full size), and, when opted in, a second canvas over the
 * viewer's own, drawn by a worker (live-client.ts) while the <video> plays, shown from its first frame
 * until the viewer's canvas draws again (the exact frame where play stopped). The same canvas shows the
 * playing frames a stack of fog alone draws on the CPU where WebGL is software (cpu-fog.ts). The viewer's
 * canvas reports each of these draws in its dataset as its own (frame, width, steps, draw counter).
 */
export function useLiveCanvas(
  viewer: RefObject<HTMLCanvasElement | null>,
  latest: RefObject<{ stack: EffectStack; mode: ViewMode; clip: ProjectClip | null; maxWidth: number }>,
  onError: (message: string) => void,
) {
  const player = useRef<LivePlayer | null>(null);
  const cpu = useRef<{ ctx: CanvasRenderingContext2D; fog: CpuFog } | null>(null);
  const el = useRef<HTMLCanvasElement | null>(null);
  const label = useRef<HTMLSpanElement | null>(null);
  const adapt = useRef<((index: number, ms: number) => void) | null>(null);
  const shown = useRef(false);
  // When each frame was handed over: the time to its draw (waiting behind the one before included) is its cost.
  const sentAt = useRef(new Map<number, number>());

  const show = (on: boolean) => {
    if (shown.current === on) return;
    shown.current = on;
    if (el.current) el.current.style.visibility = on ? 'visible' : 'hidden';
    // The viewer's own canvas under it is not composited meanwhile (a software compositor draws every layer).
    if (viewer.current) viewer.current.style.visibility = on ? 'hidden' : '';
  };
  /** A playing frame was drawn at width x height (the label says so), or play stopped (null). */
  const playedAt = useCallback((size: { width: number; height: number } | null) => {
    const l = label.current;
    if (!l) return;
    l.style.visibility = size ? 'visible' : 'hidden';
    if (!size) return;
    // The paused frame is drawn at the viewer's size (maxWidth), at most the clip's.
    const full = Math.min(latest.current.clip?.width ?? size.width, latest.current.maxWidth);
    const text = size.width < full ? `Playing at ${size.width}×${size.height} · full size when paused` : `Playing at ${size.width}×${size.height}`;
    // Called for every drawn frame: the DOM is touched only when the size changes.
    if (l.textContent !== text) l.textContent = text;
  }, [latest]);

  /** A playing frame drawn on the playing canvas: the viewer's canvas says so, and the playing canvas shows. */
  const report = (d: { index: number; width: number; height: number; steps: Record<string, number>; grabMs: number; drawMs: number }) => {
    const v = viewer.current;
    if (!v) return false;
    v.dataset.fetchMs = d.grabMs.toFixed(1);
    v.dataset.drawMs = d.drawMs.toFixed(1);
    v.dataset.steps = JSON.stringify(d.steps, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 10) / 10 : x));
    v.dataset.frame = String(d.index);
    v.dataset.width = String(d.width);
    v.dataset.source = 'video-play';
    v.dataset.drawSeq = String(Number(v.dataset.drawSeq ?? 0) + 1);
    frameDrawn(d.index);
    playedAt(d);
    show(true);
    return true;
  };

  const attach = useCallback((c: HTMLCanvasElement | null) => {
    if (c === el.current) return;
    player.current?.dispose();
    player.current = null;
    el.current = c;
    shown.current = false;
    cpu.current = null;
    if (!c) return;
    if (!workerWanted()) {
      // A 2D canvas kept in memory (read back and written every frame), never a GPU one.
      const ctx = cpuWanted() ? c.getContext('2d', { alpha: false, willReadFrequently: true }) : null;
      if (ctx) cpu.current = { ctx, fog: createCpuFog() };
      return;
    }
    const p = createLivePlayer(c);
    if (!p) return;
    p.onError = (m) => {
      // Playback goes back to the page's thread.
      p.dispose();
      if (player.current === p) player.current = null;
      show(false);
      onError(`playback worker: ${m}`);
    };
    p.onDrawn = (d) => {
      if (!report(d)) return;
      const sent = sentAt.current;
      const t = sent.get(d.index);
      for (const k of sent.keys()) if (k <= d.index) sent.delete(k);
      adapt.current?.(d.index, t === undefined ? d.grabMs + d.drawMs : performance.now() - t);
    };
    player.current = p;
  }, [viewer, latest, onError, playedAt]);

  const drawVideo = useCallback((video: HTMLVideoElement, index: number, time: number, width: number, height: number, depth: DepthImage | null, drawn: (index: number, ms: number) => void) => {
    const p = player.current;
    const { stack, mode } = latest.current;
    if (!p && cpu.current && cpuFogDraws(stack, mode)) return drawCpu(cpu.current, video, index, time, width, height, depth, drawn);
    if (!p || mode === '3d') {
      // An effect added, or the view changed, while playing: the viewer's canvas draws, and is what shows.
      show(false);
      return false;
    }
    adapt.current = drawn;
    if (sentAt.current.size > 64) sentAt.current.clear();
    sentAt.current.set(index, performance.now());
    return p.draw(video, { index, time, width, height, depth, stack, mode });
  }, [latest]);

  const drawCpu = (on: { ctx: CanvasRenderingContext2D; fog: CpuFog }, video: HTMLVideoElement, index: number, time: number, width: number, height: number, depth: DepthImage | null, drawn: (index: number, ms: number) => void) => {
    const t0 = performance.now();
    const { ctx, fog } = on;
    const c = ctx.canvas;
    if (c.width !== width || c.height !== height) [c.width, c.height] = [width, height];
    // The picture scaled as the GL playback's grab scales it (video-frames.ts).
    ctx.imageSmoothingQuality = 'low';
    ctx.drawImage(video, 0, 0, width, height);
    const grabMs = performance.now() - t0;
    const steps: Record<string, number> = {};
    if (depth) {
      let t = performance.now();
      const img = ctx.getImageData(0, 0, width, height);
      steps.read = performance.now() - t;
      fog.apply(img.data, width, height, depth, latest.current.stack, time, steps);
      t = performance.now();
      ctx.putImageData(img, 0, 0);
      steps.put = performance.now() - t;
    }
    const ms = performance.now() - t0;
    if (report({ index, width, height, steps, grabMs, drawMs: ms - grabMs })) drawn(index, ms);
    return true;
  };

  const stop = useCallback(() => player.current?.stop(), []);
  /** The viewer's canvas drew a picture of its own: the playing canvas and its label go. */
  const hide = useCallback(() => {
    show(false);
    playedAt(null);
  }, [playedAt]);
  const labelRef = useCallback((s: HTMLSpanElement | null) => void (label.current = s), []);
  return useMemo(() => ({ attach, drawVideo, stop, hide, playedAt, label: labelRef }), [attach, drawVideo, stop, hide, playedAt, labelRef]);
}
