import { useEffect, useRef, useState, type RefObject } from 'react';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import { fromBlockImage } from '../../src-main/common/api/depth-block.ts';
import type { PreviewPicture } from './picture-upload.ts';
import type { ProjectClip } from '../../src-main/common/project/schema.ts';
import { bridge } from '../api.ts';
import { playRate, setExternalClock, setPlaying } from '../state/playback.ts';
import { analysisRequest, selectedClip, setView, timeFor, useApp } from '../state/store.ts';
import { usePlaybackProxy } from './use-playback-proxy.ts';
import { createDepthPrefetch, openVideoFrames, videoMime, type VideoFrames } from './video-frames.ts';

/** Seconds of depth fetched ahead of the playhead while playing. */
const DEPTH_AHEAD_S = 1.5;
/**
 * The widest a playing frame is drawn: the picture's own width (the proxy's: more pixels than it has add
 * none, and cost every step after the grab, the canvas' readback for the compositor included) and the
 * device pixels it covers on screen.
 */
function playingWidth(video: HTMLVideoElement, box: HTMLElement | null, aspect: number): number {
  const shown = box ? Math.min(box.clientWidth, box.clientHeight * aspect) * (window.devicePixelRatio || 1) : Infinity;
  return Math.max(2, Math.min(video.videoWidth || Infinity, Math.ceil(shown) || Infinity));
}

/** The drawing scale the last playback settled at: the next one starts there rather than at full size. */
let settledScale = 1;
/**
 * While the <video> plays, the playhead in the app's state (the transport's frame number, the timeline's
 * playhead line, the inspector) moves at most this often: each move re-renders those views and repaints
 * them, which on few cores took time the frames' own drawing needed. The frames are all drawn; the exact
 * frame is set when play stops.
 */
const PLAYHEAD_EVERY_MS = 100;
/** How long the exact frame rests on screen before Play's first depth block and <video> position are made ready. */
const WARM_AFTER_MS = 300;

export interface VideoPreviewOptions {
  clip: ProjectClip | null;
  enabled: boolean;
  host: RefObject<HTMLElement | null>;
  maxWidth: number;
  /** Draws a picture with its depth (the viewer's GL preview), `source` telling where the picture came from. */
  draw(frame: PreviewPicture, depth: DepthImage | null, source: 'video-play', grabMs: number): void;
  /**
   * Where the viewer draws playing frames off the page's thread (live-client.ts): hands it the <video>'s
   * picture at width x height (false: not taken); `drawn` comes back with the worker's milliseconds.
   */
  drawVideo?(video: HTMLVideoElement, index: number, time: number, width: number, height: number, depth: DepthImage | null, drawn: (index: number, ms: number) => void): boolean;
  /**
   * The frame whose exact picture (the engine's) the viewer shows, if any: while paused there, Play's first
   * depth block and the <video>'s position are made ready.
   */
  exactAt?: number | null;
  /** Playback through drawVideo stopped. */
  stopVideo?(): void;
}

/**
 * Playback through the browser's decoder (preview/video-frames.ts): at 1x the <video> plays (with its
 * sound) and is the clock; each presented frame is drawn with its prefetched depth through the same GLSL
 * as export; a frame whose depth is late is dropped. When it stops, the engine's exact frame is drawn.
 * (No quick scrub picture from the <video>: on few cores its seek decodes the same pictures as the
 * engine's decoder, at the same time, and delays the exact frame.) Returns whether a video is open for the clip, and whether it drives the playhead now (the engine's
 * frames are not fetched meanwhile).
 */
