/**
 * Field-of-view benchmark (not a test): `npm run bench:fov [-- --colmap] [--clips a,b] [--no-datasets]`.
 * For each shared clip, the default analysis (nothing told about the camera) and the field of view it
 * estimated, its confidence and source; with --colmap, COLMAP's own estimate on the same clip (an
 * independent reference: SIFT, sequential matching, incremental mapping with one shared camera whose
 * focal length the bundle adjustment refines). Then the datasets with ground truth (tartanair-hospital,
 * kinect-room-5) through the eval harness with --default-fov: estimated against true field of view, ATE.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { resolveFfmpeg } from '../src-main/engine/decode/ffmpeg-path.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { convertDataset } from './eval/convert.ts';
import { runEval } from './eval/run-eval.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const SHARED = resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'));
const CLIPS = ['cityCC0.mpg', 'cockatoo.mp4', 'realshort.mp4', 'tree.avi'];
const DATASETS = ['tartanair-hospital', 'kinect-room-5'];
/** COLMAP's frames: at most this many, at most this wide (its CPU matcher is slow). */
const COLMAP_FRAMES = 80;
const COLMAP_WIDTH = 640;

const refinedOf = (r?: { fovDeg: number; confidence: number }) => (r ? `${r.fovDeg.toFixed(1)} (${r.confidence.toFixed(2)})` : '-');
const fovOf = (f: number, width: number) => (360 / Math.PI) * Math.atan(width / 2 / f);

/** COLMAP's field of view for the clip's frames start..end (inclusive), or why there is none. */
async function colmapFov(input: string, start: number, end: number, scratch: string): Promise<{ fovDeg: number; images: number; of: number } | string> {
  const images = join(scratch, 'images');
  await mkdir(images, { recursive: true });
  const step = Math.max(1, Math.ceil((end - start + 1) / COLMAP_FRAMES));
  const { ffmpeg } = resolveFfmpeg();
  const filter = `select='between(n\\,${start}\\,${end})*not(mod(n-${start}\\,${step}))',scale='min(${COLMAP_WIDTH},iw)':-2`;
  const ff = spawnSync(ffmpeg, ['-v', 'error', '-i', input, '-vf', filter, '-vsync', '0', join(images, '%04d.png')]);
  if (ff.status !== 0) return `ffmpeg failed: ${ff.stderr.toString().trim().split('\n').pop()}`;
  const of = readdirSync(images).length;
  const db = join(scratch, 'db.db'), sparse = join(scratch, 'sparse');
  await mkdir(sparse);
  const steps: string[][] = [
    ['feature_extractor', '--database_path', db, '--image_path', images, '--ImageReader.single_camera', '1', '--ImageReader.camera_model', 'SIMPLE_RADIAL', '--SiftExtraction.use_gpu', '0', '--SiftExtraction.max_num_features', '4000'],
    ['sequential_matcher', '--database_path', db, '--SiftMatching.use_gpu', '0', '--SequentialMatching.overlap', '10'],
    ['mapper', '--database_path', db, '--image_path', images, '--output_path', sparse, '--Mapper.ba_refine_focal_length', '1'],
  ];
  for (const args of steps) {
    const r = spawnSync('colmap', args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
    if (r.error) return `colmap not runnable (${r.error.message}): apt-get install colmap`;
    if (r.status !== 0) return `colmap ${args[0]} failed`;
  }
  // The largest of the models the mapper made is the shot's reconstruction.
  let best: { fovDeg: number; images: number } | null = null;
  for (const m of existsSync(sparse) ? readdirSync(sparse) : []) {
    const txt = join(scratch, `txt-${m}`);
    await mkdir(txt);
    if (spawnSync('colmap', ['model_converter', '--input_path', join(sparse, m), '--output_path', txt, '--output_type', 'TXT']).status !== 0) continue;
    const cam = readFileSync(join(txt, 'cameras.txt'), 'utf8').split('\n').find((l) => l && !l.startsWith('#'))?.split(' ');
    const n = readFileSync(join(txt, 'images.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length / 2;
    if (cam && (!best || n > best.images)) best = { fovDeg: fovOf(Number(cam[4]), Number(cam[2])), images: n };
  }
  return best ? { ...best, of } : 'COLMAP reconstructed nothing';
}

const program = new Command()
  .name('bench:fov')
  .option('--colmap', 'also run COLMAP on each clip (slow: minutes a clip on a CPU)')
  .option('--clips <list>', 'comma-separated clip names in ../shared/clips', (v) => v.split(','), CLIPS)
  .option('--no-datasets', 'skip the datasets with ground truth')
  .action(async (o: { colmap?: boolean; clips: string[]; datasets: boolean }) => {
    const scratch = await mkdtemp(join(tmpdir(), 'gemdepth-bench-fov-'));
    const rows: string[][] = [['clip', 'frames', 'our FOV (deg)', 'confidence', 'source', 'refined (deg, conf)', 'shots', 'COLMAP FOV (deg)', 'warnings']];
    const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
    try {
      for (const name of o.clips) {
        const input = join(SHARED, 'clips', name);
        const t0 = performance.now();
        const r = await runAnalysis({ input, cacheDir: join(scratch, 'cache'), device: 'cpu' });
        const secs = (performance.now() - t0) / 1000;
        const shots = new Set(r.shotIds ?? []).size;
        let ref = '';
        if (o.colmap) {
          // One reconstruction per shot: COLMAP cannot join the two sides of a cut either.
          const bounds: [number, number][] = [];
          (r.shotIds ?? [0]).forEach((s, i) => { if (!i || s !== r.shotIds![i - 1]) bounds.push([i, i]); else bounds[bounds.length - 1][1] = i; });
          const parts: string[] = [];
          for (const [k, [a, b]] of bounds.entries()) {
            if (b - a < 8) continue;
            const c = await colmapFov(input, r.start + a, r.start + b, join(scratch, `colmap-${name}-${k}`));
            parts.push(typeof c === 'string' ? c : `${f1(c.fovDeg)} (${c.images}/${c.of} images)`);
          }
          ref = parts.join('; ');
        }
        rows.push([name, `${r.end - r.start + 1} (${secs.toFixed(0)} s)`, f1(r.camera.fovDeg), r.camera.confidence.toFixed(2), r.camera.source, refinedOf(r.camera.refinedFovDeg === undefined ? undefined : { fovDeg: r.camera.refinedFovDeg, confidence: r.camera.refinedConfidence ?? 0 }), String(shots), ref, r.camera.warnings.join(' | ')]);
        console.error(`${name}: done`);
      }
      if (o.datasets) {
        for (const ds of DATASETS) {
          const dir = join(scratch, ds);
          await convertDataset(join(SHARED, 'datasets', ds), dir);
          const r = await runEval(dir, { defaultFov: true, mvs: false });
          rows.push([`${ds} (true ${f1(r.trueFovDeg)})`, String(r.estimatedPoses.length), f1(r.camera.fovDeg), r.camera.confidence.toFixed(2), r.camera.source, refinedOf(r.camera.refined), '', `ATE ${(100 * r.poses.ate / r.poses.pathLength).toFixed(2)}% of the path`, r.camera.warnings.join(' | ')]);
          console.error(`${ds}: done`);
        }
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    const w = rows[0].map((_c, k) => Math.max(...rows.map((r) => r[k].length)));
    for (const r of rows) console.log(r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]))).join('  '));
  });

program.parseAsync().catch((e) => {
  console.error(e);
  process.exit(1);
});

