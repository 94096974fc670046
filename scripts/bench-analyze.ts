/**
 * Analysis benchmark (not a test): `npm run bench:analyze`.
 * 1. Throughput on ../shared/clips/cockatoo.mp4 with FastDepth: the whole analysis against the bare
 *    model on the same preprocessed frames, in the same run (target ratio >= 0.8); and the default analysis
 *    (poses, fusion, the field of view estimated, the CLI's outputs) against the bare model with decoding
 *    (one process: ffmpeg to the model size + onnxruntime; the reference issue 28 names, target >= 0.5).
 * 2. Peak RSS of an analysis of a 1-minute and a 10-minute 720p clip (cockatoo looped), each in a
 *    child process that reports its own maxRSS (target: 10-minute within 15% of 1-minute, < 1 GiB).
 * 3. The default analysis of cockatoo looped three times (840 frames) against the bare model with decoding
 *    on it: what the one-time costs (start-up, the compilers' warm-up, the field of view's search) weigh on
 *    a longer clip.
 * 4. The same on footage whose field of view the search finds (cockatoo's cannot tell it: its search ends at
 *    the default): tartanair-hospital's frames as an H.264 clip, also with the field of view given (what the
 *    search costs there).
 * Options: --skip-rss, --skip-long (3 and 4), --minutes a,b (default 1,10), --poses (run the geometry stage in the RSS runs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../src-main/engine/decode/ffmpeg-path.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { getManifest, type ModelManifest } from '../src-main/engine/infer/manifest.ts';
import { loadModel, type LoadedModel } from '../src-main/engine/infer/session.ts';
import type { VideoInfo } from '../src-main/common/types.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { depthSize, frameToTensor, modelInputSize } from '../src-main/engine/preprocess/index.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const SHARED = resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'));
const COCKATOO = join(SHARED, 'clips', 'cockatoo.mp4');

async function child(input: string, poses: boolean): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-bench-cache-'));
  const t0 = performance.now();
  try {
    const r = await runAnalysis({ input, poses, cacheDir, device: 'cpu' });
    const secs = (performance.now() - t0) / 1000;
    const frames = r.end - r.start + 1;
    // maxRSS is in KiB.
    process.stdout.write(JSON.stringify({ frames, secs, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n');
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function throughput(withLong: boolean) {
  const manifest = await getManifest('fastdepth');
  const info = await probe(COCKATOO);
  const inSize = modelInputSize(manifest.size, info.width, info.height);
  const dSize = depthSize(manifest.size, info.width, info.height);
  const per = 3 * inSize.width * inSize.height;
  const tensors: Float32Array[] = [];
  for await (const f of readFrames(info, { width: dSize.width, height: dSize.height, scaleFlags: 'bilinear' })) {
    const t = new Float32Array(per);
    frameToTensor(f, inSize, manifest, t, 0);
    tensors.push(t);
  }
  // The baseline is the bare model at its best: ORT's threads busy-waiting between runs (its default,
  // fastest back to back) and not (what the analysis uses), whichever is faster in this run.
  const models = [await loadModel(manifest, { device: 'cpu', spin: true }), await loadModel(manifest, { device: 'cpu' })];
  // One thread: the fewest CPU seconds a frame (no pool synchronisation), for the ceiling only.
  const single = await loadModel(manifest, { device: 'cpu', threads: 1 });
  for (const model of [...models, single]) await model.run(tensors[0], [1, 3, inSize.height, inSize.width]); // warm-up
  const rounds: number[] = [];
  const analyses: number[] = [];
  const cacheOnly: number[] = [];
  const defaults: number[] = [];
  const decodes: number[] = [];
  // The reference: the bare model with decoding, in one process (ffmpeg decoding to the model's
  // input size, preprocessing, onnxruntime), each frame run as it arrives.
  const withDecode: number[] = [];
  // CPU seconds per frame of each stage alone (ORT's threads are ours; ffmpeg is a reaped child).
  const cpuModel: number[] = [];
  const cpuDecode: number[] = [];
  // Alternate bare and full runs so load from other processes hits both alike.
  for (let round = 0; round < 2; round++) {
    for (const model of [...models, single]) {
      const t0 = performance.now();
      const c0 = cpuSeconds();
      for (const t of tensors) await model.run(t, [1, 3, inSize.height, inSize.width]);
      if (model !== single) rounds.push(tensors.length / ((performance.now() - t0) / 1000));
      cpuModel.push((cpuSeconds().self - c0.self) / tensors.length);
    }
    for (const model of models) withDecode.push(await bareWithDecoding(info, model, manifest));
    // Decoding and scaling alone, as the analysis reads frames: the other half of the work on these cores.
    const t1 = performance.now();
    const c1 = cpuSeconds();
    let n = 0;
    for await (const _f of readFrames(info, { width: dSize.width, height: dSize.height, scaleFlags: 'bilinear' })) n++;
    decodes.push(n / ((performance.now() - t1) / 1000));
    const c2 = await settledCpuSeconds();
    cpuDecode.push((c2.children + c2.self - c1.children - c1.self) / n);
    // With the CLI's outputs (.npy per frame + colour preview video), and into the cache alone (the app).
    for (const withOut of [true, false]) {
      const cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-bench-cache-'));
      const out = await mkdtemp(join(tmpdir(), 'gemdepth-bench-out-'));
      const t0 = performance.now();
      await runAnalysis({ input: COCKATOO, out: withOut ? join(out, 'a') : undefined, poses: false, cacheDir, device: 'cpu' });
      (withOut ? analyses : cacheOnly).push(info.frameCount / ((performance.now() - t0) / 1000));
      await rm(cacheDir, { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    }
    // What `gemdepth analyze` does with its defaults: poses, fusion, the field of view estimated, outputs.
    const cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-bench-cache-'));
    const out = await mkdtemp(join(tmpdir(), 'gemdepth-bench-out-'));
    const t2 = performance.now();
    await runAnalysis({ input: COCKATOO, out: join(out, 'a'), cacheDir, device: 'cpu' });
    defaults.push(info.frameCount / ((performance.now() - t2) / 1000));
    await rm(cacheDir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
  // The same footage three times over (two hard cuts): what the one-time costs (start-up, the compilers'
  // warm-up on each thread, the field of view's search) weigh against the per-frame work.
  let long: { frames: number; bareDecode: number; dflt: number; tells: Tells } | null = null;
  if (withLong) {
    const dir = await mkdtemp(join(tmpdir(), 'gemdepth-bench-long-'));
    try {
      const looped = await probe(makeLoop((3 * info.frameCount) / info.fps / 60, dir));
      const bares: number[] = [];
      for (const model of models) bares.push(await bareWithDecoding(looped, model, manifest));
      const cacheDir = join(dir, 'cache');
      const t0 = performance.now();
      await runAnalysis({ input: looped.path, out: join(dir, 'a'), cacheDir, device: 'cpu' });
      const dflt = looped.frameCount / ((performance.now() - t0) / 1000);
      long = { frames: looped.frameCount, bareDecode: Math.max(...bares), dflt, tells: await footageThatTells(dir, models, manifest) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  for (const model of [...models, single]) await model.close();
  const bare = Math.max(...rounds);
  const bareDecode = Math.max(...withDecode);
  const full = Math.max(...analyses);
  const cache = Math.max(...cacheOnly);
  const dflt = Math.max(...defaults);
  const decode = Math.max(...decodes);
  // Whatever the overlap, the cores cannot run more frames a second than their CPU seconds allow
  // for decoding plus the model alone (no preprocessing, stitching or writing counted).
  const model = Math.min(...cpuModel);
  const decodeCpu = Math.min(...cpuDecode);
  const ceiling = availableParallelism() / (model + decodeCpu);
  return {
    frames: info.frameCount, bare, bareDecode, full, ratio: full / bare, cache, cacheRatio: cache / bare, dflt, dfltRatio: dflt / bare, decode, ceiling,
    cpuModelMs: model * 1000, cpuDecodeMs: decodeCpu * 1000, device: models[0].deviceLabel, long,
  };
}

type Tells = { frames: number; width: number; height: number; bareDecode: number; dflt: number; given: number; fovDeg: number; source: string };

/**
 * The default analysis on footage whose field of view the search finds (tartanair-hospital, true 90 deg,
 * encoded as H.264 so its decoding is a video's), against the bare model with decoding on it, and with the
 * field of view given: two rounds, alternated, the best of each.
 */