export function useVideoPreview(o: VideoPreviewOptions): { active: boolean; driving: boolean; proxyNote: string | null } {
  const { clip, enabled } = o;
  const media = useApp((s) => (clip ? s.media[clip.id] : undefined));
  const playing = useApp((s) => s.playing);
  const settings = useApp((s) => s.hist.present.analysis);
  const epoch = useApp((s) => s.depthEpoch);
  const [vf, setVf] = useState<VideoFrames | null>(null);
  const [driving, setDriving] = useState(false);
  const opts = useRef(o);
  opts.current = o;
  const path = clip?.path ?? null;
  const proxy = usePlaybackProxy(enabled ? path : null);

  useEffect(() => {
    const host = o.host.current;
    if (!enabled || !path || !media || !host) return;
    const v = openVideoFrames(path, media, host, proxy);
    setVf(v);
    return () => {
      v?.dispose();
      setVf(null);
    };
  }, [enabled, path, media, o.host, proxy]);

  const depth = useRef<ReturnType<typeof createDepthPrefetch> | null>(null);
  useEffect(() => {
    if (!path || !clip) return;
    const req = analysisRequest(settings, path);
    depth.current = createDepthPrefetch((start, count) => bridge().getDepthRange({ path, start, count, ...req }).then((ds) => ds.map(fromBlockImage)), Math.ceil(clip.fps * DEPTH_AHEAD_S), clip.fps);
    return () => depth.current?.clear();
  }, [path, settings, epoch, clip?.fps]);

  const size = (scale = 1, cap = Infinity) => {
    const full = Math.min(media?.width ?? 0, opts.current.maxWidth, cap);
    const w = Math.max(Math.min(320, full), full * scale);
    const width = Math.max(2, Math.round(w / 2) * 2);
    const height = Math.max(2, Math.round((width * (media?.height ?? 0)) / (media?.width ?? 1) / 2) * 2);
    return { width, height };
  };

  // Paused at a frame whose exact picture is on screen: what Play waits for is made ready there (the <video>
  // at that frame, its depth block), a moment later (scrubbing on moves the playhead first: nothing is fetched
  // while the engine still works for the viewer).
  const playhead = useApp((s) => s.view.playhead);
  const rested = o.exactAt === playhead;
  useEffect(() => {
    if (!vf || !clip || playing || !rested) return;
    // Where Play starts (state/playback.ts): the playhead, or the in point when it is outside in/out.
    const at = playhead < clip.in || playhead >= clip.out ? clip.in : playhead;
    const t = setTimeout(() => {
      depth.current?.warm(at, clip.out);
      const time = timeFor(clip).timeOf(at) + 0.25 / clip.fps;
      if (Math.abs(vf.video.currentTime - time) > 1e-3) vf.video.currentTime = time;
    }, WARM_AFTER_MS);
    return () => clearTimeout(t);
  }, [vf, clip, playing, playhead, rested, settings, epoch]);

  // Playback at 1x: the video is the clock.
  useEffect(() => {
    if (!vf || !clip || !playing || playRate() !== 1) return;
    const ct = timeFor(clip);
    const video = vf.video;
    let stopped = false;
    let handle = 0;
    // Resolution gives way before frames do: when grabbing and drawing a frame takes most of a frame's
    // time, or the video presents frames the page had no time to draw (in software WebGL the passes run
    // in the GPU process, beside the page's thread), the next frames are drawn smaller (down to 320 px
    // wide), and larger again when there is room.
    let scale = settledScale;
    let cost = 0;
    let drops = 0;
    let calm = 0;
    let prevIdx = -1;
    let shownIdx = -1;
    let lastIdx = -1;
    let shownAt = -Infinity;
    const budget = 1000 / clip.fps;
    const cap = playingWidth(video, o.host.current, clip.width / clip.height);
    const showPlayhead = (idx: number, now: number) => {
      shownIdx = idx;
      shownAt = now;
      setView({ playhead: idx });
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      // The frame on screen is where the playhead rests (unless another clip was selected meanwhile).
      if (lastIdx >= 0 && lastIdx !== shownIdx && selectedClip()?.id === clip.id) setView({ playhead: lastIdx });
      video.cancelVideoFrameCallback(handle);
      video.onended = null;
      video.pause();
      opts.current.stopVideo?.();
      setExternalClock(false);
      setDriving(false);
    };
    const atOut = () => {
      if (stopped) return;
      stop();
      setView({ playhead: clip.out });
      setPlaying(0);
    };
    // A file that ends before its probed last frame is presented still stops playing.
    video.onended = atOut;
    const onFrame = (now: number, meta: VideoFrameCallbackMetadata) => {
      if (stopped) return;
      if (playRate() !== 1) return stop();
      const idx = ct.frameOf(meta.mediaTime);
      if (idx > clip.out) return atOut();
      // The out point is drawn, then play stops there (at the file's last frame no later frame would come).
      if (idx < clip.out) handle = video.requestVideoFrameCallback(onFrame);
      else queueMicrotask(atOut);
      const d = depth.current?.want(idx, clip.out);
      lastIdx = idx;
      if (now - shownAt >= PLAYHEAD_EVERY_MS || idx < shownIdx) showPlayhead(idx, now);
      // Depth not there yet: this frame is dropped, the clock goes on.
      if (d === undefined) return;
      const { width, height } = size(scale, cap);
      const adapt = (drawnIdx: number, ms: number) => {
        if (stopped) return;
        cost = cost ? 0.7 * cost + 0.3 * ms : ms;
        const skipped = prevIdx < 0 ? 0 : Math.max(0, drawnIdx - prevIdx - 1);
        prevIdx = drawnIdx;
        drops = 0.8 * drops + 0.2 * (skipped / (skipped + 1));
        calm = skipped ? 0 : calm + 1;
        // The cost goes with the pixels drawn: far over budget, the width steps down by more than one step.
        // Two frames or more missed at once (the next frame came after 3 frame times) is enough.
        if ((cost > 0.7 * budget || drops > 0.3 || skipped >= 2) && width > 320) [scale, cost, drops] = [scale * Math.min(0.75, Math.max(0.4, Math.sqrt((0.5 * budget) / cost))), 0, 0];
        else if (cost < 0.3 * budget && calm > 2 * clip.fps && scale < 1) [scale, cost, calm] = [Math.min(1, scale / 0.75), 0, 0];
        settledScale = scale;
      };
      // Off the page's thread where the viewer can: the frames it could not draw are counted as dropped when the next is drawn.
      if (opts.current.drawVideo?.(video, idx, ct.timeOf(idx), width, height, d, adapt)) return;
      const t0 = performance.now();
      const picture = vf.grab(idx, ct.timeOf(idx), width, height);
      const t1 = performance.now();
      opts.current.draw(picture, d, 'video-play', t1 - t0);
      adapt(idx, performance.now() - t0);
    };
    setExternalClock(true);
    setDriving(true);
    const start = useApp.getState().view.playhead;
    // Already there when the pause was long enough (above): no second seek.
    const startTime = ct.timeOf(start) + 0.25 / clip.fps;
    if (Math.abs(video.currentTime - startTime) > 1e-3) video.currentTime = startTime;
    video.muted = false;
    // The clock starts once the first frames' depth is here (the rest streams in ahead of it).
    void (depth.current?.prime(start, clip.out) ?? Promise.resolve()).then(() => {
      if (stopped) return;
      handle = video.requestVideoFrameCallback(onFrame);
      // Autoplay rules may refuse sound without a user gesture: then play muted rather than not at all.
      return video.play().catch(() => {
        video.muted = true;
        return video.play().catch(stop);
      });
    });
    return stop;
  }, [vf, playing, clip]);

  // Said in the viewer: playing pictures come from the proxy (paused frames are always the engine's exact ones).
  const proxyNote = !vf?.proxy || !path || !media ? null : videoMime(path, media.codec) ? 'proxy' : `proxy (${media.codec} does not play in the browser)`;
  return { active: !!vf, driving, proxyNote };
}
