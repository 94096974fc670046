import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { ViewMode } from '../../src-main/common/project/schema.ts';
import type { EffectStack } from '../../src-main/common/effects/types.ts';
import { DEPTHS_KEPT, type LiveDrawn, type LiveReply, type LiveRequest } from './live-protocol.ts';

export interface LiveFrame {
  index: number;
  time: number;
  width: number;
  height: number;
  depth: DepthImage | null;
  stack: EffectStack;
  mode: ViewMode;
}

export interface LivePlayer {
  /** Sends the <video>'s current picture to be drawn with its depth (false: it has no picture to give). */
  draw(video: HTMLVideoElement, f: LiveFrame): boolean;
  /** Playback stopped: a frame still waiting is dropped, and draws already under way are not reported. */
  stop(): void;
  onDrawn: ((d: LiveDrawn) => void) | null;
  onError: ((message: string) => void) | null;
  dispose(): void;
}

/**
 * The playing picture's canvas, drawn by a worker (live-worker.ts) through an OffscreenCanvas; null where
 * this browser cannot (no OffscreenCanvas or module workers): playback then draws on
 * the page's thread.
 */
export function createLivePlayer(canvas: HTMLCanvasElement): LivePlayer | null {
  if (typeof OffscreenCanvas === 'undefined' || typeof canvas.transferControlToOffscreen !== 'function') return null;
  let worker: Worker;
  let offscreen: OffscreenCanvas;
  try {
    worker = new Worker(new URL('./live-worker.ts', import.meta.url), { type: 'module', name: 'live-preview' });
    offscreen = canvas.transferControlToOffscreen();
  } catch {
    return null;
  }
  const post = (m: LiveRequest, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
  post({ type: 'init', canvas: offscreen }, [offscreen]);
  let epoch = 0;
  // One frame at the worker at a time: a frame presented meanwhile is dropped (not even scaled).
  let busy = false;
  // Which depth maps the worker holds: the same first-in-first-out list as its own.
  const ids = new WeakMap<DepthImage, number>();
  let nextId = 0;
  const sent: number[] = [];
  // The picture scaled here, as the page's own playback did (imageSmoothingQuality low), and moved to the worker.
  const grab = new OffscreenCanvas(2, 2);
  const player: LivePlayer = {
    onDrawn: null,
    onError: null,
    draw(video, f) {
      if (busy) return true;
      const t0 = performance.now();
      let frame: ImageBitmap;
      try {
        if (grab.width !== f.width || grab.height !== f.height) [grab.width, grab.height] = [f.width, f.height];
        const ctx = grab.getContext('2d', { alpha: false })!;
        ctx.imageSmoothingQuality = 'low';
        ctx.drawImage(video, 0, 0, f.width, f.height);
        frame = grab.transferToImageBitmap();
      } catch {
        return false;
      }
      let depthId: number | null = null;
      let depth: DepthImage | undefined;
      if (f.depth) {
        depthId = ids.get(f.depth) ?? nextId++;
        ids.set(f.depth, depthId);
        if (!sent.includes(depthId)) {
          depth = f.depth;
          sent.push(depthId);
          if (sent.length > DEPTHS_KEPT) sent.shift();
        }
      }
      busy = true;
      const grabMs = performance.now() - t0;
      post({ type: 'draw', epoch, frame, grabMs, index: f.index, time: f.time, width: f.width, height: f.height, depthId, depth, stack: f.stack, mode: f.mode }, [frame]);
      return true;
    },
    stop() {
      epoch++;
    },
    dispose() {
      worker.terminate();
    },
  };
  worker.onmessage = (e: MessageEvent<LiveReply>) => {
    const m = e.data;
    if (m.type === 'free') busy = false;
    else if (m.type === 'error') player.onError?.(m.message);
    else if (m.epoch === epoch) player.onDrawn?.(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    player.onError?.(e.message || 'the playback worker failed');
  };
  return player;
}
