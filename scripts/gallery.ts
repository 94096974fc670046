/**
 * `npm run gallery`: every effect at its defaults and at two other settings, exported through the real
 * engine (cached FastDepth analysis, the export's own render and libx264 CRF 18 encode) on two shared clips,
 * with stills source | result in docs/gallery/ and the flat-area smoothness score (gallery/smoothness.ts)
 * printed as a multiple of a bare CRF 18 transcode of the same frames (the floor). Goal: <= 1.3x at the defaults.
 * Options: --only <effect>, --clip cockatoo|city, --defaults (only the defaults),
 * --settings 'a=1|b=2' (other settings of the --only effect), --full (also writes full-size consecutive result
 * frames to bench-out/gallery/ to look for flicker).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { probe } from '../src-main/engine/decode/probe.ts';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { effectIds, parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { openVideoEncoder } from '../src-main/engine/encode/video-encoder.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { runRender } from '../src-main/engine/jobs/render.ts';
import { resizeRgb } from '../src-main/engine/preprocess/resize.ts';
import type { EffectId } from '../src-main/common/effects/types.ts';
import { rms, smoothnessSum, type SmoothnessSum } from './gallery/smoothness.ts';
import { ROOT, SHARED, arg } from './script-env.ts';

const DOCS = join(ROOT, 'docs', 'gallery');
const WORK = join(ROOT, 'bench-out', 'gallery');
const CACHE = join(ROOT, 'bench-out', 'cache');

const CLIPS = [
  { id: 'cockatoo', file: 'cockatoo.mp4', start: 100, end: 130 },
  { id: 'city', file: 'cityCC0.mpg', start: 20, end: 40 },
];

/** Besides the defaults ('' = no parameters), two settings per effect that show what else it does. */
export const GALLERY_SETTINGS: Record<EffectId, string[]> = {
  fog: ['', 'density=4,start=0.3,color=#a0a8b8', 'heightFog=true,heightLevel=0,heightFalloff=6,density=3'],
  refocus: ['', 'autoFocus=false,focus=0.9,aperture=20,maxBlur=2.5', 'autoFocus=false,focus=0.05,aperture=40,maxBlur=4,blades=6,rotation=15,highlightGain=6,highlightThreshold=0.7'],
  relight: ['', 'pointIntensity=0,dirIntensity=1.2,dirDirection=-1;0.3;0.6,ambient=0.4', 'pointPosition=0.5;-0.3;0.1,pointIntensity=2.5,pointColor=#ffd0a0,spotAngle=60,spotDirection=-0.3;0.4;1'],
  isolate: ['', 'blur=1.5,exposure=-0.2,saturation=0.9,tintAmount=0', 'region=inside,exposure=0.4,saturation=1.3,tintAmount=0,softness=0.05'],
};
/** Half width of a still (source and result side by side). */
const STILL_HALF = 400;

function writeStill(path: string, src: Uint8Array, res: Uint8Array, W: number, H: number) {
  const h = Math.round((STILL_HALF * H) / W);
  const a = resizeRgb(src, W, H, STILL_HALF, h);
  const b = resizeRgb(res, W, H, STILL_HALF, h);
  const png = new PNG({ width: STILL_HALF * 2 + 4, height: h });
  png.data.fill(255);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < STILL_HALF; x++)
      for (const [img, x0] of [[a, 0], [b, STILL_HALF + 4]] as const) {
        const s = (y * STILL_HALF + x) * 3;
        const d = (y * png.width + x + x0) * 4;
        png.data[d] = img[s];
        png.data[d + 1] = img[s + 1];
        png.data[d + 2] = img[s + 2];
      }
  writeFileSync(path, PNG.sync.write(png));
}

function writeFull(path: string, rgb: Uint8Array, W: number, H: number) {
  const png = new PNG({ width: W, height: H });
  for (let i = 0; i < W * H; i++) {
    png.data[i * 4] = rgb[i * 3];
    png.data[i * 4 + 1] = rgb[i * 3 + 1];
    png.data[i * 4 + 2] = rgb[i * 3 + 2];
    png.data[i * 4 + 3] = 255;
  }
  writeFileSync(path, PNG.sync.write(png));
}

async function decodeAll(path: string): Promise<Uint8Array[]> {
  const info = await probe(path);
  const out: Uint8Array[] = [];
  for await (const f of readFrames(info)) out.push(f.data);
  return out;
}

interface Row {
  clip: string;
  effect: string;
  setting: string;
  score: number;
  multiple: number;
}

