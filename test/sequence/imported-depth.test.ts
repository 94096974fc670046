import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEffectStack } from '../../src-main/common/effects/stack.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { encodeNpy } from '../../src-main/engine/encode/npy.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { runSequenceRender } from '../../src-main/engine/jobs/render-sequence.ts';
import { emptyProject, placeClip, setInstanceEffects, type ProjectDoc } from '../../src-main/engine/project/index.ts';
import type { VideoInfo } from '../../src-main/common/types.ts';
import { psnr } from '../effects/fixture.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';

/**
 * A clip with imported depth exports from a sequence with that depth, as a one-clip export and the
 * preview do: a pass with the left half near (1 m) and the right half far (8 m) fogs the right half
 * of realshort.mp4 and leaves the left half clear, and the cut's frames match the one-clip export's.
 */
const W = 320, H = 240, N = 36;
let dir: string;
beforeAll(async () => {
  dir = await tempDir('gd-seq-depth-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function frameOf(info: VideoInfo, i: number): Promise<Uint8Array> {
  for await (const f of readFrames(info, { start: i, end: i })) return f.data.slice();
  throw new Error(`no frame ${i}`);
}

/** Mean absolute change from the source over the columns [x0, x1). */
function change(a: Uint8Array, b: Uint8Array, x0: number, x1: number): number {
  let s = 0, n = 0;
  for (let y = 0; y < H; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++, n++) s += Math.abs(a[(y * W + x) * 3 + c] - b[(y * W + x) * 3 + c]);
  return s / n;
}

describe('sequence export with imported depth', () => {
  it('uses the clip\'s imported pass', async () => {
    const input = clip('realshort.mp4');
    const info = await probe(input);
    const pass = join(dir, 'pass');
    mkdirSync(pass);
    const d = Float32Array.from({ length: W * H }, (_, i) => (i % W < W / 2 ? 1 : 8));
    for (let k = 0; k < N; k++) writeFileSync(join(pass, `d_${String(k).padStart(3, '0')}.npy`), encodeNpy(d, [H, W]));
    const fog = loadEffectStack([{ effect: 'fog', params: { density: 2.5 } }]);
    const c = { id: 'd', path: input, name: 'realshort.mp4', fingerprint: null, frameCount: info.frameCount, fps: info.fps, width: W, height: H, in: 0, out: N - 1, effects: [], depth: { from: pass, unit: 'metric' as const } };
    let doc: ProjectDoc = { ...emptyProject('imported'), clips: [c] };
    doc = setInstanceEffects(placeClip(doc, 'd', 0, 'a'), 'a', fog);
    const cacheDir = join(dir, 'cache');
    const out = join(dir, 'cut.mp4');
    expect((await runSequenceRender({ doc, out, crf: 10, cacheDir, threads: 1 })).frames).toBe(N);
    const one = join(dir, 'one.mp4');
    await runRender({ input, out: one, effects: fog, crf: 10, cacheDir, threads: 1, depthFrom: pass, depthUnit: 'metric' });
    const [cut, ref] = [await probe(out), await probe(one)];
    for (const k of [3, 30]) {
      const got = await frameOf(cut, k), src = await frameOf(info, k);
      const near = change(got, src, 0, W / 2 - 8), far = change(got, src, W / 2 + 8, W);
      const vsOne = psnr(got, await frameOf(ref, k));
      console.log(`frame ${k}: change near ${near.toFixed(1)}, far ${far.toFixed(1)} levels; cut vs one-clip export ${vsOne.toFixed(1)} dB`);
      expect(far).toBeGreaterThan(3 * near + 5);
      expect(vsOne).toBeGreaterThan(38);
    }
  }, 300_000);
});
