import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyStack,
  createEffectPool,
  focusFromPixel,
  guidedUpsample,
  parseEffectSpec,
  renderFrame,
  toDistance,
  type EffectInstance,
} from '../../src-main/engine/effects/index.ts';
import { resizePlane } from '../../src-main/engine/preprocess/resize.ts';
import { gradientEnergy, realFrame, type RealFrame } from './fixture.ts';

let r: RealFrame;
beforeAll(async () => {
  r = await realFrame('cockatoo.mp4', 0);
});

const run = (specs: (string | EffectInstance)[]) =>
  applyStack(r.frame, r.prep, r.K, specs.map((s) => (typeof s === 'string' ? parseEffectSpec(s) : s)), 0);

/** Pixel indices of the nearest and the farthest quarter by distance. */
function quartiles(dist: Float32Array) {
  const idx = Array.from(dist.keys()).sort((a, b) => dist[a] - dist[b]);
  const q = Math.floor(idx.length / 4);
  return { near: idx.slice(0, q), far: idx.slice(idx.length - q) };
}

describe('fog (real frame, real FastDepth depth)', () => {
  it('density 0 is the identity', () => {
    expect(Buffer.from(run(['fog:density=0'])).equals(Buffer.from(r.frame.data))).toBe(true);
  });

  it('far pixels move closer to the fog colour than near pixels', () => {
    const col = [0xb0, 0xc4, 0xde];
    const out = run(['fog:density=2,start=0,behindSubject=false,color=#b0c4de']);
    const { near, far } = quartiles(r.prep.dist);
    const toFog = (img: Uint8Array, set: number[]) => set.reduce((a, i) => a + Math.hypot(img[i * 3] - col[0], img[i * 3 + 1] - col[1], img[i * 3 + 2] - col[2]), 0) / set.length;
    const nearRatio = toFog(out, near) / toFog(r.frame.data, near);
    const farRatio = toFog(out, far) / toFog(r.frame.data, far);
    expect(farRatio).toBeLessThan(nearRatio * 0.7);
    expect(farRatio).toBeLessThan(0.4);
  });
});

describe('refocus', () => {
  it('focus picked on the nearest region: in-focus stays sharp, out-of-focus blurs (gradient energy)', () => {
    const { dist } = r.prep;
    const W = r.frame.width, H = r.frame.height;
    let best = 0;
    for (let i = 0; i < dist.length; i += 97) if (dist[i] < dist[best]) best = i;
    const focus = focusFromPixel(dist, W, H, ((best % W) + 0.5) / W, (Math.floor(best / W) + 0.5) / H);
    expect(Math.abs(focus - dist[best])).toBeLessThan(0.05);
    const out = run([`refocus:autoFocus=false,focus=${focus},aperture=12,maxBlur=1.5`]);
    const inFocus = (i: number) => Math.abs(dist[i] - focus) < 0.03;
    const outFocus = (i: number) => Math.abs(dist[i] - focus) > 0.3;
    const ratioIn = gradientEnergy(out, W, H, inFocus) / gradientEnergy(r.frame.data, W, H, inFocus);
    const ratioOut = gradientEnergy(out, W, H, outFocus) / gradientEnergy(r.frame.data, W, H, outFocus);
    expect(ratioIn).toBeGreaterThan(0.6);
    expect(ratioOut).toBeLessThan(0.35);
    expect(ratioIn).toBeGreaterThan(2 * ratioOut);
  });
});

describe('relight', () => {
  it('surfaces facing a light from the left get brighter than surfaces facing away', () => {
    const W = r.frame.width, H = r.frame.height;
    const { dist } = r.prep;
    // Light travelling to +x (coming from the left). A surface whose depth falls towards the right
    // faces left, into the light; one whose depth rises towards the right faces away from it.
    const out = run(['relight:pointIntensity=0,dirDirection=1;0;0.2,dirIntensity=2,ambient=0.4']);
    let litA = 0, litB = 0, darkA = 0, darkB = 0, nl = 0, nd = 0;
    for (let y = 0; y < H; y++)
      for (let x = 4; x < W - 4; x++) {
        const i = y * W + x;
        const g = dist[i + 4] - dist[i - 4];
        if (Math.abs(g) < 0.02) continue;
        const a = out[i * 3] + out[i * 3 + 1] + out[i * 3 + 2];
        const b = r.frame.data[i * 3] + r.frame.data[i * 3 + 1] + r.frame.data[i * 3 + 2] + 1;
        if (g < 0) {
          litA += a;
          litB += b;
          nl++;
        } else {
          darkA += a;
          darkB += b;
          nd++;
        }
      }
    expect(nl).toBeGreaterThan(1000);
    expect(nd).toBeGreaterThan(1000);
    const lit = litA / litB, dark = darkA / darkB;
    expect(lit).toBeGreaterThan(dark * 1.3);
  });

  it('ambient 1 with no lights is the identity', () => {
    expect(Buffer.from(run(['relight:ambient=1,pointIntensity=0,dirIntensity=0'])).equals(Buffer.from(r.frame.data))).toBe(true);
  });
});

