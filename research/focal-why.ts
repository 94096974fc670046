/**
 * Why a clip's field of view is or is not told (not a test): `npx tsx research/focal-why.ts CLIP [FRAMES]`.
 * The model's depth from a raw analysis (cached in the OS temp folder), the held frames' corner
 * tracks (focal-tracks.ts), then the focal search on the first 48 and 96 frames and on FRAMES
 * (default: the whole clip), each with what every span said: how many corners moved as one rigid
 * scene, rotation only or full motion, how well a camera fits them, where its curve has its minimum.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { createFocalTracks } from '../src-main/engine/geometry/focal-tracks.ts';
import { estimateFocal } from '../src-main/engine/geometry/focal-search.ts';
import { trackingPyramid } from '../src-main/engine/geometry/image.ts';
import { inverseDepthOf } from '../src-main/common/depth.ts';
import { GEOMETRY_PARAMS } from '../src-main/engine/geometry/params.ts';

const [clip, limitArg] = process.argv.slice(2);
if (!clip) { console.error('usage: focal-why CLIP [FRAMES]'); process.exit(2); }
const r = await runAnalysis({ input: clip, poses: false, cacheDir: join(tmpdir(), 'gemdepth-focal-why'), device: 'cpu', preview: false });
const limit = Math.min(r.end - r.start + 1, Number(limitArg ?? Infinity));
const tracks = createFocalTracks();
let grid = { width: 1, height: 1 };
const report = (label: string) => {
  tracks.finish();
  const lines: string[] = [];
  const est = estimateFocal(tracks.spans, grid.width, grid.height, lines);
  console.log(`${label}: ${est.fovDeg.toFixed(1)} deg, confidence ${est.confidence.toFixed(2)} (${est.method ?? '-'})\n  ${lines.join('\n  ')}`);
};
let i = 0;
for await (const f of readFrames(r.info, { start: r.start, end: r.start + limit - 1, width: r.width, height: r.height, scaleFlags: 'bilinear' })) {
  const pyr = trackingPyramid(f.data, f.width, f.height, GEOMETRY_PARAMS.analysisWidth);
  grid = { width: pyr[0].width, height: pyr[0].height };
  const d = await r.readDepth(r.start + i), sx = d.width / pyr[0].width, sy = d.height / pyr[0].height;
  tracks.push(pyr, (x, y) => inverseDepthOf(d.data[Math.min(d.height - 1, Math.round(y * sy)) * d.width + Math.min(d.width - 1, Math.round(x * sx))], d.kind), r.start + i);
  i++;
  if (i === 48 || i === 96) report(`first ${i} frames`);
}
if (i !== 48 && i !== 96) report(`${i} frames`);
