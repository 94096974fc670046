import type { ModelManifest } from './manifest.ts';
import { resizePlane } from '../preprocess/resize.ts';
import type { Size } from '../preprocess/index.ts';
import { quantizeRoundTrip, type Quantized } from '../../common/quantize.ts';
import { depthAtResolutionCachedWasm } from './postprocess-wasm.ts';

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

/**
 * depthAtResolution, then the cache's uint16 round trip (common/quantize.ts: quantizeRoundTrip) over it: the
 * values the cache will give back, with the quantised form it writes. The model thread does this for every
 * frame, in WebAssembly (postprocess-wasm.ts: the same bits, in two passes over the map instead of four).
 * `into`, `qInto`: arrays of `size` to hold the depth and its uint16 form (finished frames', recycled).
 */
export function depthAtResolutionCached(
  map: Float32Array,
  w: number,
  h: number,
  size: Size,
  manifest: ModelManifest,
  into?: Float32Array,
  qInto?: Uint16Array,
): { depth: Float32Array; quantized: Quantized } {
  const metric = manifest.outputKind === 'metric';
  // A network whose output has the depth size already is copied, not resampled (as resizePlane does).
  if (w !== size.width || h !== size.height) return depthAtResolutionCachedWasm(map, w, h, size, metric, manifest.minDepth ?? 1e-3, into, qInto);
  const depth = depthAtResolution(map, w, h, size, manifest, into);
  return { depth, quantized: quantizeRoundTrip(depth, qInto) };
}
