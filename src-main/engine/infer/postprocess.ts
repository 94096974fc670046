import type { ModelManifest } from './manifest.ts';
import { resizePlane } from '../preprocess/resize.ts';
import type { Size } from '../preprocess/index.ts';

/**
 * One network output map at the depth resolution, in an array of its own, floored for metric models (a
 * zero depth breaks every 1/d downstream). Runs on the model thread when there is one (model-thread.ts:
 * runFrames), so analysis's main thread, which also tracks the camera, does not.
 */
export function depthAtResolution(map: Float32Array, w: number, h: number, size: Size, manifest: ModelManifest): Float32Array {
  const d = resizePlane(map, w, h, size.width, size.height);
  const out = d === map ? new Float32Array(map) : d;
  if (manifest.outputKind === 'metric') {
    const floor = manifest.minDepth ?? 1e-3;
    for (let i = 0; i < out.length; i++) if (!(out[i] >= floor)) out[i] = floor;
  }
  return out;
}
