import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEffectStack } from '../../src-main/common/effects/stack.ts';
import { importOtio, writeOtio } from '../../src-main/engine/otio/index.ts';
import { addMarker, placed, setInstanceEffects, splitAt, writeProject, type ProjectDoc } from '../../src-main/engine/project/index.ts';
import { clip } from '../helpers/shared.ts';
import { ffprobeJson, runCli, tempDir } from '../helpers/tools.ts';
import { cutJson, writeCut } from './cut.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('gd-otio-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// As the app stores them: every parameter filled in (the effects module's own loader).
const fog = loadEffectStack([{ effect: 'fog', params: { density: 1.5, color: '#c8d0e0' }, keyframes: { density: [{ t: 1.6, value: 0.2 }, { t: 3, value: 2, ease: 'ease-in' }] } }])[0];
const relight = { effect: 'relight', params: { strength: 0.7 } };

/** What a cut is, independent of ids: media, source range, place, effects, audio link. */
const shape = (d: ProjectDoc) =>
  placed(d).map((p) => ({ path: p.clip.path, in: p.inst.in, out: p.inst.out, start: p.start, end: p.end, effects: p.inst.effects, audio: p.inst.audioLinked }));

describe('OpenTimelineIO', () => {
  it('reads another tool\'s cut: Clip.1 and Clip.2 references, ranges at any rate, gaps, effects from metadata.gemdepth', async () => {
    const { doc } = await importOtio(await writeCut(dir, cutJson({ effects: [relight] }), 'in.otio'));
    expect(doc.clips.map((c) => c.name)).toEqual(['cockatoo.mp4', 'realshort.mp4']);
    expect(shape(doc).map(({ in: i, out, start, end }) => [i, out, start, end])).toEqual([[30, 69, 0, 40], [150, 179, 40, 70], [5, 28, 75, 91]]);
    expect(doc.sequence.settings).toEqual({ width: 1280, height: 720, frameRate: { num: 20, den: 1 }, conform: 'fit' });
    // Effect stacks are checked and completed with defaults, as presets are.
    expect((doc.sequence.video[1].effects[0] as { effect: string; params: Record<string, unknown> }).params.strength).toBe(0.7);
    expect(doc.sequence.video[0].effects).toEqual([]);
  });

  it('round-trips project -> OTIO -> project keeping clips, ranges, places, effect stacks, markers and settings', async () => {
    let { doc } = await importOtio(await writeCut(dir, cutJson(), 'rt-in.otio'));
    doc = splitAt(doc, 20, 'half');
    doc = setInstanceEffects(doc, 'half', [fog]);
    doc = addMarker(doc, 33, 'beat');
    doc = { ...doc, sequence: { ...doc.sequence, settings: { ...doc.sequence.settings!, conform: 'fill', width: 960, height: 540 } } };
    const p = join(dir, 'rt.otio');
    await writeOtio(p, doc);
    const raw = JSON.parse(await readFile(p, 'utf8'));
    expect(raw.OTIO_SCHEMA).toBe('Timeline.1');
    expect(raw.tracks.children.map((t: { kind: string }) => t.kind)).toEqual(['Video', 'Audio']);
    const back = (await importOtio(p)).doc;
    expect(back.clips.map((c) => [c.path, c.frameCount])).toEqual(doc.clips.map((c) => [c.path, c.frameCount]));
    expect(shape(back)).toEqual(shape(doc));
    expect(shape(back)[1].effects).toEqual([fog]);
    expect(back.sequence.markers.map((m) => [m.frame, m.label])).toEqual([[33, 'beat']]);
    expect(back.sequence.settings).toEqual(doc.sequence.settings);
  });

  it('warns once per unknown item (transition, nested stack, extra track) and keeps the nested stack\'s time as a gap', async () => {
    const json = cutJson({
      extra: [
        { OTIO_SCHEMA: 'Transition.1', transition_type: 'SMPTE_Dissolve', in_offset: { rate: 20, value: 5 }, out_offset: { rate: 20, value: 5 } },
        { OTIO_SCHEMA: 'Stack.1', children: [], source_range: { start_time: { rate: 20, value: 0 }, duration: { rate: 20, value: 10 } } },
      ],
    });
    json.tracks.children.push({ OTIO_SCHEMA: 'Track.1', kind: 'Video', children: [] });
    const { doc, warnings } = await importOtio(await writeCut(dir, json, 'odd.otio'));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/track 2: only the first video track/);
    expect(warnings[1]).toMatch(/track 1 item 4: transition ignored/);
    expect(warnings[2]).toMatch(/track 1 item 5: Stack ignored, left as a 0\.500 s gap/);
    expect(shape(doc)[2].start).toBe(85);
  });
});

