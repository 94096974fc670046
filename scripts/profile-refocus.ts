/**
 * Where refocus's time goes, and what its output costs the encoder (not a test): `npm run profile:refocus`.
 * Runs refocus over frames of a shared clip (the depth analysis cached in bench-out/cache) and prints the
 * CPU ms a frame of each WebAssembly part (the compose per pyramid level) and of the tables built in
 * TypeScript; then encodes the source frames and refocus's frames with libx264 as export does (medium,
 * CRF 18, yuv420p) and prints ffmpeg's CPU ms a frame and the file size of each: a blurred picture should
 * be cheaper to encode than its source.
 * Options: --clip NAME (of ../shared/clips, default cockatoo.mp4), --frames N (default 40), --start N,
 * --spec S (default the bench's 'refocus:focus=0.15,aperture=10'), --no-x264, --stills DIR (source and
 * result of frames --still N and N + 1 as PNG; --compare DIR2 prints the PSNR of each result against DIR2's).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { PNG } from 'pngjs';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { resolveFfmpeg } from '../src-main/engine/decode/ffmpeg-path.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { applyStack, prepareDepth } from '../src-main/engine/effects/apply.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { kernelsFor } from '../src-main/engine/effects/wasm-kernels.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { clipDepthRange } from '../src-main/engine/jobs/depth-range.ts';
import type { RgbFrame } from '../src-main/common/types.ts';
import { BENCH_CACHE, BENCH_OUT, SHARED, arg } from './script-env.ts';

const cpuNow = () => {
  const c = cpuUsage();
  return (c.user + c.system) / 1000;
};

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.length));
}

function writePng(path: string, rgb: Uint8Array, W: number, H: number): void {
  const png = new PNG({ width: W, height: H });
  for (let i = 0; i < W * H; i++) png.data.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
  writeFileSync(path, PNG.sync.write(png));
}

function readPngRgb(path: string): Uint8Array {
  const d = PNG.sync.read(readFileSync(path)).data;
  const out = new Uint8Array((d.length / 4) * 3);
  for (let i = 0, j = 0; i < d.length; i += 4, j += 3) out.set([d[i], d[i + 1], d[i + 2]], j);
  return out;
}

/** libx264 as export runs it on raw RGB frames: ffmpeg's CPU ms (user + system) and the output's bytes. */
function x264(raw: string, W: number, H: number, fps: number, out: string): { cpuMs: number; bytes: number } {
  const { ffmpeg } = resolveFfmpeg();
  const args = `-f rawvideo -pix_fmt rgb24 -s ${W}x${H} -r ${fps} -i ${raw} -c:v libx264 -preset medium -crf 18 -pix_fmt yuv420p ${out}`;
  const t = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time "${ffmpeg}" -hide_banner -nostdin -loglevel error -y ${args} 2>/dev/null`], { encoding: 'utf8' });
  const [u, s] = t.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpuMs: (u + s) * 1000, bytes: statSync(out).size };
}

async function main() {
  const n = Number(arg('--frames') ?? 40);
  const start = Number(arg('--start') ?? 0);
  const input = join(SHARED, 'clips', arg('--clip') ?? 'cockatoo.mp4');
  const stack = [parseEffectSpec(arg('--spec') ?? 'refocus:focus=0.15,aperture=10')];
  const stills = arg('--stills');
  const stillAt = Number(arg('--still') ?? start);
  const info = await probe(input);
  const analysis = await runAnalysis({ input, cacheDir: BENCH_CACHE, preview: false });
  const range = await clipDepthRange(analysis);
  const { width: W, height: H } = info;
  const frames: RgbFrame[] = [];
  for await (const f of readFrames(info, { start, end: start + n - 1 })) frames.push(f);
  const out = new Uint8Array(W * H * 3);
  const results: Uint8Array[] = [];
  // Every kernel call timed, by name (the compose by its level's width).
  const parts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < frames.length; i++) {
    const prep = prepareDepth(await analysis.readDepth(frames[i].index), frames[i], range);
    const k = kernelsFor({ w: W, h: H, low: prep.low.width * prep.low.height });
    const raw = k.exports;
    if (i > 0) {
      const timed: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(raw)) {
        timed[name] = typeof f !== 'function' ? f : (...a: number[]) => {
          const c0 = cpuNow();
          const r = f(...a);
          const key = name === 'refocusCompose' ? `${name} ${a[7]}x${a[8]}` : name;
          parts.set(key, (parts.get(key) ?? 0) + cpuNow() - c0);
          return r;
        };
      }
      (k as { exports: typeof raw }).exports = timed as unknown as typeof raw;
    }
    const c0 = cpuNow();
    applyStack(frames[i], prep, analysis.intrinsics, stack, frames[i].time, out);
    if (i > 0) total += cpuNow() - c0;
    (k as { exports: typeof raw }).exports = raw;
    results.push(new Uint8Array(out));
  }
  const m = frames.length - 1; // the first frame compiles and sizes the kernels' memory
  let wasm = 0;
  for (const [name, ms] of parts) {
    console.log(`${name.padEnd(32)} ${(ms / m).toFixed(2).padStart(7)} ms/frame`);
    wasm += ms;
  }
  console.log(`${'tables and copies (TypeScript)'.padEnd(32)} ${((total - wasm) / m).toFixed(2).padStart(7)} ms/frame`);
  console.log(`${'refocus total'.padEnd(32)} ${(total / m).toFixed(2).padStart(7)} ms/frame`);
  if (stills) {
    mkdirSync(stills, { recursive: true });
    const cmp = arg('--compare');
    for (const at of [stillAt, stillAt + 1]) {
      const j = at - start;
      writePng(join(stills, `source-${at}.png`), frames[j].data, W, H);
      writePng(join(stills, `refocus-${at}.png`), results[j], W, H);
      if (cmp) console.log(`refocus-${at}: PSNR vs ${cmp}: ${psnr(results[j], readPngRgb(join(cmp, `refocus-${at}.png`))).toFixed(2)} dB`);
    }
  }
  if (process.argv.includes('--no-x264')) return;
  mkdirSync(BENCH_OUT, { recursive: true });
  const raws = { source: frames.map((f) => f.data), refocus: results };
  for (const [name, pics] of Object.entries(raws)) writeFileSync(join(BENCH_OUT, `x264-${name}.rgb`), Buffer.concat(pics));
  // Alternately, three times each, the least kept: the machine is shared and CPU time still varies with its load.
  const best: Record<string, { cpuMs: number; bytes: number }> = {};
  for (let round = 0; round < 3; round++)
    for (const name of Object.keys(raws)) {
      const r = x264(join(BENCH_OUT, `x264-${name}.rgb`), W, H, info.fps, join(BENCH_OUT, `x264-${name}.mp4`));
      if (!best[name] || r.cpuMs < best[name].cpuMs) best[name] = r;
    }
  for (const [name, r] of Object.entries(best))
    console.log(`x264 on ${name.padEnd(8)} ${(r.cpuMs / frames.length).toFixed(1).padStart(7)} CPU ms/frame, ${(r.bytes / frames.length / 1024).toFixed(1)} KiB/frame`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
