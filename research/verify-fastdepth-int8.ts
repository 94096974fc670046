/**
 * How the built-in int8 FastDepth (models/fastdepth-int8.onnx) compares with the shared fp32 ONNX it must
 * agree with, and how both score against ground truth:
 *
 *   node --import tsx research/verify-fastdepth-int8.ts [--frames N] [--every N] [--threads N] [--skip-clips] [--skip-gt] [--reps N]
 *
 * 1. Agreement on real footage: N frames spread over each shared clip, both models at 224x224 (the size the
 *    product runs), Pearson r, mean |int8 - fp32| in metres and mean |int8 - fp32| / fp32.
 * 2. Ground truth (../shared/datasets, DATASETS.md protocol: one disparity scale+shift per sequence, AbsRel
 *    and delta1 per frame), at 224x224 and, for the dynamic-size file, aspect-kept 224x288; also the
 *    metric AbsRel without any alignment (FastDepth predicts metres).
 * 3. Speed: onnxruntime-node CPU, both sessions in this one run, interleaved, median ms a frame.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { probe } from '../src-main/engine/decode/probe.ts';
import { readFrame } from '../src-main/engine/decode/frame-reader.ts';
import { rgbToPlanar } from '../src-main/engine/preprocess/normalize.ts';
import { resizePlane } from '../src-main/engine/preprocess/resize.ts';
import type { Intrinsics, Mat4, RgbFrame } from '../src-main/common/types.ts';
import { depthAgreement } from './eval/depth-agreement.ts';
import { frameErrors, scoreDepth } from './eval/metrics.ts';

const ROOT = join(import.meta.dirname, '..');
const SHARED = process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared');
const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const FRAMES = arg('--frames', 8);
const THREADS = arg('--threads', 1);
/** TartanAir: every Nth of its 189 frames (the Kinect set has 5). */
const EVERY = arg('--every', 1);
const REPS = arg('--reps', 30);

type Size = { width: number; height: number };
interface Net { name: string; session: ort.InferenceSession }

async function open(name: string, path: string): Promise<Net> {
  return { name, session: await ort.InferenceSession.create(path, { intraOpNumThreads: THREADS, interOpNumThreads: 1 }) };
}

/** Metric depth at the network's size for one RGB frame, input resized bilinearly as the engine does. */
async function predict(net: Net, f: RgbFrame, size: Size): Promise<Float32Array> {
  const x = new Float32Array(3 * size.width * size.height);
  rgbToPlanar(f.data, f.width, f.height, size.width, size.height, 'unit', x, 0);
  const r = await net.session.run({ input: new ort.Tensor('float32', x, [1, 3, size.height, size.width]) });
  return r.depth.data as Float32Array;
}

const fmt = (v: number, d = 4) => v.toFixed(d);

async function clipAgreement(fp32: Net, int8: Net): Promise<void> {
  const dir = join(SHARED, 'clips');
  const size = { width: 224, height: 224 };
  console.log(`\n1. int8 vs fp32 on the shared clips, ${FRAMES} frames each, 224x224`);
  console.log('clip                 pearson  meanAbsDiff_m  absRel(int8 vs fp32)  mean_fp32_m  mean_int8_m');
  const all: number[][] = [];
  for (const name of readdirSync(dir).filter((n) => /\.(mp4|avi|mpg|mov)$/.test(n)).sort()) {
    const info = await probe(join(dir, name));
    const rows: number[][] = [];
    for (let k = 0; k < FRAMES; k++) {
      const index = Math.round(((k + 0.5) * (info.frameCount - 1)) / FRAMES);
      const f = await readFrame(info, index, { width: 298 });
      const a = await predict(fp32, f, size);
      const b = await predict(int8, f, size);
      const s = depthAgreement(b, a);
      rows.push([s.pearson, s.meanAbsDiff, s.absRel, s.meanRef, s.meanOther]);
    }
    const m = rows[0].map((_, j) => rows.reduce((t, r) => t + r[j], 0) / rows.length);
    const worst = Math.min(...rows.map((r) => r[0]));
    all.push(...rows);
    console.log(`${name.padEnd(20)} ${fmt(m[0])}   ${fmt(m[1])}         ${fmt(m[2])}               ${fmt(m[3], 3)}        ${fmt(m[4], 3)}   (lowest r ${fmt(worst)})`);
  }
  const m = all[0].map((_, j) => all.reduce((t, r) => t + r[j], 0) / all.length);
  console.log(`${'all'.padEnd(20)} ${fmt(m[0])}   ${fmt(m[1])}         ${fmt(m[2])}               (lowest r ${fmt(Math.min(...all.map((r) => r[0])))}, highest absRel ${fmt(Math.max(...all.map((r) => r[2])))})`);
}

function readPng(path: string): PNG {
  return PNG.sync.read(readFileSync(path), { skipRescale: true } as object);
}

function rgbOf(png: PNG, index: number): RgbFrame {
  const n = png.width * png.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = png.data[i * 4 + c];
  return { index, time: index, width: png.width, height: png.height, data };
}

/** 16-bit binary PGM (big-endian), as the Kinect set stores depth. */
function readPgm16(path: string): { width: number; height: number; data: Uint16Array } {
  const buf = readFileSync(path);
  const head = buf.subarray(0, 64).toString('latin1').match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!head) throw new Error(`${path}: not a binary PGM`);
  const [width, height] = [Number(head[1]), Number(head[2])];
  const data = new Uint16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = buf.readUInt16BE(head[0].length + 2 * i);
  return { width, height, data };
}

interface Seq { name: string; cap: number; K: Intrinsics; frames: () => Iterable<{ rgb: RgbFrame; gt: Float32Array }> }