async function galleryClip(c: (typeof CLIPS)[number], effects: EffectId[], full: boolean, rows: Row[]) {
  const input = join(SHARED, 'clips', c.file);
  const info = await probe(input);
  await runAnalysis({ input, start: c.start, end: c.end, cacheDir: CACHE, preview: false });
  // The export's own size (yuv420p rounds odd sides up), so source and result are compared pixel for pixel.
  const W = info.width + (info.width % 2), H = info.height + (info.height % 2);
  const src: Uint8Array[] = [];
  for await (const f of readFrames(info, { start: c.start, end: c.end, width: W, height: H })) src.push(f.data);
  const score = (frames: Uint8Array[]) => {
    const acc: SmoothnessSum = { se: 0, n: 0 };
    frames.forEach((r, k) => smoothnessSum(src[k], r, W, H, acc));
    return rms(acc);
  };
  // The floor: the same frames through the same encoder with no effect.
  const barePath = join(WORK, `${c.id}-bare.mp4`);
  const enc = await openVideoEncoder(barePath, { width: W, height: H, frameRate: info.frameRate, crf: 18 });
  for (const f of src) await enc.write(f);
  await enc.finish();
  const floor = score(await decodeAll(barePath));
  rows.push({ clip: c.id, effect: 'bare CRF 18', setting: '', score: floor, multiple: 1 });
  const mid = Math.floor(src.length / 2);
  for (const effect of effects) {
    const settings = arg('--settings')?.split('|') ?? GALLERY_SETTINGS[effect];
    for (const [n, setting] of settings.entries()) {
      if (n > 0 && process.argv.includes('--defaults')) continue;
      const out = join(WORK, `${c.id}-${effect}-${n}.mp4`);
      await runRender({ input, out, start: c.start, end: c.end, effects: [parseEffectSpec(setting ? `${effect}:${setting}` : effect)], cacheDir: CACHE, replace: true });
      const res = await decodeAll(out);
      if (res.length !== src.length) throw new Error(`${out}: ${res.length} frames, expected ${src.length}`);
      const s = score(res);
      rows.push({ clip: c.id, effect, setting: setting || 'defaults', score: s, multiple: s / floor });
      writeStill(join(DOCS, `${c.id}-${effect}-${n}.png`), src[mid], res[mid], W, H);
      if (full) for (const k of [mid - 1, mid, mid + 1]) writeFull(join(WORK, `${c.id}-${effect}-${n}-f${c.start + k}.png`), res[k], W, H);
      if (n === 0 && effect === effects[0]) writeFull(join(WORK, `${c.id}-source-f${c.start + mid}.png`), src[mid], W, H);
      console.error(`${c.id} ${effect} ${setting || 'defaults'}: ${s.toFixed(3)} (${(s / floor).toFixed(2)}x floor)`);
    }
  }
}

/** docs/gallery/README.md: the score table and every still, as the last full run made them. */
function writeIndex(rows: Row[]) {
  const lines = [
    '# Effects gallery',
    '',
    'Made by `npm run gallery`: each effect exported through the engine (cached FastDepth analysis, libx264 CRF 18)',
    'on cockatoo.mp4 frames 100-130 and cityCC0.mpg frames 20-40; stills are source | result at the middle frame.',
    'Score: RMS over flat source areas (3x3 grey std < 2) of the change minus its 5x5 box blur, as a multiple of',
    'a bare CRF 18 transcode of the same frames (goal: <= 1.3x at the defaults).',
    '',
    '| clip | effect | setting | score (grey levels) | x floor |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.clip} | ${r.effect} | ${r.setting.replace(/\|/g, '/')} | ${r.score.toFixed(3)} | ${r.multiple.toFixed(2)} |`),
    '',
  ];
  for (const c of CLIPS)
    for (const e of effectIds())
      GALLERY_SETTINGS[e].forEach((setting, n) => lines.push(`**${c.id}, ${e}, ${setting || 'defaults'}**`, '', `![${c.id} ${e} ${n}](${c.id}-${e}-${n}.png)`, ''));
  writeFileSync(join(DOCS, 'README.md'), lines.join('\n'));
}

async function main() {
  const only = arg('--only');
  const clipArg = arg('--clip');
  const effects = only ? (only.split(',') as EffectId[]) : effectIds();
  for (const e of effects) if (!GALLERY_SETTINGS[e]) throw new Error(`--only ${e}: valid effects ${effectIds().join(', ')}`);
  mkdirSync(DOCS, { recursive: true });
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const rows: Row[] = [];
  for (const c of CLIPS) if (!clipArg || clipArg === c.id) await galleryClip(c, effects, process.argv.includes('--full'), rows);
  console.log('| clip | effect | setting | flat-area score (grey levels) | x floor |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.clip} | ${r.effect} | ${r.setting} | ${r.score.toFixed(3)} | ${r.multiple.toFixed(2)} |`);
  if (!only && !clipArg && !arg('--settings') && !process.argv.includes('--defaults')) writeIndex(rows);
  const bad = rows.filter((r) => r.setting === 'defaults' && r.multiple > 1.3);
  console.log(bad.length ? `\nabove 1.3x at defaults: ${bad.map((r) => `${r.effect} on ${r.clip}`).join(', ')}` : '\nevery effect at its defaults is within 1.3x of the floor');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
