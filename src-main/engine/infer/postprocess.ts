import type { ModelManifest } from './manifest.ts';
import { resizePlane } from '../preprocess/resize.ts';
import type { Size } from '../preprocess/index.ts';

/**
 * One network output map at the depth resolution, in an array of its own, floored for metric models (a
 * zero depth breaks every 1/d downstream). Runs on the model thread when there is one (model-thread.ts:
 * runFrames), so analysis's main thread, which also tracks the camera, does not. `into`: an array of
 * `size` to write it to (a finished frame's, recycled) instead of a new one.
 */
export function depthAtResolution(map: Float32Array, w: number, h: number, size: Size, manifest: ModelManifest, into?: Float32Array): Float32Array {
  const fits = into?.length === size.width * size.height && into !== map;
  const d = resizePlane(map, w, h, size.width, size.height, fits ? into : undefined);
  const out = d !== map ? d : fits ? (into.set(map), into) : new Float32Array(map);
  if (manifest.outputKind === 'metric') {
    const floor = manifest.minDepth ?? 1e-3;
    for (let i = 0; i < out.length; i++) if (!(out[i] >= floor)) out[i] = floor;
  }
  return out;
}
