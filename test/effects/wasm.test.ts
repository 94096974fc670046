import { beforeAll, describe, expect, it } from 'vitest';
import { compileKernels } from '../../scripts/build-wasm.ts';
import { applyStack, guidedUpsample, parseEffectSpec, renderFrame, toDistance } from '../../src-main/engine/effects/index.ts';
import { fogAmount } from '../../src-main/engine/effects/fog.ts';
import { depthPlane, FLAT_EPS, guidePixel, RANGE_QUANT_SHIFT, UPSAMPLE_SIGMA_RANGE, UPSAMPLE_SIGMA_SPATIAL } from '../../src-main/engine/effects/upsample.ts';
import { KERNELS_WASM_BASE64 } from '../../src-main/engine/effects/wasm-binary.ts';
import { realFrame, type RealFrame } from './fixture.ts';

let r: RealFrame;
beforeAll(async () => {
  r = await realFrame('cockatoo.mp4', 0);
});

/**
 * The upsampling of one output pixel, written straight from its definition in upsample.ts (no runs, no
 * tables shared with the engine): what the WebAssembly kernel must reproduce.
 */
function upsamplePixel(low: Float32Array, lw: number, lh: number, guide: Uint8Array, W: number, H: number, X: number, Y: number): number {
  const tap = (o: number, out: number, n: number) => {
    const u = (o + 0.5) * (n / out) - 0.5;
    const f = Math.floor(u);
    return [0, 1].map((t) => {
      const i = Math.min(n - 1, Math.max(0, f + t));
      return { i, w: Math.fround(Math.exp(-((i - u) ** 2) / (2 * UPSAMPLE_SIGMA_SPATIAL ** 2))) };
    });
  };
  const cx = tap(X, W, lw), cy = tap(Y, H, lh);
  const d = (j: number, i: number) => low[cy[j].i * lw + cx[i].i];
  const ds = [d(0, 0), d(0, 1), d(1, 0), d(1, 1)];
  if (Math.max(...ds) - Math.min(...ds) < FLAT_EPS) {
    const ny0 = cy[0].w / (cy[0].w + cy[1].w), nx0 = Math.fround(cx[0].w / (cx[0].w + cx[1].w));
    const left = ny0 * ds[0] + (1 - ny0) * ds[2], right = ny0 * ds[1] + (1 - ny0) * ds[3];
    return Math.fround(right + nx0 * (left - right));
  }
  const p = (Y * W + X) * 3;
  let sw = 0, s = 0;
  for (let j = 0; j < 2; j++)
    for (let i = 0; i < 2; i++) {
      const q = (guidePixel(cy[j].i, lh, H) * W + guidePixel(cx[i].i, lw, W)) * 3;
      const c2 = (guide[p] - guide[q]) ** 2 + (guide[p + 1] - guide[q + 1]) ** 2 + (guide[p + 2] - guide[q + 2]) ** 2;
      const range = Math.fround(Math.exp(-((c2 >> RANGE_QUANT_SHIFT) << RANGE_QUANT_SHIFT) / (2 * UPSAMPLE_SIGMA_RANGE ** 2)));
      const w = cx[i].w * cy[j].w * range;
      sw += w;
      s += w * d(j, i);
    }
  if (sw > 1e-10) return Math.fround(s / sw);
  // No sample resembles the pixel: the nearest one.
  return d(cy[0].w >= cy[1].w ? 0 : 1, cx[1].w > cx[0].w ? 1 : 0);
}

describe('WebAssembly kernels', () => {
  it('the embedded module is the one built from wasm/kernels.as.ts (run npm run build:wasm after editing it)', async () => {
    const fresh = await compileKernels();
    expect(Buffer.from(fresh).toString('base64')).toBe(KERNELS_WASM_BASE64);
  }, 60_000);

  it('upsampling reproduces the definition on a real frame, smooth regions and edges alike', () => {
    const { depth, frame } = r;
    const W = frame.width, H = frame.height;
    const low = toDistance(depth.data, r.range);
    const out = guidedUpsample(low, depth.width, depth.height, frame.data, W, H);
    let worst = 0, edges = 0;
    for (let k = 0; k < 4000; k++) {
      const X = (k * 7919) % W, Y = (k * 104729) % H;
      const want = upsamplePixel(low, depth.width, depth.height, frame.data, W, H, X, Y);
      worst = Math.max(worst, Math.abs(out[Y * W + X] - want));
      if (Math.abs(out[Y * W + X] - out[Y * W + Math.min(W - 1, X + 1)]) > FLAT_EPS) edges++;
    }
    expect(edges, 'the sample reaches depth edges (the guided path)').toBeGreaterThan(20);
    expect(worst).toBeLessThan(1e-6);
  });

  it('fog matches its formula pixel by pixel, within the table step of one 8-bit level', () => {
    const out = applyStack(r.frame, r.prep, r.K, [parseEffectSpec('fog:density=2.5,start=0.05,falloff=1.5,color=#8090a0')], 0);
    const col = [0x80, 0x90, 0xa0];
    let worst = 0;
    for (let i = 0; i < r.prep.dist.length; i += 97) {
      const f = fogAmount(r.prep.dist[i] - 0.05, 2.5, 1.5);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(out[i * 3 + c] - (r.frame.data[i * 3 + c] * (1 - f) + col[c] * f)));
    }
    expect(worst).toBeLessThanOrEqual(1.5);
  });

  it('frames of another size get fresh memory: earlier planes stay readable, results do not depend on the order', () => {
    const job = (scale: number) => {
      const W = Math.round(r.frame.width * scale) & ~1, H = Math.round(r.frame.height * scale) & ~1;
      const data = new Uint8Array(W * H * 3);
      // Nearest-neighbour resize of the real frame.
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const s = (Math.floor(y / scale) * r.frame.width + Math.floor(x / scale)) * 3;
          data.set(r.frame.data.subarray(s, s + 3), (y * W + x) * 3);
        }
      return { frame: { width: W, height: H, data }, depth: r.depth, range: r.range, K: r.K, stack: [parseEffectSpec('fog')], time: 0 };
    };
    const small = job(0.5);
    const first = renderFrame(small).rgb;
    const plane = depthPlane(small.frame.width, small.frame.height, r.depth.width, r.depth.height);
    const before = plane.slice();
    renderFrame(job(1.5)); // larger than anything so far: new memory
    expect(plane.length, 'the old plane is not detached').toBe(before.length);
    expect(Buffer.from(plane.buffer, plane.byteOffset, plane.byteLength).equals(Buffer.from(before.buffer))).toBe(true);
    expect(Buffer.from(renderFrame(small).rgb).equals(Buffer.from(first))).toBe(true);
  });
});
