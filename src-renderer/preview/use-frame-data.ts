import { useEffect, useRef, useState } from 'react';
import type { DepthImage, FrameImage } from '../../src-main/common/api/types.ts';
import { bridge, errorText } from '../api.ts';
import { analysisRequest, notify, useApp } from '../state/store.ts';

export interface FrameData {
  frame: FrameImage;
  depth: DepthImage | null;
  path: string;
  /** Time the engine took to deliver frame + depth (shown to the benchmark as data-fetch-ms). */
  fetchMs: number;
}

/**
 * The current frame and its depth, fetched through the engine API. Latest wins: while one request is
 * in flight, newer playhead positions replace the queued one, so scrubbing never builds a backlog.
 */
export function useFrameData(path: string | null, index: number, maxWidth: number): FrameData | null {
  const [data, setData] = useState<FrameData | null>(null);
  const epoch = useApp((s) => s.depthEpoch);
  const settings = useApp((s) => s.hist.present.analysis);
  const inflight = useRef(false);
  const wanted = useRef<{ path: string; index: number; maxWidth: number; epoch: number } | null>(null);

  useEffect(() => {
    if (!path) {
      setData(null);
      return;
    }
    wanted.current = { path, index, maxWidth, epoch };
    if (inflight.current) return;
    const pump = async () => {
      inflight.current = true;
      let lastError = '';
      while (wanted.current) {
        const w = wanted.current;
        wanted.current = null;
        try {
          const t0 = performance.now();
          const [frame, depth] = await Promise.all([
            bridge().getFrame({ path: w.path, index: w.index, maxWidth: w.maxWidth }),
            bridge().getDepth({ path: w.path, index: w.index, ...analysisRequest(settings) }).catch(() => null),
          ]);
          setData({ frame, depth, path: w.path, fetchMs: performance.now() - t0 });
        } catch (e) {
          const msg = errorText(e);
          if (msg !== lastError) notify('error', `Frame ${w.index}: ${msg}`);
          lastError = msg;
        }
      }
      inflight.current = false;
    };
    void pump();
  }, [path, index, maxWidth, epoch, settings]);
  return data;
}