function datasets(): Seq[] {
  const tartan = join(SHARED, 'datasets', 'tartanair-hospital');
  const kinect = join(SHARED, 'datasets', 'kinect-room-5');
  const tNames = readdirSync(join(tartan, 'rgb')).filter((n) => n.endsWith('.png')).sort();
  return [
    {
      name: 'kinect-room-5', cap: 10,
      K: { fx: 518, fy: 519, cx: 325.5, cy: 253.5, width: 640, height: 480 },
      *frames() {
        for (let i = 1; i <= 5; i++) {
          const d = readPgm16(join(kinect, 'depth', `${i}.pgm`));
          yield { rgb: rgbOf(readPng(join(kinect, 'color', `${i}.png`)), i), gt: Float32Array.from(d.data, (v) => v / 1000) };
        }
      },
    },
    {
      name: 'tartanair-hospital', cap: 70,
      K: { fx: 320, fy: 320, cx: 320, cy: 240, width: 640, height: 480 },
      *frames() {
        for (let i = 0; i < tNames.length; i += EVERY) {
          const d = readPng(join(tartan, 'depth_mm', tNames[i]));
          // 16-bit grey, expanded by pngjs to 4 samples a pixel
          const mm = d.data as unknown as Uint16Array;
          yield { rgb: rgbOf(readPng(join(tartan, 'rgb', tNames[i])), i), gt: Float32Array.from({ length: d.width * d.height }, (_, p) => mm[4 * p] / 1000) };
        }
      },
    },
  ];
}

async function groundTruth(nets: [Net, Size][]): Promise<void> {
  console.log('\n2. against ground truth (DATASETS.md: one disparity scale+shift per sequence; metric: no alignment)');
  console.log('dataset              model                      size      AbsRel  delta1  metricAbsRel');
  for (const seq of datasets()) {
    const preds: { data: Float32Array; width: number; height: number }[][] = nets.map(() => []);
    const metric = nets.map(() => 0);
    const gts: Float32Array[] = [];
    for (const { rgb, gt } of seq.frames()) {
      gts.push(gt);
      for (let k = 0; k < nets.length; k++) {
        const [net, size] = nets[k];
        const d = await predict(net, rgb, size);
        const inv = Float32Array.from(d, (v) => 1 / Math.max(v, 0.05));
        preds[k].push({ data: inv, width: size.width, height: size.height });
        metric[k] += frameErrors(resizePlane(d, size.width, size.height, seq.K.width, seq.K.height), gt, seq.cap).absRel;
      }
    }
    const I: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] as unknown as Mat4;
    for (let k = 0; k < nets.length; k++) {
      const s = scoreDepth(preds[k], gts, seq.K, gts.map(() => I), seq.cap, 1 / 0.1);
      const [net, size] = nets[k];
      console.log(`${seq.name.padEnd(20)} ${net.name.padEnd(28)} ${`${size.height}x${size.width}`.padEnd(9)} ${fmt(s.absRel)}  ${fmt(s.delta1)}  ${fmt(metric[k] / gts.length)}`);
    }
  }
}

async function speed(nets: [Net, Size][]): Promise<void> {
  const f = rgbOf(readPng(join(SHARED, 'datasets', 'kinect-room-5', 'color', '1.png')), 0);
  const times: number[][] = nets.map(() => []);
  const cpu: number[][] = nets.map(() => []);
  for (const [net, size] of nets) await predict(net, f, size);
  for (let rep = 0; rep < REPS; rep++) {
    for (let k = 0; k < nets.length; k++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await predict(nets[k][0], f, nets[k][1]);
      const c = process.cpuUsage(c0);
      times[k].push(performance.now() - t0);
      cpu[k].push((c.user + c.system) / 1000);
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const ref = median(times[0]);
  const refMin = Math.min(...times[0]);
  const refCpu = median(cpu[0]);
  // On a shared machine wall time mostly measures the other work: the fastest run is the least disturbed one,
  // and the process's CPU time (all onnxruntime threads) is what the model itself costs.
  console.log(`\n3. speed, onnxruntime-node CPU, ${THREADS} thread(s), ${REPS} interleaved runs each (includes preprocessing)`);
  for (let k = 0; k < nets.length; k++) {
    const m = median(times[k]);
    const lo = Math.min(...times[k]);
    const c = median(cpu[k]);
    console.log(`${nets[k][0].name.padEnd(28)} ${`${nets[k][1].height}x${nets[k][1].width}`.padEnd(9)} median ${m.toFixed(1)} ms (${(m / ref).toFixed(2)}x row 1), fastest ${lo.toFixed(1)} ms (${(lo / refMin).toFixed(2)}x), CPU ${c.toFixed(1)} ms (${(c / refCpu).toFixed(2)}x)`);
  }
}

const fd = join(SHARED, 'models', 'fastdepth');
const fp32 = await open('fp32 fastdepth-224.onnx', join(fd, 'fastdepth-224.onnx'));
const fp32dyn = await open('fp32 fastdepth-dynamic.onnx', join(fd, 'fastdepth-dynamic.onnx'));
const int8 = await open('int8 fastdepth-int8.onnx', join(ROOT, 'models', 'fastdepth-int8.onnx'));
const square = { width: 224, height: 224 };
const aspect = { width: 288, height: 224 };
if (!process.argv.includes('--skip-clips')) await clipAgreement(fp32, int8);
if (!process.argv.includes('--skip-gt')) await groundTruth([[fp32, square], [int8, square], [fp32dyn, aspect], [int8, aspect]]);
await speed([[fp32, square], [int8, square], [fp32dyn, aspect], [int8, aspect]]);
