import type { DepthImage, MediaInfo } from '../../src-main/common/api/types.ts';
import { bridge } from '../api.ts';
import type { PreviewPicture } from './picture-upload.ts';

/**
 * The browser's own decoder for a clip whose codec Chromium plays (H.264, VP8/9, AV1 in MP4/WebM):
 * a hidden <video> on the source file (served by the host, see api/media-files.ts). It does what the
 * engine's ffmpeg pipe cannot do at interactive rates: play in real time with sound. Its pictures are a preview only: when the playhead rests, the viewer
 * draws the engine's exact frame (the export's) over them.
 */
const CONTAINERS: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/mp4', webm: 'video/webm', mkv: 'video/webm' };
const CODECS: Record<string, string> = { h264: 'avc1.640028', vp9: 'vp09.00.40.08', vp8: 'vp8', av1: 'av01.0.08M.08' };

/** The <video> MIME type of a probed clip, or null when this container/codec is not one Chromium plays. */
export function videoMime(path: string, codec: string): string | null {
  const container = CONTAINERS[path.split('.').pop()?.toLowerCase() ?? ''];
  const c = CODECS[codec];
  return container && c ? `${container}; codecs="${c}"` : null;
}

/** What app/playback-proxy.ts writes: H.264 (High) in MP4. */
const PROXY_MIME = `video/mp4; codecs="${CODECS.h264}"`;

export interface VideoFrames {
  readonly video: HTMLVideoElement;
  /** Whether it plays the clip's playback proxy rather than the source. */
  readonly proxy: boolean;
  /**
   * The picture on screen now at width x height: the <video> drawn by the 2D canvas into a picture of the
   * viewer's size, which the preview uploads as it is. Uploading the <video> itself costs a full-size
   * conversion and copy per frame (a GPU copy on real hardware, but in software WebGL 20-30 times what
   * the 2D canvas' scaled draw of the same frame costs, and still a few times at the full size), and the
   * effects then run on the small picture.
   */
  grab(index: number, time: number, width: number, height: number): PreviewPicture;
  dispose(): void;
}

/** `proxy`: the clip's playback proxy file, played instead of the source (also for codecs Chromium does not play). */
export function openVideoFrames(path: string, media: MediaInfo, host: HTMLElement, proxy: string | null = null): VideoFrames | null {
  const mime = proxy ? PROXY_MIME : videoMime(path, media.codec);
  const url = bridge().mediaUrl?.(proxy ?? path) ?? null;
  if (!mime || !url) return null;
  const video = document.createElement('video');
  if (!video.canPlayType(mime)) return null;
  video.preload = 'auto';
  video.playsInline = true;
  video.src = url;
  video.dataset.playback = proxy ? 'proxy' : 'source';
  // Kept in the page (a detached or display:none video may not present frames), but not seen.
  video.style.cssText = 'position:absolute;width:2px;height:2px;opacity:0;pointer-events:none;left:0;top:0';
  host.appendChild(video);
  // The preview uploads a picture when it draws it (synchronously): one canvas serves every frame.
  const picture = document.createElement('canvas');
  const grab = (index: number, time: number, width: number, height: number): PreviewPicture => {
    const c = picture;
    if (c.width !== width || c.height !== height) [c.width, c.height] = [width, height];
    const ctx = c.getContext('2d', { alpha: false })!;
    ctx.imageSmoothingQuality = 'low';
    ctx.drawImage(video, 0, 0, width, height);
    return { index, time, width, height, source: c };
  };

  return {
    video,
    proxy: !!proxy,
    grab,
    dispose() {
      video.pause();
      video.removeAttribute('src');
      video.load();
      video.remove();
    },
  };
}

/**
 * Depth maps ahead of the playhead: playback asks for frame i and the frames after it are fetched in the
 * background, a block per engine call (one round trip for many frames), so the effects do not wait for
 * the engine while playing. Frames the fetches could not deliver before the clock reaches them (judged
 * from how long a block takes now) are skipped: a slow engine drops frames rather than arriving late.
 */
/** How many frames away a depth map may be to stand in for one that has not arrived. */
const NEAREST = 2;

export function createDepthPrefetch(fetchBlock: (start: number, count: number) => Promise<DepthImage[]>, ahead: number, fps: number, block = 12, parallel = 2) {
  const pending = new Map<number, Promise<void>>();
  const ready = new Map<number, DepthImage | null>();
  let inflight = 0;
  let latencyMs = 100;
  let lastWant = 0;
  const load = (start: number, count: number): Promise<void> => {
    const t0 = performance.now();
    inflight++;
    const p = fetchBlock(start, count)
      .catch(() => [] as DepthImage[])
      .then((ds) => {
        latencyMs = 0.7 * latencyMs + 0.3 * (performance.now() - t0);
        for (let k = start; k < start + count; k++) if (pending.get(k) === p) ready.set(k, null);
        for (const d of ds) if (pending.get(d.index) === p) ready.set(d.index, d);
        inflight--;
      });
    for (let k = start; k < start + count; k++) pending.set(k, p);
    return p;
  };
  return {
    /** The depth of frame i if it has arrived (undefined while it is still coming); schedules blocks after i. */
    want(i: number, last: number): DepthImage | null | undefined {
      lastWant = i;
      // Frames left behind are forgotten: memory stays bounded by the look-ahead.
      for (const k of pending.keys()) {
        if (k >= i - 2 && k <= i + 2 * ahead + block) continue;
        pending.delete(k);
        ready.delete(k);
      }
      const lead = Math.min(ahead, Math.ceil((latencyMs / 1000) * fps));
      let k = i + lead;
      while (inflight < parallel && k <= Math.min(last, i + lead + ahead)) {
        if (pending.has(k)) {
          k++;
          continue;
        }
        const n = Math.min(block, last - k + 1);
        void load(k, n).then(() => {
          // A block arriving lets the next one start without waiting for the next frame.
          if (lastWant === i) this.want(i, last);
        });
        k += n;
      }
      if (ready.has(i)) return ready.get(i);
      // Its block still coming: the nearest frame's depth that is here (a frame or two away moves little),
      // so the picture is drawn rather than dropped.
      for (let d = 1; d <= NEAREST; d++) for (const k of [i - d, i + d]) if (ready.get(k)) return ready.get(k);
      return undefined;
    },
    /**
     * While paused at frame i: its block fetched ahead of Play, so the clock starts without waiting for it.
     * Only that block is kept (scrubbing leaves one block, not one per stop).
     */
    warm(i: number, last: number) {
      if (pending.has(i)) return;
      pending.clear();
      ready.clear();
      void this.prime(i, last);
    },
    /** Fetches the block starting at frame i (playback waits for it before the clock starts). */
    async prime(i: number, last: number): Promise<void> {
      await (pending.get(i) ?? load(i, Math.max(1, Math.min(block, last - i + 1))));
    },
    clear() {
      pending.clear();
      ready.clear();
    },
  };
}
