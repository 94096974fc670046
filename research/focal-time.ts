/**
 * The field-of-view search's time on one clip's spans, alone (not a test):
 * `npx tsx research/focal-time.ts --save SPANS.json [CLIP]` tracks the clip's first 48 frames as the
 * calibrated stage does (the built-in model's depth under the corners) and saves the spans;
 * `npx tsx research/focal-time.ts SPANS.json` times one estimateFocal on them in this fresh process, as
 * the search's worker meets it (its compiles included), and prints the estimate to compare runs by.
 * FRAMES=96 saves that many frames' spans instead (the held frames extended, as when the first 48 cannot
 * tell); EXPLAIN=1 also prints the search's account of each span (what `explain` collects).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inverseDepthOf } from '../src-main/common/depth.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { createFocalTracks, type FocalSpan } from '../src-main/engine/geometry/focal-tracks.ts';
import { estimateFocal } from '../src-main/engine/geometry/focal-search.ts';
import { trackingPyramid } from '../src-main/engine/geometry/image.ts';
import { openFrameDepthModel } from './eval/depth-model.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const FRAMES = Number(process.env.FRAMES ?? 48), WIDTH = 256;

if (args[0] === '--save') {
  const clip = args[2] ?? join(resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared')), 'clips', 'cockatoo.mp4');
  const model = await openFrameDepthModel('fastdepth');
  const tracks = createFocalTracks();
  let size = { width: 0, height: 0 };
  try {
    const info = await probe(clip);
    for await (const rgb of readFrames(info, { width: WIDTH, end: Math.min(FRAMES, info.frameCount - 1) })) {
      const d = await model.predict(rgb);
      const pyr = trackingPyramid(rgb.data, rgb.width, rgb.height, WIDTH);
      size = { width: pyr[0].width, height: pyr[0].height };
      const sx = d.width / pyr[0].width, sy = d.height / pyr[0].height;
      tracks.push(pyr, (x, y) => inverseDepthOf(d.data[Math.min(d.height - 1, Math.round(y * sy)) * d.width + Math.min(d.width - 1, Math.round(x * sx))], d.kind), rgb.index);
    }
  } finally {
    await model.close();
  }
  tracks.finish();
  const arr = (a: ArrayLike<number>) => Array.from(a);
  const spans = tracks.spans.map((s) => ({ start: s.start, ref: arr(s.ref), q0: arr(s.q0), views: s.views.map(arr), viewDepth: s.viewDepth.map(arr) }));
  writeFileSync(args[1], JSON.stringify({ ...size, spans }));
  console.log(`${spans.length} spans of ${clip} (${size.width} x ${size.height}) -> ${args[1]}`);
} else {
  const saved = JSON.parse(readFileSync(args[0], 'utf8')) as { width: number; height: number; spans: { start: number; ref: number[]; q0: number[]; views: number[][]; viewDepth: number[][] }[] };
  const spans: FocalSpan[] = saved.spans.map((s) => ({
    start: s.start, ref: Float32Array.from(s.ref), q0: Float64Array.from(s.q0), views: s.views.map((v) => Float32Array.from(v)), viewDepth: s.viewDepth.map((v) => Float32Array.from(v)),
  }));
  const c0 = process.cpuUsage(), t0 = performance.now();
  const explain: string[] | undefined = process.env.EXPLAIN ? [] : undefined;
  const est = estimateFocal(spans, saved.width, saved.height, explain);
  const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
  if (explain) console.log(`${explain.join('\n')}\n${JSON.stringify(est)}`);
  console.log(`estimateFocal: ${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; fov ${est.fovDeg} (${JSON.stringify(est).length} chars of estimate)`);
}
