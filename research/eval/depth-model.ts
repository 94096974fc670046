import { getManifest } from '../../src-main/engine/infer/manifest.ts';
import { loadModel } from '../../src-main/engine/infer/session.ts';
import { depthSize, frameToTensor, modelInputSize } from '../../src-main/engine/preprocess/index.ts';
import { resizePlane } from '../../src-main/engine/preprocess/resize.ts';
import type { DepthMap, RgbFrame } from '../../src-main/common/types.ts';

/**
 * Per-frame depth for the harness through the engine's own model loading and preprocessing, so the
 * numbers measured are those `analyze` produces. Per-frame models only (windowed models go through
 * analyze's stitching).
 */
export async function openFrameDepthModel(id = 'fastdepth', threads = 1) {
  const manifest = await getManifest(id);
  if (manifest.kind !== 'per-frame') throw new Error(`eval runs per-frame models; ${id} is ${manifest.kind}`);
  const model = await loadModel(manifest, { device: 'cpu', threads });
  return {
    manifest,
    async predict(frame: RgbFrame): Promise<DepthMap> {
      const inSize = modelInputSize(manifest.size, frame.width, frame.height);
      const out = depthSize(manifest.size, frame.width, frame.height);
      const input = new Float32Array(3 * inSize.width * inSize.height);
      frameToTensor(frame, inSize, manifest, input, 0);
      const r = await model.run(input, [1, 3, inSize.height, inSize.width]);
      const [, h, w] = r.dims;
      const data = resizePlane(r.depth.slice(0, h * w), w, h, out.width, out.height);
      return { index: frame.index, width: out.width, height: out.height, kind: manifest.outputKind, data };
    },
    close: () => model.close(),
  };
}