describe('gemdepth render CUT.otio / PROJECT.gdproj', () => {
  const noOutput = async (name: string) => expect(await readdir(dir)).not.toContain(name);
  const oneLine = (r: { code: number; stderr: string }, re: RegExp) => {
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gemdepth: error: /);
    expect(lines[0]).toMatch(re);
  };
  const bad = async (name: string, json: unknown, re: RegExp) => {
    const cut = await writeCut(dir, json, `${name}.otio`);
    const r = await runCli(['render', cut, '--out', join(dir, `${name}.mp4`)]);
    oneLine(r, re);
    await noOutput(`${name}.mp4`);
  };
  const edited = (f: (j: ReturnType<typeof cutJson>) => void) => {
    const j = cutJson();
    f(j);
    return j;
  };
  const item = (j: ReturnType<typeof cutJson>, n: number) => j.tracks.children[0].children[n] as Record<string, any>;

  it('bad cuts: one line naming the item, non-zero exit, nothing written', async () => {
    await bad('missing', edited((j) => (item(j, 0).media_reference.target_url = 'file:///nowhere/bird.mp4')), /track 1 item 1 \(clip\) 'bird A': media file not found: \/nowhere\/bird\.mp4/);
    await bad('outside', edited((j) => (item(j, 0).source_range.start_time.value = 270)), /item 1 \(clip\) 'bird A': source range 13\.500 s \+ 2\.000 s is outside cockatoo\.mp4/);
    await bad('negative', edited((j) => (item(j, 1).source_range.duration.value = -3)), /item 2 \(clip\): source_range\.duration: duration is negative/);
    await bad('rate0', edited((j) => (item(j, 2).source_range.duration.rate = 0)), /item 3 \(gap\): source_range\.duration\.rate: rate must be > 0/);
    const broken = join(dir, 'broken.otio');
    await writeFile(broken, '{"OTIO_SCHEMA": "Timeline.1", "tracks": ');
    oneLine(await runCli(['render', broken, '--out', join(dir, 'broken.mp4')]), /broken\.otio is not valid OpenTimelineIO JSON/);
    await noOutput('broken.mp4');
    const newer = join(dir, 'newer.gdproj');
    await writeFile(newer, JSON.stringify({ format: 'gemdepth-project', version: 99, name: 'x' }));
    oneLine(await runCli(['render', newer, '--out', join(dir, 'newer.mp4')]), /newer\.gdproj was saved by a newer GemDepth Studio \(project version 99/);
    await noOutput('newer.mp4');
  }, 120_000);

  it('renders the plain cut with no effect, a range of it, and the single-clip form still works', async () => {
    const cut = await writeCut(dir, cutJson(), 'plain.otio');
    const out = join(dir, 'plain.mp4');
    const r = await runCli(['render', cut, '--out', out, '--start', '60', '--end', '84', '--codec', 'h264']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rendered 25 frames of the cut/);
    const meta = await ffprobeJson(out, ['-count_packets', '-show_streams']);
    const v = meta.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect([v.width, v.height, Number(v.nb_read_packets)]).toEqual([1280, 720, 25]);
    expect(meta.streams.some((s: { codec_type: string }) => s.codec_type === 'audio')).toBe(true);
    // The one-clip form keeps asking for an effect.
    const one = await runCli(['render', clip('realshort.mp4'), '--out', join(dir, 'one.mp4')]);
    expect(one.code).not.toBe(0);
    expect(one.stderr).toMatch(/no effect given/);
  }, 120_000);

  it('renders a saved project\'s sequence (PROJECT.gdproj)', async () => {
    const { doc } = await importOtio(await writeCut(dir, cutJson(), 'for-project.otio'));
    const proj = join(dir, 'cut.gdproj');
    await writeProject(proj, doc);
    const out = join(dir, 'project.mp4');
    const r = await runCli(['render', proj, '--out', out, '--start', '35', '--end', '44']);
    expect(r.code, r.stderr).toBe(0);
    const meta = await ffprobeJson(out, ['-count_packets', '-show_streams']);
    expect(Number(meta.streams.find((x: { codec_type: string }) => x.codec_type === 'video').nb_read_packets)).toBe(10);
  }, 120_000);
});
