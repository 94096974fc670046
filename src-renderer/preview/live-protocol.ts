import type { DepthImage } from '../../src-main/common/api/types.ts';
import type { ViewMode } from '../../src-main/common/project/schema.ts';
import type { EffectStack } from '../../src-main/common/effects/types.ts';

/** Messages between the page and the playback worker (live-worker.ts, live-client.ts). */
export type LiveRequest =
  | { type: 'init'; canvas: OffscreenCanvas }
  | {
      type: 'draw';
      epoch: number;
      /** The <video>'s picture at width x height, scaled on the page (moved, closed by the worker). */
      frame: ImageBitmap;
      /** Milliseconds the page took to scale it. */
      grabMs: number;
      index: number;
      time: number;
      width: number;
      height: number;
      /** Which depth map (the worker keeps the last DEPTHS_KEPT it was sent); null: none. */
      depthId: number | null;
      /** The map itself the first time it is sent. */
      depth?: DepthImage;
      stack: EffectStack;
      mode: ViewMode;
    };

export interface LiveDrawn {
  type: 'drawn';
  epoch: number;
  index: number;
  width: number;
  height: number;
  steps: Record<string, number>;
  /** The page's scaling of the picture (its grab). */
  grabMs: number;
  /** The GL calls of the draw. */
  drawMs: number;
}

/** `free`: the worker is done with the last frame sent (drawn or not): the page sends the next one. */
export type LiveReply = LiveDrawn | { type: 'free' } | { type: 'error'; message: string };

/** Depth maps the worker keeps by id, oldest first out: the page sends a map again only once it fell out. */
export const DEPTHS_KEPT = 16;
