import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { parseEffectSpec } from '../../src-main/engine/effects/index.ts';
import { runRender, type RenderOptions } from '../../src-main/engine/jobs/render.ts';
import type { Progress } from '../../src-main/common/types.ts';
import { clip } from '../helpers/shared.ts';
import { tempDir } from '../helpers/tools.ts';
import { psnr } from './fixture.ts';

/**
 * One analysis per clip and settings: a range export reads the whole clip's analysis and its depth
 * range, so a source frame looks the same in a range export as in the full export (and the preview,
 * which reads the same analysis). Lossless H.264 (crf 0) so that only the pictures are compared.
 */
describe('range export', () => {
  it('equals the full export at the same source frame and starts no analysis once the clip is analysed', async () => {
    const input = clip('realshort.mp4');
    const dir = await tempDir();
    const cacheDir = join(dir, 'cache');
    const info = await probe(input);
    const render = async (name: string, range: { start?: number; end?: number }) => {
      const events: Progress[] = [];
      const o: RenderOptions = { input, out: join(dir, name), effects: [parseEffectSpec('fog:density=3')], cacheDir, crf: 0, ...range };
      await runRender(o, { onProgress: (p) => events.push(p) });
      return { out: o.out, analysis: events.filter((e) => e.stage === 'analyze') };
    };

    // First a range export on an empty cache: it analyses the whole clip (one analysis, one depth range).
    const first = await render('range-a.mp4', { start: 10, end: 25 });
    expect(first.analysis.some((e) => e.message !== 'from cache')).toBe(true);
    expect(first.analysis.every((e) => e.total === info.frameCount)).toBe(true);
    // The full export and another range find the analysis in the cache: no analysis job starts.
    const full = await render('full.mp4', {});
    const second = await render('range-b.mp4', { start: 14, end: 30 });
    for (const r of [full, second]) {
      expect(r.analysis.length).toBe(1);
      expect(r.analysis[0]).toMatchObject({ message: 'from cache', done: info.frameCount, total: info.frameCount });
    }

    const at = async (out: string, index: number) => (await readFrame(await probe(out), index)).data;
    for (const f of [14, 20, 25]) {
      const ref = await at(full.out, f);
      const a = psnr(ref, await at(first.out, f - 10));
      const b = psnr(ref, await at(second.out, f - 14));
      expect(a).toBeGreaterThanOrEqual(40);
      expect(b).toBeGreaterThanOrEqual(40);
    }
    // And the effect did something (the comparison is not between two unfogged copies).
    expect(psnr(await at(full.out, 20), (await readFrame(info, 20)).data)).toBeLessThan(30);
  }, 300_000);
});