async function footageThatTells(dir: string, models: LoadedModel[], manifest: ModelManifest): Promise<Tells> {
  const clip = join(dir, 'hospital.mp4');
  const frames = join(SHARED, 'datasets', 'tartanair-hospital', 'rgb', '%06d.png');
  const r = spawnSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-framerate', '10', '-i', frames, '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', clip]);
  if (r.status !== 0) throw new Error(`ffmpeg encode of tartanair-hospital failed: ${r.stderr}`);
  const info = await probe(clip);
  const bares: number[] = [], dflts: number[] = [], givens: number[] = [];
  let camera = { fovDeg: NaN, source: '' };
  for (let round = 0; round < 2; round++) {
    for (const model of models) bares.push(await bareWithDecoding(info, model, manifest));
    for (const fovDeg of [undefined, 90]) {
      const out = join(dir, `hospital-${round}-${fovDeg ?? 'est'}`);
      const t0 = performance.now();
      const res = await runAnalysis({ input: clip, out: join(out, 'a'), cacheDir: join(out, 'cache'), device: 'cpu', ...(fovDeg ? { intrinsics: { fovDeg } } : {}) });
      (fovDeg ? givens : dflts).push(info.frameCount / ((performance.now() - t0) / 1000));
      if (!fovDeg) camera = { fovDeg: res.camera.fovDeg, source: res.camera.source };
      await rm(out, { recursive: true, force: true });
    }
  }
  return { frames: info.frameCount, width: info.width, height: info.height, bareDecode: Math.max(...bares), dflt: Math.max(...dflts), given: Math.max(...givens), ...camera };
}

