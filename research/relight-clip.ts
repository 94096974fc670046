/**
 * What the relight research scripts share: a shared clip's frames with their depth prepared as export
 * prepares it (cached analysis, the clip's depth range, guided upsampling), and `--name value` arguments.
 * `--cache DIR` picks the analysis cache (default bench-out/cache, the benchmarks'); a clip not analysed
 * there is analysed first.
 */
import { join, resolve } from 'node:path';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { prepareDepth, type PreparedDepth } from '../src-main/engine/effects/apply.ts';
import { depthPlane } from '../src-main/engine/effects/upsample.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { clipDepthRange } from '../src-main/engine/jobs/depth-range.ts';
import { scaleIntrinsics } from '../src-main/common/camera/intrinsics.ts';
import type { Intrinsics, RgbFrame } from '../src-main/common/types.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SHARED = resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'));

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface RelightClip {
  info: Awaited<ReturnType<typeof probe>>;
  analysis: Awaited<ReturnType<typeof runAnalysis>>;
  /** The analysis intrinsics at the frames' size. */
  K: Intrinsics;
  frames: RgbFrame[];
  /** Each frame's depth (own copies: the kernels' depth plane is rewritten by the next frame). */
  preps: PreparedDepth[];
}

/** Frames start .. start + n - 1 of ../shared/clips/`clip` with their prepared depth. */
export async function loadClip(clip: string, start: number, n: number): Promise<RelightClip> {
  const input = join(SHARED, 'clips', clip);
  const info = await probe(input);
  const analysis = await runAnalysis({ input, cacheDir: arg('--cache') ?? join(ROOT, 'bench-out', 'cache'), preview: false });
  const range = await clipDepthRange(analysis);
  const { width: W, height: H } = info;
  const frames: RgbFrame[] = [];
  for await (const f of readFrames(info, { start, end: start + n - 1 })) frames.push(f);
  const preps: PreparedDepth[] = [];
  for (const f of frames) {
    const d = await analysis.readDepth(f.index);
    const pr = prepareDepth(d, f, range, false, depthPlane(W, H, d.width, d.height));
    preps.push({ ...pr, dist: new Float32Array(pr.dist), low: { ...pr.low, dist: new Float32Array(pr.low.dist) } });
  }
  return { info, analysis, K: scaleIntrinsics(analysis.intrinsics, W, H), frames, preps };
}
