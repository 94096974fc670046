import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import { dispatch } from '../../src-main/app/dispatch.ts';
import type { ProjectDoc } from '../../src-main/engine/project/index.ts';
import { ffprobeJson, tempDir } from '../helpers/tools.ts';
import { cutJson, writeCut } from './cut.ts';
import { clip } from '../helpers/shared.ts';

const api = createEngineApi();
let dir: string;
beforeAll(async () => {
  dir = await tempDir('gd-seq-api-');
});
afterAll(async () => {
  await api.dispose();
  await rm(dir, { recursive: true, force: true });
});

const value = <T>(r: { ok: boolean; value?: unknown; error?: unknown }): T => {
  expect(r, JSON.stringify(r.error)).toMatchObject({ ok: true });
  return r.value as T;
};

describe('engine API: the sequence', () => {
  it('imports an OTIO cut, exports it again, and renders a range of the cut as a job', async () => {
    const { doc, warnings } = value<{ doc: ProjectDoc; warnings: string[] }>(await dispatch(api, 'importOtio', { path: await writeCut(dir, cutJson(), 'a.otio') }));
    expect(warnings).toEqual([]);
    expect(doc.sequence.video).toHaveLength(3);
    expect(await dispatch(api, 'exportOtio', { doc, path: join(dir, 'b.json') })).toMatchObject({ ok: false, error: { message: /must end in \.otio/ } });
    value(await dispatch(api, 'exportOtio', { doc, path: join(dir, 'b.otio') }));
    expect(value<{ doc: ProjectDoc }>(await dispatch(api, 'importOtio', { path: join(dir, 'b.otio') })).doc.sequence.video).toEqual(doc.sequence.video.map((v) => ({ ...v, audioLinked: true })));
    // A damaged document is refused at the door, in words.
    const broken = { ...doc, sequence: { ...doc.sequence, video: [{ ...doc.sequence.video[0], in: -1 }] } };
    expect(await dispatch(api, 'startSequenceExport', { doc: broken, out: join(dir, 'x.mp4') })).toMatchObject({ ok: false, error: { kind: 'user', message: /sequence\.video\.0\.in/ } });
    const out = join(dir, 'cut.mp4');
    const { jobId } = value<{ jobId: string }>(await dispatch(api, 'startSequenceExport', { doc, out, start: 65, end: 80 }));
    const done = await new Promise<{ state: string; error: string | null }>((res) => {
      const off = api.onJobEvent((e) => {
        if (e.job.id === jobId && e.type === 'state' && e.job.state !== 'running') {
          off();
          res(e.job);
        }
      });
    });
    expect(done.state, done.error ?? '').toBe('done');
    const meta = await ffprobeJson(out, ['-count_packets', '-show_streams']);
    expect(Number(meta.streams[0].nb_read_packets)).toBe(16);
  }, 120_000);

  it('gives the timeline\'s waveform: peaks per 1/50 s, at the level ffmpeg measures, none without audio', async () => {
    const w = value<{ peaksPerSecond: number; peaks: Float32Array } | null>(await dispatch(api, 'getWaveform', { path: clip('realshort.mp4') }));
    expect(w!.peaksPerSecond).toBe(50);
    // The audio stream is 1.173 s long; ffmpeg's volumedetect puts its peak at -21.7 dBFS (0.082).
    expect(Math.abs(w!.peaks.length - 1.173 * 50)).toBeLessThan(2);
    const max = w!.peaks.reduce((m, v) => Math.max(m, v), 0);
    expect(20 * Math.log10(max)).toBeCloseTo(-21.7, 0);
    const sorted = [...w!.peaks].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.9)]).toBeGreaterThan(2 * sorted[Math.floor(sorted.length * 0.1)]);
    // cockatoo.mp4's track is digital silence (-91 dB by volumedetect); cityCC0.mpg has none.
    const bird = value<{ peaks: Float32Array }>(await dispatch(api, 'getWaveform', { path: clip('cockatoo.mp4') }));
    expect(bird.peaks.reduce((m, v) => Math.max(m, v), 0)).toBeLessThan(0.001);
    expect(value(await dispatch(api, 'getWaveform', { path: clip('cityCC0.mpg') }))).toBeNull();
  });
});