/** Frames a second of the bare model with decoding: ffmpeg to the model's size, preprocessing, onnxruntime, each frame run as it arrives. */
async function bareWithDecoding(info: VideoInfo, model: LoadedModel, manifest: ModelManifest): Promise<number> {
  const inSize = modelInputSize(manifest.size, info.width, info.height);
  const dSize = depthSize(manifest.size, info.width, info.height);
  const t0 = performance.now();
  let k = 0;
  for await (const f of readFrames(info, { width: dSize.width, height: dSize.height, scaleFlags: 'bilinear' })) {
    const t = new Float32Array(3 * inSize.width * inSize.height);
    frameToTensor(f, inSize, manifest, t, 0);
    await model.run(t, [1, 3, inSize.height, inSize.width]);
    k++;
  }
  return k / ((performance.now() - t0) / 1000);
}

/** This process's CPU seconds (all threads) and its reaped children's (Linux /proc; zeros elsewhere). */
function cpuSeconds(): { self: number; children: number } {
  const u = process.cpuUsage();
  let children = 0;
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    // Not Linux: the ceiling then counts the model alone.
  }
  return { self: (u.user + u.system) / 1e6, children };
}

/** The decoder is reaped a moment after its last frame: wait until the children's CPU stops moving. */
async function settledCpuSeconds(): Promise<{ self: number; children: number }> {
  let last = cpuSeconds();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuSeconds();
    if (now.children === last.children && i >= 2) return now;
    last = now;
  }
  return last;
}

function makeLoop(minutes: number, dir: string): string {
  const out = join(dir, `cockatoo-${minutes}min.mp4`);
  // Stream copy: the loop is made in seconds and stays real 720p H.264.
  const r = spawnSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-stream_loop', '-1', '-i', COCKATOO, '-t', String(minutes * 60), '-an', '-c:v', 'copy', out]);
  if (r.status !== 0) throw new Error(`ffmpeg loop failed: ${r.stderr}`);
  return out;
}

