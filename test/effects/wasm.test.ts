import { beforeAll, describe, expect, it } from 'vitest';
import { compileKernels } from '../../scripts/build-wasm.ts';
import { applyStack, guidedUpsample, parseEffectSpec, renderFrame, toDistance } from '../../src-main/engine/effects/index.ts';
import { fogAmount } from '../../src-main/common/effects/fog.ts';
import { depthPlane } from '../../src-main/engine/effects/upsample.ts';
import { bspline, cellLuma, extent, guidedCoefficients, luma } from '../../src-main/common/effects/guided-filter.ts';
import { KERNELS_WASM_BASE64 } from '../../src-main/engine/effects/wasm-binary.ts';
import { realFrame, type RealFrame } from './fixture.ts';

let r: RealFrame;
beforeAll(async () => {
  r = await realFrame('cockatoo.mp4', 0);
});

/**
 * The upsampling of one output pixel, written straight from its definition in guided-filter.ts (16 taps
 * of the cubic B-spline, no separable passes or tables shared with the engine): what the WebAssembly
 * kernel must reproduce.
 */
function upsamplePixel(coefLow: Float32Array, coef: Float32Array, lw: number, lh: number, guide: Uint8Array, W: number, H: number, X: number, Y: number): number {
  const taps = (o: number, out: number, n: number) => {
    const u = (o + 0.5) * (n / out) - 0.5;
    const f = Math.floor(u);
    return bspline(u - f).map((w, t) => ({ i: Math.min(n - 1, Math.max(0, f - 1 + t)), w }));
  };
  let a = 0, b = 0;
  for (const ty of taps(Y, H, lh))
    for (const tx of taps(X, W, lw)) {
      const k = (ty.i * lw + tx.i) * 2;
      a += tx.w * ty.w * coef[k];
      b += tx.w * ty.w * coef[k + 1];
    }
  const p = (Y * W + X) * 3;
  const [lo, hi] = extent(coefLow);
  return Math.min(hi, Math.max(lo, a * luma(guide[p], guide[p + 1], guide[p + 2]) + b));
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
    const coef = guidedCoefficients(low, depth.width, depth.height, cellLuma(frame.data, W, H, depth.width, depth.height));
    let worst = 0, edges = 0;
    for (let k = 0; k < 4000; k++) {
      const X = (k * 7919) % W, Y = (k * 104729) % H;
      const want = upsamplePixel(low, coef, depth.width, depth.height, frame.data, W, H, X, Y);
      worst = Math.max(worst, Math.abs(out[Y * W + X] - want));
      if (Math.abs(out[Y * W + X] - out[Y * W + Math.min(W - 1, X + 1)]) > 1 / 256) edges++;
    }
    expect(edges, 'the sample reaches depth edges (the guided path)').toBeGreaterThan(20);
    expect(worst).toBeLessThan(1e-5);
  });

  it('fog matches its formula pixel by pixel, within the table step of one 8-bit level', () => {
    const out = applyStack(r.frame, r.prep, r.K, [parseEffectSpec('fog:density=2.5,start=0.05,behindSubject=false,falloff=1.5,color=#8090a0')], 0);
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
