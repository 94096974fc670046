import { useEffect, useRef, useState } from 'react';
import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { PreviewPicture } from './picture-upload.ts';
import { bridge, errorText } from '../api.ts';
import { analysisRequest, notify, useApp } from '../state/store.ts';
import { decodeProxy } from './proxy-image.ts';

export interface FrameData {
  frame: PreviewPicture;
  depth: DepthImage | null;
  path: string;
  /** 'proxy': the clip's small JPEG shown at once; 'engine': the exact frame (the export's picture). */
  source: 'proxy' | 'engine';
  /** Time from the request to this picture (shown to the benchmark as data-fetch-ms). */
  fetchMs: number;
}

interface Want {
  path: string;
  index: number;
  maxWidth: number;
  seq: number;
}

const isCancel = (e: unknown) => e instanceof Error && (e.name === 'CancelledError' || e.name === 'AbortError' || /cancelled/.test(e.message));
/** Depth maps of recently shown frames: a refine or a scrub back reuses them (and the preview's work on them). */
const DEPTH_KEEP = 24;

/**
 * The current frame and its depth, through the engine API. The newest playhead wins: each new position
 * is requested at once in the 'viewer' lane, where the engine cancels the older request still running
 * (it stops that decoder: app/lanes.ts). The clip's small proxy JPEG is shown first, as soon as it and
 * the depth are here, then the exact frame replaces it. While playing (the engine's frames as the
 * picture, no <video>), requests go one at a time without cancelling, so the decoder keeps reading on
 * sequentially; a position passed meanwhile is dropped, and the proxy is the picture once it is made (a
 * codec Chromium cannot play then still plays at the clip's rate).
 */
export function useFrameData(path: string | null, index: number, maxWidth: number): FrameData | null {
  const [data, setData] = useState<FrameData | null>(null);
  const epoch = useApp((s) => s.depthEpoch);
  const settings = useApp((s) => s.hist.present.analysis);
  const playing = useApp((s) => s.playing);
  const seq = useRef(0);
  const inflight = useRef(false);
  const queued = useRef<Want | null>(null);
  const depths = useRef(new Map<string, Promise<DepthImage | null>>());
  const lastError = useRef('');

  // New analysis or settings: the depth maps kept are stale.
  useEffect(() => depths.current.clear(), [epoch, settings]);

  useEffect(() => {
    if (!path) {
      setData(null);
      return;
    }
    const want: Want = { path, index, maxWidth, seq: ++seq.current };
    const current = () => want.seq === seq.current;
    const fail = (e: unknown) => {
      if (isCancel(e) || !current()) return;
      const msg = errorText(e);
      if (msg !== lastError.current) notify('error', `Frame ${want.index}: ${msg}`);
      lastError.current = msg;
    };
    const depthOf = (w: Want, lane?: string) => {
      const key = `${w.path}|${w.index}`;
      let d = depths.current.get(key);
      if (!d) {
        d = bridge().getDepth({ path: w.path, index: w.index, ...analysisRequest(settings, w.path), ...(lane ? { lane } : {}) }).catch((e) => {
          depths.current.delete(key);
          if (isCancel(e)) throw e;
          return null;
        });
        // A position left before its depth arrived may never wait for it: its cancel is not an error.
        d.catch(() => undefined);
        depths.current.set(key, d);
        for (const k of depths.current.keys()) if (depths.current.size > DEPTH_KEEP) depths.current.delete(k);
      }
      return d;
    };

    if (playing) {
      // One request at a time: the newest position waits for the one in flight, older ones are dropped.
      queued.current = want;
      if (inflight.current) return;
      inflight.current = true;
      void (async () => {
        while (queued.current) {
          const w = queued.current;
          queued.current = null;
          const t0 = performance.now();
          try {
            // The proxy where the engine has made it (no decode from a keyframe per frame), else the exact frame.
            const proxy = await bridge().getProxyFrame({ path: w.path, index: w.index });
            const [frame, depth] = await Promise.all([proxy ? decodeProxy(proxy) : bridge().getFrame({ path: w.path, index: w.index, maxWidth: w.maxWidth }), depthOf(w)]);
            setData({ frame, depth, path: w.path, source: proxy ? 'proxy' : 'engine', fetchMs: performance.now() - t0 });
          } catch (e) {
            fail(e);
          }
        }
        inflight.current = false;
      })();
      return;
    }

    const t0 = performance.now();
    let exact = false;
    const depth = depthOf(want, 'viewer');
    // The instant picture: the proxy JPEG if the engine has made it yet.
    const quick = bridge()
      .getProxyFrame({ path, index })
      .then((p) => (p && !exact && current() ? Promise.all([decodeProxy(p), depth]) : null))
      .then((r) => {
        if (r && !exact && current()) setData({ frame: r[0], depth: r[1], path, source: 'proxy', fetchMs: performance.now() - t0 });
      })
      .catch(fail);
    // The exact frame once the quick one is drawn (its decoder would take both cores from it); a newer
    // position cancels it on the engine side.
    void quick
      .then(() => (current() ? Promise.all([bridge().getFrame({ path, index, maxWidth, lane: 'viewer' }), depth]) : Promise.reject(new DOMException('', 'AbortError'))))
      .then(([frame, d]) => {
        if (!current()) return;
        exact = true;
        setData({ frame, depth: d, path, source: 'engine', fetchMs: performance.now() - t0 });
      })
      .catch(fail);
  }, [path, index, maxWidth, epoch, settings, playing]);
  return data;
}