function runChild(input: string, poses: boolean): Promise<{ frames: number; secs: number; maxRssMiB: number }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', input, poses ? '--poses' : ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`child exited ${code}`))));
  });
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args.includes('--poses'));
  const poses = args.includes('--poses');
  const mi = args.indexOf('--minutes');
  const minutes = mi >= 0 ? args[mi + 1].split(',').map(Number) : [1, 10];
  const rows: string[][] = [];
  const t = await throughput(!args.includes('--skip-long'));
  rows.push(['throughput: bare FastDepth (same preprocessed frames)', `${t.bare.toFixed(1)} fps`, t.device]);
  rows.push(['throughput: bare FastDepth with decoding (one process: ffmpeg to the model size + onnxruntime)', `${t.bareDecode.toFixed(1)} fps`, `ratio ${(t.bareDecode / t.bare).toFixed(2)} of the bare model`]);
  rows.push([`throughput: analyze cockatoo.mp4 (${t.frames} frames, .npy + preview)`, `${t.full.toFixed(1)} fps`, `ratio ${t.ratio.toFixed(2)} (target >= 0.8); ${(t.full / t.bareDecode).toFixed(2)} of bare with decoding`]);
  rows.push([`throughput: analyze cockatoo.mp4 (${t.frames} frames, cache only, as the app does)`, `${t.cache.toFixed(1)} fps`, `ratio ${t.cacheRatio.toFixed(2)} (target >= 0.8); ${(t.cache / t.bareDecode).toFixed(2)} of bare with decoding`]);
  rows.push([`throughput: analyze cockatoo.mp4 with its defaults (poses, fusion, field of view, outputs)`, `${t.dflt.toFixed(1)} fps`, `ratio ${(t.dflt / t.bareDecode).toFixed(2)} of bare with decoding (target >= 0.5); ${t.dfltRatio.toFixed(2)} of the bare model`]);
  if (t.long) {
    const { frames, bareDecode, dflt } = t.long;
    rows.push([`throughput: analyze with its defaults, cockatoo looped 3x (${frames} frames, 2 cuts)`, `${dflt.toFixed(1)} fps`, `ratio ${(dflt / bareDecode).toFixed(2)} of bare with decoding on it (${bareDecode.toFixed(1)} fps)`]);
    const h = t.long.tells;
    rows.push([`throughput: analyze with its defaults, tartanair-hospital as H.264 (${h.frames} frames ${h.width}x${h.height}; field of view ${h.fovDeg.toFixed(1)} deg, ${h.source})`, `${h.dflt.toFixed(1)} fps`, `ratio ${(h.dflt / h.bareDecode).toFixed(2)} of bare with decoding on it (${h.bareDecode.toFixed(1)} fps); told 90 deg: ${h.given.toFixed(1)} fps, ${(h.given / h.bareDecode).toFixed(2)}`]);
  }
  rows.push(['throughput: decode + scale alone (ffmpeg, no model)', `${t.decode.toFixed(1)} fps`, `${availableParallelism()} cores`]);
  rows.push([
    `ceiling: ${availableParallelism()} cores / CPU a frame (model ${t.cpuModelMs.toFixed(1)} ms + decode ${t.cpuDecodeMs.toFixed(1)} ms)`,
    `${t.ceiling.toFixed(1)} fps`,
    `ratio ${(t.ceiling / t.bare).toFixed(2)}`,
  ]);
  if (!args.includes('--skip-rss')) {
    const dir = await mkdtemp(join(tmpdir(), 'gemdepth-bench-clips-'));
    try {
      const rss: number[] = [];
      for (const m of minutes) {
        const clip = makeLoop(m, dir);
        const r = await runChild(clip, poses);
        rss.push(r.maxRssMiB);
        rows.push([`peak RSS: ${m}-minute 720p clip (${r.frames} frames, poses ${poses ? 'on' : 'off'})`, `${r.maxRssMiB.toFixed(0)} MiB`, `${(r.frames / r.secs).toFixed(1)} fps`]);
      }
      if (rss.length >= 2) {
        const growth = rss[rss.length - 1] / rss[0] - 1;
        rows.push(['peak RSS growth, longest vs shortest', `${(growth * 100).toFixed(1)} %`, 'target <= 15 %, < 1024 MiB']);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i])).join('  |  '));
}

await main();
