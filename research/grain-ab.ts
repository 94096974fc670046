/**
 * A/B of two grain-plane sources (wasm/grain-plane.as.ts shapes: `grainPlane(rgb, W, H, need, ring, out)`),
 * compiled here, run alternately on the same real frames in one process (not a test):
 * `npx tsx research/grain-ab.ts OLD.as.ts NEW.as.ts [--clip cockatoo.mp4] [--frames 20]`. Prints CPU ms a
 * frame of each and how their planes differ (bits, worst difference).
 */
import { cpuUsage } from 'node:process';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compileKernels } from '../scripts/build-wasm.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { arg } from './relight-clip.ts';

interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
// This project's research tsconfig has no DOM types: the WebAssembly API, as wasm-kernels.ts reaches it.
const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

type GrainFn = (rgb: number, W: number, H: number, need: number, ring: number, out: number) => void;

async function instance(source: string, W: number, H: number) {
  // AssemblyScript resolves imports relative to the importing file only: the entry lies beside the source.
  const entry = join(dirname(resolve(source)), `grain-ab-entry-${basename(source)}`);
  writeFileSync(entry, `export { grainPlane } from './${basename(source).replace(/\.ts$/, '')}';\n`);
  const bin = await compileKernels(entry).finally(() => rmSync(entry));
  const n = W * H;
  const ring = 1024, out = ring + (5 * 8 * (W + 16) + 8 * (W + 16)) * 4 + 4096, rgb = out + (n + 8) * 3 * 4 + 64;
  const memory = new WA.Memory({ initial: Math.ceil((rgb + n * 3 + 64) / 65536) });
  const inst = new WA.Instance(new WA.Module(bin), { env: { memory } });
  return { name: `${basename(dirname(resolve(source)))}/${basename(source)}`, fn: inst.exports.grainPlane as GrainFn, memory, ring, out, rgb };
}

const cpu = (f: () => void) => {
  const c = cpuUsage();
  f();
  const d = cpuUsage(c);
  return (d.user + d.system) / 1000;
};

const sources = process.argv.slice(2).filter((a) => a.endsWith('.ts'));
const clip = arg('--clip') ?? 'cockatoo.mp4';
const frames = Number(arg('--frames') ?? 20);
const info = await probe(join(resolve(import.meta.dirname, '..', '..', 'shared'), 'clips', clip));
const { width: W, height: H } = info;
const ab = [];
for (const s of sources) ab.push(await instance(s, W, H));
const t = ab.map(() => 0), diff = ab.map(() => 0), zeros = ab.map(() => 0), worst = ab.map(() => 0);
const stride = W * H + 4;
let i = 0;
for await (const f of readFrames(info, { start: 0, end: frames })) {
  // Each frame in another order, so that none always runs first (or right after another).
  const order = ab.map((_, k) => (k + i) % ab.length);
  for (const k of i % 2 ? order.reverse() : order) {
    const x = ab[k];
    new Uint8Array(x.memory.buffer, x.rgb, W * H * 3).set(f.data);
    const ms = cpu(() => x.fn(x.rgb, W, H, 0, x.ring, x.out));
    if (i > 0) t[k] += ms;
  }
  const a = new Float32Array(ab[0].memory.buffer, ab[0].out, stride * 3);
  for (let k = 1; k < ab.length; k++) {
    const b = new Float32Array(ab[k].memory.buffer, ab[k].out, stride * 3);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < W * H; p++) {
        const d = Math.abs(a[c * stride + p] - b[c * stride + p]);
        if (d !== 0) diff[k]++;
        else if (Object.is(a[c * stride + p], -0) !== Object.is(b[c * stride + p], -0)) zeros[k]++;
        worst[k] = Math.max(worst[k], d);
      }
  }
  i++;
}
const m = i - 1;
console.log(`${clip} ${W}x${H}, ${m} timed frames (alternated), grain plane CPU ms a frame:`);
ab.forEach((x, k) =>
  console.log(`  ${x.name}: ${(t[k] / m).toFixed(2)} (${(t[k] / t[0]).toFixed(3)}x)` + (k ? `; values unlike the first's ${diff[k]} of ${3 * W * H * i} (worst ${worst[k].toExponential(2)} levels), zeros of the other sign ${zeros[k]}` : '')),
);
