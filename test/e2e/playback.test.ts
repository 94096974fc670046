import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { clip, REPO_ROOT } from '../helpers/shared.ts';
import { psnr } from '../effects/fixture.ts';
import { useFreshHost } from './fresh-host.ts';
import { analyseSelected, canvasRgb, clickFrame, drawSeq, importClips, tid, waitDrawn, waitExact } from './ui.ts';

/**
 * Playback and "the preview is the export", in the built renderer against the real engine: play from
 * outside in/out starts at the in point (and says so); the preview's pixels at a frame equal the
 * in/out export's pixels at that frame, for each effect.
 */
const ART = join(REPO_ROOT, 'test-artifacts', 'playback');
const FRAMES = 36;
const fresh = useFreshHost('gd-play-');

describe('playback and preview = export', () => {
  it('plays from the in point when the playhead is outside in/out, and the preview equals the in/out export for each effect', async () => {
    const host = fresh.host();
    const tmp = fresh.tmp();
    await mkdir(ART, { recursive: true });
    const page = host.page;
    const input = clip('realshort.mp4');
    await importClips(host, [input]);
    await analyseSelected(page);

    // In 10, out 20, playhead at 30 (outside).
    const body = () => page.locator('body').click({ position: { x: 5, y: 5 } });
    await clickFrame(page, 10, FRAMES);
    await body();
    await page.keyboard.press('i');
    await clickFrame(page, 20, FRAMES);
    await body();
    await page.keyboard.press('o');
    await page.waitForSelector('text=in 10 · out 20');
    await clickFrame(page, 30, FRAMES);
    await body();
    // Every frame number the transport shows from now on.
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="frame-number"]')!;
      const seen: number[] = [];
      const sources = new Set<string>();
      Object.assign(window, { __seen: seen, __sources: sources });
      new MutationObserver(() => seen.push(Number(el.textContent))).observe(el, { childList: true, characterData: true, subtree: true });
      const canvas = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      new MutationObserver(() => sources.add(canvas.dataset.source ?? '')).observe(canvas, { attributes: true, attributeFilter: ['data-source'] });
    });
    await page.keyboard.press(' ');
    await page.waitForSelector(`${tid('notice-info')}:has-text("Playing from the in point (frame 10)")`);
    await page.waitForSelector(`${tid('play')}:text-is("Play")`, { timeout: 20_000 });
    const seen = await page.evaluate(() => (window as unknown as { __seen: number[] }).__seen);
    expect(seen[0]).toBe(10);
    expect(seen.every((f) => f >= 10 && f <= 20)).toBe(true);
    expect(seen.at(-1)).toBe(20);
    // Chromium plays this H.264 clip: its own decoder played it (picture and sound), not the engine's frames.
    expect(await page.evaluate(() => [...(window as unknown as { __sources: Set<string> }).__sources])).toContain('video-play');
    await page.screenshot({ path: join(ART, 'play-from-in.png') });

    // The preview at frame 15 and the in/out export's frame 15 (lossless), one effect at a time.
    const results: Record<string, number> = {};
    const exported = await probe(input);
    let exports = 0;
    for (const effect of ['fog', 'refocus', 'relight']) {
      const items = page.locator(`${tid('effect-item')} input[type=checkbox]`);
      for (let k = 0; k < (await items.count()); k++) await items.nth(k).uncheck();
      await page.selectOption(tid('effect-add-select'), effect);
      await page.click(tid('effect-add'));
      await clickFrame(page, 15, FRAMES);
      const s = await drawSeq(page);
      await waitDrawn(page, 15, s - 1);
      await waitExact(page, 15);
      const shown = await canvasRgb(page, tid('preview-canvas'));
      await page.screenshot({ path: join(ART, `${effect}-frame15.png`) });
      expect(shown.width).toBe(exported.width);
      const out = join(tmp, `${effect}.mp4`);
      await page.click(tid('open-export'));
      await page.fill(tid('export-out'), out);
      await page.fill(`${tid('export-dialog')} input[type=number]`, '0');
      // Export asks where to write in the save dialog (the only paths the engine may write for the app).
      host.answerDialog([out]);
      await page.click(tid('export-start'));
      exports++;
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="job"][data-kind="export"][data-state="done"]').length >= n, exports, { timeout: 120_000 });
      const frame = await readFrame(await probe(out), 15 - 10);
      results[effect] = psnr(shown.data, frame.data);
      // The effect changed the picture (not a comparison of two untouched copies).
      expect(psnr(frame.data, (await readFrame(exported, 15)).data)).toBeLessThan(40);
    }
    console.log('preview vs in/out export at frame 15, PSNR dB:', results);
    // Relight's and refocus's low-res preparation ran in the preview's worker (off the page's thread).
    expect(page.workers().map((w) => w.url())).toEqual(expect.arrayContaining([expect.stringMatching(/prep-worker/)]));
    for (const p of Object.values(results)) expect(p).toBeGreaterThanOrEqual(35);
    expect(host.consoleErrors).toEqual([]);
  }, 400_000);

  it('plays with fog: the <video> frames are drawn with their depth through the effects while the clock advances', async () => {
    const host = fresh.host();
    const page = host.page;
    if (!(await page.locator(`${tid('clip-item')} >> text=realshort.mp4`).count())) {
      await importClips(host, [clip('realshort.mp4')]);
      await page.click(tid('analyse'));
    }
    await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`, { timeout: 150_000 });
    const items = page.locator(`${tid('effect-item')} input[type=checkbox]`);
    for (let k = 0; k < (await items.count()); k++) await items.nth(k).uncheck();
    await page.selectOption(tid('effect-add-select'), 'fog');
    await page.click(tid('effect-add'));
    // From frame 0: at the in point, or there when in/out is set after it.
    await clickFrame(page, 0, FRAMES);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.evaluate(() => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const draws: { frame: number; source: string; steps: string }[] = [];
      Object.assign(window, { __draws: draws });
      new MutationObserver(() => draws.push({ frame: Number(c.dataset.frame), source: c.dataset.source ?? '', steps: c.dataset.steps ?? '' })).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
    });
    const from = 0;
    const t0 = performance.now();
    await page.keyboard.press(' ');
    await page.waitForSelector(`${tid('play')}:text-is("Pause")`);
    await page.waitForSelector(`${tid('play')}:text-is("Play")`, { timeout: 30_000 });
    const wall = (performance.now() - t0) / 1000;
    const to = Number(await page.textContent(tid('frame-number')));
    const draws = await page.evaluate(() => (window as unknown as { __draws: { frame: number; source: string; steps: string }[] }).__draws);
    const played = draws.filter((d) => d.source === 'video-play');
    console.log(`playback with fog from frame ${from} to ${to}: ${played.length} frames drawn from the <video> in ${wall.toFixed(1)} s: ${played.map((d) => d.frame).join(' ')}`);
    // Lower bounds a loaded machine keeps (the rate is bench:app's): the clock ran to the out point (it
    // stops there), the browser's decoder played, and its frames were drawn through the fog pass (the
    // depth's distance and the effect: data-steps; on the CPU here, preview/cpu-fog.ts), in order; frames
    // may be dropped, the clock is not slowed.
    expect(to).toBeGreaterThan(from + 5);
    expect(played.length).toBeGreaterThanOrEqual(1);
    for (const d of played) expect(Object.keys(JSON.parse(d.steps))).toEqual(expect.arrayContaining(['distance', 'fog']));
    for (let i = 1; i < played.length; i++) expect(played[i].frame).toBeGreaterThanOrEqual(played[i - 1].frame);
    expect(host.consoleErrors).toEqual([]);
  }, 300_000);
});
