import { getManifest } from '../../src-main/engine/infer/manifest.ts';
import { depthSize } from '../../src-main/engine/preprocess/index.ts';
import { resizePlane } from '../../src-main/engine/preprocess/resize.ts';
import type { DepthMap, RgbFrame } from '../../src-main/common/types.ts';
import { median } from '../../src-main/engine/geometry/align.ts';
import { readGtDepth, type EvalDataset } from './dataset.ts';
import { frameDraw as draw } from './frame-draw.ts';

/**
 * How a stand-in model errs. Each knob is one kind of error a real network makes, so a sweep shows which
 * one keeps the pipeline from the targets and how good a model has to be to reach them.
 */
export interface StandInErrors {
  /** Gaussian blur of the inverse depth at the model's grid, in grid pixels (a small network's blurry shapes). */
  blur?: number;
  /** Per-frame scale error, +-this fraction (frame-to-frame flicker of a metric model's scale). */
  jitter?: number;
  /** Depth compressed about its median: d' = m (d/m)^compress (1 = none; FastDepth here acts like ~0.5). */
  compress?: number;
  /** A smooth multiplicative shape error, +-this fraction, redrawn every frame (shapes that disagree across frames). */
  wobble?: number;
}

function blurPlane(a: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return a;
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const pass = (src: Float32Array, dx: number, dy: number) => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let s = 0, sw = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i * dx, yy = y + i * dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
        const v = src[yy * w + xx];
        if (!(v > 0)) continue;
        s += k[i + r] * v; sw += k[i + r];
      }
      out[y * w + x] = sw > 0 ? s / sw : 0;
    }
    return out;
  };
  return pass(pass(a, 1, 0), 0, 1);
}

/**
 * A "model" made from the dataset's ground truth with set errors, at the grid of manifest `gridOf`.
 * Diagnostic only (research/eval-stand-in.ts): the product never reads ground truth; this measures what the
 * pipeline would do with a better network than the one reachable here.
 */
export async function openStandInModel(ds: EvalDataset, e: StandInErrors, gridOf = 'fastdepth') {
  const manifest = await getManifest(gridOf);
  const size = depthSize(manifest.size, ds.width, ds.height);
  return {
    async predict(frame: RgbFrame): Promise<DepthMap> {
      const gt = await readGtDepth(ds, frame.index);
      const inv = new Float32Array(gt.length);
      for (let p = 0; p < gt.length; p++) inv[p] = gt[p] > 0 ? 1 / gt[p] : 0;
      const { width: w, height: h } = size;
      let g = resizePlane(inv, ds.width, ds.height, w, h);
      g = blurPlane(g, w, h, e.blur ?? 0);
      const mInv = median(g.filter((v) => v > 0)) || 1;
      const c = e.compress ?? 1;
      const s = 1 + (e.jitter ?? 0) * draw(frame.index, 1);
      const a = e.wobble ?? 0, ph1 = 3 * draw(frame.index, 2), ph2 = 3 * draw(frame.index, 3);
      const data = new Float32Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const v = g[y * w + x];
        // 0 stays 0: the engine treats it as a failed pixel (clipped at the manifest's minimum depth).
        if (!(v > 0)) continue;
        const d = (1 / mInv) * Math.pow(mInv / v, c);
        const shape = 1 + a * Math.sin((2 * Math.PI * x) / w + ph1) * Math.sin((Math.PI * y) / h + ph2);
        data[y * w + x] = d * s * shape;
      }
      return { index: frame.index, width: w, height: h, kind: 'metric', data };
    },
    close: async () => {},
  };
}
