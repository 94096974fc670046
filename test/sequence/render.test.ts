import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrames } from '../../src-main/engine/decode/frame-reader.ts';
import { importOtio } from '../../src-main/engine/otio/index.ts';
import { runRender } from '../../src-main/engine/jobs/render.ts';
import { loadEffectStack } from '../../src-main/common/effects/stack.ts';
import { emptyProject, placeClip, placed, setInstanceEffects, trimInstance, type ProjectDoc } from '../../src-main/engine/project/index.ts';
import { runSequenceRender } from '../../src-main/engine/jobs/render-sequence.ts';
import type { VideoInfo } from '../../src-main/common/types.ts';
import { psnr } from '../effects/fixture.ts';
import { clip } from '../helpers/shared.ts';
import { ffprobeJson, tempDir } from '../helpers/tools.ts';
import { CUT_FRAMES, writeCut } from './cut.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('gd-seq-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function framesOf(info: VideoInfo, wanted: number[], size?: { width: number; height: number }) {
  const out = new Map<number, Uint8Array>();
  for (const i of wanted) for await (const f of readFrames(info, { start: i, end: i, ...size })) out.set(i, f.data.slice());
  return out;
}

const maxOf = (a: Uint8Array) => a.reduce((m, v) => (v > m ? v : m), 0);

/** Rows of the 1280x720 frame between x0 and x0 + w (where a letterboxed picture sits). */
function crop(rgb: Uint8Array, W: number, x0: number, w: number, H: number): Uint8Array {
  const out = new Uint8Array(w * H * 3);
  for (let y = 0; y < H; y++) out.set(rgb.subarray((y * W + x0) * 3, (y * W + x0 + w) * 3), y * w * 3);
  return out;
}

describe('sequence export', () => {
  it('renders an OTIO cut of two cockatoo ranges, a gap and realshort (another size and rate) frame-exactly, with audio', async () => {
    const { doc, warnings } = await importOtio(await writeCut(dir));
    expect(warnings).toEqual([]);
    const out = join(dir, 'cut.mp4');
    const r = await runSequenceRender({ doc, out, crf: 12 });
    expect(r.frames).toBe(CUT_FRAMES);

    const meta = await ffprobeJson(out, ['-count_packets', '-show_streams', '-show_format']);
    const v = meta.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    const a = meta.streams.find((s: { codec_type: string }) => s.codec_type === 'audio');
    expect([v.width, v.height, Number(v.nb_read_packets), v.r_frame_rate]).toEqual([1280, 720, CUT_FRAMES, '20/1']);
    expect(a).toBeDefined();
    expect(Math.abs(Number(a.duration) - CUT_FRAMES / 20)).toBeLessThan(0.1);

    const got = await framesOf(await probe(out), [0, 39, 40, 69, 70, 74, 75, 90]);
    const bird = await framesOf(await probe(clip('cockatoo.mp4')), [29, 30, 31, 68, 69, 149, 150, 179, 180]);
    const deskInfo = await probe(clip('realshort.mp4'));
    // realshort is 4:3 in a 16:9 frame: fit = 960x720 centred, black bars of 160 px.
    const desk = await framesOf(deskInfo, [4, 5, 6, 27], { width: 960, height: 720 });
    const p = (o: number, s: Uint8Array) => psnr(got.get(o)!, s);
    const report = {
      first: [p(0, bird.get(30)!), p(0, bird.get(29)!), p(0, bird.get(31)!)],
      cut1: [p(39, bird.get(69)!), p(39, bird.get(68)!)],
      cut2: [p(40, bird.get(150)!), p(40, bird.get(149)!), p(40, bird.get(69)!)],
      last2: [p(69, bird.get(179)!), p(69, bird.get(180)!)],
    };
    console.log('PSNR dB (named frame, neighbours):', JSON.stringify(report));
    // Each output frame is the source frame it names, and clearly not its neighbour.
    for (const [named, ...others] of Object.values(report)) {
      expect(named).toBeGreaterThan(38);
      for (const o of others) expect(named - o).toBeGreaterThan(3);
    }
    // The gap is black, the realshort part letterboxed, and its frames picked by time (30 fps under 20).
    expect(maxOf(got.get(70)!)).toBeLessThan(24);
    expect(maxOf(got.get(74)!)).toBeLessThan(24);
    const inner = (o: number) => crop(got.get(o)!, 1280, 160, 960, 720);
    const d75 = [psnr(inner(75), desk.get(5)!), psnr(inner(75), desk.get(4)!), psnr(inner(75), desk.get(6)!)];
    const d90 = psnr(inner(90), desk.get(27)!);
    console.log('realshort PSNR dB: frame 75 vs 5/4/6', d75, 'frame 90 vs 27', d90);
    expect(d75[0]).toBeGreaterThan(35);
    expect(d75[0] - Math.max(d75[1], d75[2])).toBeGreaterThan(3);
    expect(d90).toBeGreaterThan(35);
    const bar = crop(got.get(75)!, 1280, 0, 150, 720);
    expect(maxOf(bar)).toBeLessThan(24);
  }, 240_000);

  it('applies each instance\'s own effects: the fogged instance matches a one-clip export, the plain one its source', async () => {
    const deskPath = clip('realshort.mp4');
    const info = await probe(deskPath);
    const fog = loadEffectStack([{ effect: 'fog', params: { density: 2.5 } }]);
    const c = { id: 'd', path: deskPath, name: 'realshort.mp4', fingerprint: null, frameCount: info.frameCount, fps: info.fps, width: 320, height: 240, in: 0, out: 35, effects: [] };
    let doc: ProjectDoc = { ...emptyProject('fx'), clips: [c] };
    doc = trimInstance(placeClip(doc, 'd', 0, 'plain'), 'plain', 'out', 12);
    doc = placeClip(doc, 'd', 12, 'fogged');
    doc = trimInstance(trimInstance(doc, 'fogged', 'in', 20), 'fogged', 'out', 30);
    // Non-ripple in-trim: the instance starts later, its source too (frames 8.. of the clip at 20..).
    const [a, b] = placed(doc);
    expect([a.inst.in, a.inst.out, a.start, a.end, b.inst.in, b.inst.out, b.start, b.end]).toEqual([0, 11, 0, 12, 8, 17, 20, 30]);
    doc = setInstanceEffects(doc, 'fogged', fog);
    const cacheDir = join(dir, 'cache');
    const out = join(dir, 'fx.mp4');
    const r = await runSequenceRender({ doc, out, crf: 10, cacheDir, threads: 1 });
    expect(r.frames).toBe(30);
    const one = join(dir, 'one.mp4');
    await runRender({ input: deskPath, out: one, effects: fog, start: 8, end: 17, crf: 10, cacheDir, threads: 1 });
    const got = await framesOf(await probe(out), [5, 15, 20, 29]);
    const ref = await framesOf(await probe(one), [0, 9]);
    const src = await framesOf(info, [5, 8, 17]);
    const plain = psnr(got.get(5)!, src.get(5)!);
    const fogged = [psnr(got.get(20)!, ref.get(0)!), psnr(got.get(29)!, ref.get(9)!)];
    const vsSource = psnr(got.get(20)!, src.get(8)!);
    console.log('plain vs source', plain, 'fogged vs one-clip export', fogged, 'fogged vs source', vsSource);
    expect(plain).toBeGreaterThan(38);
    for (const f of fogged) expect(f).toBeGreaterThan(38);
    expect(vsSource).toBeLessThan(30);
    expect(maxOf(got.get(15)!)).toBeLessThan(24);
  }, 240_000);
});