describe('guided upsampling', () => {
  it('depth edges follow colour edges better than plain bilinear upsampling', () => {
    const { depth, frame } = r;
    const W = frame.width, H = frame.height;
    const low = toDistance(depth.data, r.range);
    const guided = guidedUpsample(low, depth.width, depth.height, frame.data, W, H);
    const plain = resizePlane(low, depth.width, depth.height, W, H);
    const lum = (i: number) => frame.data[i * 3] + frame.data[i * 3 + 1] + frame.data[i * 3 + 2];
    // Share of the depth-gradient energy that sits on the strongest 10% colour edges.
    const grads: number[] = [];
    for (let y = 0; y < H - 1; y++) for (let x = 0; x < W - 1; x++) { const i = y * W + x; grads.push(Math.abs(lum(i + 1) - lum(i)) + Math.abs(lum(i + W) - lum(i))); }
    const thr = [...grads].sort((a, b) => a - b)[Math.floor(grads.length * 0.9)];
    const share = (d: Float32Array) => {
      let on = 0, all = 0, k = 0;
      for (let y = 0; y < H - 1; y++)
        for (let x = 0; x < W - 1; x++, k++) {
          const i = y * W + x;
          const g = Math.abs(d[i + 1] - d[i]) + Math.abs(d[i + W] - d[i]);
          all += g;
          if (grads[k] >= thr) on += g;
        }
      return on / all;
    };
    const sg = share(guided), sp = share(plain);
    console.log(`depth-gradient share on colour edges: guided ${sg.toFixed(3)}, bilinear ${sp.toFixed(3)}`);
    expect(sg).toBeGreaterThan(sp * 1.15);
  });
});

describe('worker pool', () => {
  it('renders the same bytes as the calling thread', async () => {
    const pool = createEffectPool(2);
    try {
      const stack = [parseEffectSpec('relight'), parseEffectSpec('fog')];
      const job = () => ({ frame: { ...r.frame, data: new Uint8Array(r.frame.data) }, depth: r.depth, range: r.range, K: r.K, stack, time: 0, wantDepth: true });
      const inline = renderFrame(job());
      const [a, b] = await Promise.all([pool.run(job()), pool.run(job())]);
      expect(Buffer.from(a.rgb).equals(Buffer.from(inline.rgb))).toBe(true);
      expect(Buffer.from(b.rgb).equals(Buffer.from(inline.rgb))).toBe(true);
      expect(a.depth!.length).toBe(r.frame.width * r.frame.height);
    } finally {
      await pool.close();
    }
  });

  it('renders into recycled buffers: dirty contents never show, stacks of any length, sources handed back', async () => {
    const pool = createEffectPool(1);
    try {
      for (const specs of [[], ['fog'], ['relight', 'fog'], ['fog', 'refocus:focus=0.2,aperture=6', 'relight']]) {
        const stack = specs.map((s) => parseEffectSpec(s));
        const job = () => ({ frame: { ...r.frame, data: new Uint8Array(r.frame.data) }, depth: r.depth, range: r.range, K: r.K, stack, time: 0 });
        const fresh = renderFrame(job());
        const dirty = new Uint8Array(r.frame.data.length).fill(0xab);
        const recycled = await pool.run({ ...job(), into: dirty });
        expect(Buffer.from(recycled.rgb).equals(Buffer.from(fresh.rgb)), `stack [${specs.join(', ')}]`).toBe(true);
        expect(recycled.source.length).toBe(r.frame.data.length);
        expect(dirty.length, 'the recycled buffer moved to the worker').toBe(0);
      }
    } finally {
      await pool.close();
    }
  });
});
