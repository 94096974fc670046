/**
 * Where export's time goes, per 720p frame (not a test): `npm run profile:export`.
 * Times each stage of runRender's per-frame work on one thread over the same frames of
 * ../shared/clips/cockatoo.mp4, as CPU milliseconds (less sensitive to other load on a shared machine than
 * wall time): decoding to RGB (ffmpeg, its own process), reading the cached depth, the guided upsampling of
 * depth, each effect at the bench's settings (scripts/bench-export.ts), and encoding (libx264 medium, its own
 * process). `--stills DIR` also writes frame `--still N` of each effect as PNG, to compare pictures before and
 * after a change to a kernel (`--compare DIR2` prints the PSNR of each against DIR's).
 * Options: --frames N (default 40), --defaults (each effect at its defaults instead of the bench's settings).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { PNG } from 'pngjs';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { applyStack, prepareDepth, type PreparedDepth } from '../src-main/engine/effects/apply.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { depthPlane } from '../src-main/engine/effects/upsample.ts';
import { openVideoEncoder } from '../src-main/engine/encode/video-encoder.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { clipDepthRange } from '../src-main/engine/jobs/depth-range.ts';
import type { DepthMap, RgbFrame } from '../src-main/common/types.ts';
import { ROOT, SHARED, arg } from './script-env.ts';

// The bench's settings, or with --defaults each effect's defaults.
const EFFECTS = process.argv.includes('--defaults')
  ? { fog: 'fog', refocus: 'refocus', relight: 'relight' }
  : { fog: 'fog:density=1.5', refocus: 'refocus:focus=0.15,aperture=10', relight: 'relight' };

/** CPU ms of this process (all its threads) spent in `f`. */
async function cpuMs<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const c = cpuUsage();
  const r = await f();
  const d = cpuUsage(c);
  return [r, (d.user + d.system) / 1000];
}

/** CPU ms of a child process run to completion (ffmpeg's own decode or encode work). */
function childCpuMs(args: string[], ffmpeg: string): number {
  const t = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time "${ffmpeg}" -hide_banner -nostdin -loglevel error -y ${args.join(' ')} 2>/dev/null`], { encoding: 'utf8' });
  const [u, s] = t.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return (u + s) * 1000;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  // RGBA: the alpha channel (always opaque) is left out.
  let se = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / ((a.length / 4) * 3)));
}

async function main() {
  const n = Number(arg('--frames') ?? 40);
  const stillAt = Number(arg('--still') ?? 20);
  const stills = arg('--stills');
  const input = join(SHARED, 'clips', 'cockatoo.mp4');
  const info = await probe(input);
  const analysis = await runAnalysis({ input, cacheDir: join(ROOT, 'bench-out', 'cache'), preview: false });
  const range = await clipDepthRange(analysis);
  const { width: W, height: H } = info;
  const frames: RgbFrame[] = [];
  const [, decodeMs] = await cpuMs(async () => {
    for await (const f of readFrames(info, { start: 0, end: n - 1 })) frames.push(f);
  });
  const { resolveFfmpeg } = await import('../src-main/engine/decode/ffmpeg-path.ts');
  const { ffmpeg } = resolveFfmpeg();
  const decodeChild = childCpuMs(['-i', input, '-frames:v', String(n), '-pix_fmt', 'rgb24', '-f', 'null', '-'], ffmpeg);
  const rows: [string, number][] = [['decode to RGB (ffmpeg CPU)', decodeChild / n], ['decode: reading the pipe (node)', decodeMs / n]];
  // In order, as export reads them (the cache reads a chunk of frames at once and keeps the last).
  const [depths, readMs] = await cpuMs(async () => {
    const ds: DepthMap[] = [];
    for (const f of frames) ds.push(await analysis.readDepth(f.index));
    return ds;
  });
  rows.push(['read cached depth', readMs / n]);
  const preps: PreparedDepth[] = [];
  let prepMs = 0;
  for (let i = 0; i < n; i++) {
    const plane = depthPlane(W, H, depths[i].width, depths[i].height);
    const [p, ms] = await cpuMs(() => prepareDepth(depths[i], frames[i], range, false, plane));
    prepMs += ms;
    // The plane is rewritten by the next frame: keep a copy for the effects below.
    preps.push({ ...p, dist: new Float32Array(p.dist), low: { ...p.low, dist: new Float32Array(p.low.dist) } });
  }
  rows.push(['guided upsampling of depth', prepMs / n]);
  const out = new Uint8Array(W * H * 3);
  const outputs: Record<string, Uint8Array> = {};
  for (const [name, spec] of Object.entries(EFFECTS)) {
    const stack = [parseEffectSpec(spec)];
    let ms = 0;
    for (let i = 0; i < n; i++) {
      const [, t] = await cpuMs(() => applyStack(frames[i], preps[i], analysis.intrinsics, stack, frames[i].time, out));
      if (i > 0) ms += t; // the first frame compiles and sizes the kernels' memory
      if (i === stillAt) outputs[name] = new Uint8Array(out);
    }
    rows.push([`effect: ${name}`, ms / (n - 1)]);
  }
  const enc = await openVideoEncoder(join(ROOT, 'bench-out', 'profile-encode.mp4'), { width: W, height: H, frameRate: info.frameRate, codec: 'h264', policy: { replace: true, inputs: [input] } });
  const t0 = performance.now();
  for (const f of frames) await enc.write(f.data);
  await enc.finish();
  rows.push(['encode libx264 (wall, its own threads)', (performance.now() - t0) / n]);
  const bareCpu = childCpuMs(['-i', input, '-frames:v', String(n), '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-an', join(ROOT, 'bench-out', 'profile-bare.mp4')], ffmpeg);
  rows.push(['bare transcode (ffmpeg CPU)', bareCpu / n]);
  for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v.toFixed(1).padStart(7)} ms/frame`);
  if (stills) {
    mkdirSync(stills, { recursive: true });
    const cmp = arg('--compare');
    for (const [name, rgb] of Object.entries({ source: frames[stillAt].data, ...outputs })) {
      const png = new PNG({ width: W, height: H });
      for (let i = 0; i < W * H; i++) png.data.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
      writeFileSync(join(stills, `${name}.png`), PNG.sync.write(png));
      if (cmp && name !== 'source') {
        const other = PNG.sync.read(readFileSync(join(cmp, `${name}.png`))).data;
        const mine = png.data;
        console.log(`${name}: PSNR vs ${cmp}: ${psnr(mine, other).toFixed(2)} dB`);
      }
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
