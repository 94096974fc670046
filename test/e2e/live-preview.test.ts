import { describe, expect, it } from 'vitest';
import { clip } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { clickFrame, importClips, tid, waitExact } from './ui.ts';

/**
 * While playing, the viewer says at what size it draws the picture (smaller than the clip when frames
 * drop; full size when paused). With fog alone in software WebGL (this host's) the page's CPU draws the
 * <video>'s frames on a canvas of their own (preview/cpu-fog.ts); 'gemdepth.livePreview' = 'gl' draws them
 * through WebGL on the viewer's canvas, and the opt-in playback worker ('worker', preview/live-worker.ts)
 * through the effects on the playing canvas. Either playing canvas gives way to the viewer's exact frame
 * when play stops. realshort.mp4, analysed for real.
 */
const FRAMES = 36;
const fresh = useFreshHost('gd-live-');

type Seen = { labels: string[]; liveShown: boolean; draws: { frame: number; source: string; steps: string }[] };

async function openWithFog(analyse: boolean) {
  const host = fresh.host();
  const page = host.page;
  await importClips(host, [clip('realshort.mp4')]);
  if (analyse) await page.click(tid('analyse'));
  await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`, { timeout: 150_000 });
  await page.selectOption(tid('effect-add-select'), 'fog');
  await page.click(tid('effect-add'));
  await clickFrame(page, 0, FRAMES);
  await waitExact(page, 0, 60_000);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  return page;
}

/** Plays to the end, recording the label's texts, whether the playing canvas was shown, and every draw. */
async function playThrough(page: Awaited<ReturnType<typeof openWithFog>>): Promise<Seen> {
  await page.evaluate(() => {
    const seen: Seen = { labels: [], liveShown: false, draws: [] };
    Object.assign(window, { __seen: seen });
    const label = document.querySelector('[data-testid="play-resolution"]') as HTMLElement;
    const live = document.querySelector('[data-testid="live-canvas"]') as HTMLElement;
    const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
    new MutationObserver(() => label.style.visibility === 'visible' && seen.labels.push(label.textContent ?? '')).observe(label, { attributes: true, childList: true, characterData: true, subtree: true });
    new MutationObserver(() => void (seen.liveShown ||= live.style.visibility === 'visible')).observe(live, { attributes: true });
    new MutationObserver(() => seen.draws.push({ frame: Number(c.dataset.frame), source: c.dataset.source ?? '', steps: c.dataset.steps ?? '' })).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
  });
  await page.keyboard.press(' ');
  await page.waitForSelector(`${tid('play')}:text-is("Pause")`);
  await page.waitForSelector(`${tid('play')}:text-is("Play")`, { timeout: 30_000 });
  await waitExact(page, Number(await page.textContent(tid('frame-number'))), 60_000);
  return page.evaluate(() => (window as unknown as { __seen: Seen }).__seen);
}

/** Reloads the app with 'gemdepth.livePreview' = `mode`, opens the clip with fog and plays it through. */
async function playWith(mode: string) {
  const page = fresh.host().page;
  await page.evaluate((v) => localStorage.setItem('gemdepth.livePreview', v), mode);
  await page.reload();
  await page.waitForSelector(tid('app-ready'));
  await openWithFog(false);
  const seen = await playThrough(page);
  const played = seen.draws.filter((d) => d.source === 'video-play');
  expect(played.length).toBeGreaterThanOrEqual(1);
  return { page, seen, played };
}

const style = (page: Awaited<ReturnType<typeof openWithFog>>, id: string) => page.evaluate((sel) => (document.querySelector(sel) as HTMLElement).style.visibility, tid(id));

describe('the playing picture', () => {
  it('says its size while playing and goes back to the exact frame at full size when stopped', async () => {
    const page = await openWithFog(true);
    const pausedWidth = await page.getAttribute(tid('preview-canvas'), 'data-width');
    const seen = await playThrough(page);
    const played = seen.draws.filter((d) => d.source === 'video-play');
    expect(played.length).toBeGreaterThanOrEqual(1);
    expect(seen.labels.length).toBeGreaterThanOrEqual(1);
    for (const l of seen.labels) expect(l).toMatch(/^Playing at \d+×\d+/);
    // Stopped: the exact frame is drawn at the viewer's full size again and the label is gone.
    expect(await page.getAttribute(tid('preview-canvas'), 'data-width')).toBe(pausedWidth);
    expect(await style(page, 'play-resolution')).toBe('hidden');
    // The page's own thread drew fog on the CPU, on the playing canvas (the worker is opt-in), no GL step.
    for (const d of played) expect(Object.keys(JSON.parse(d.steps))).toEqual(expect.arrayContaining(['fog', 'read', 'put']));
    for (const d of played) expect(Object.keys(JSON.parse(d.steps))).not.toContain('upload');
    expect(seen.liveShown).toBe(true);
    expect(await style(page, 'live-canvas')).toBe('hidden');
    expect(await style(page, 'preview-canvas')).toBe('');
    expect(page.workers().map((w) => w.url())).not.toEqual(expect.arrayContaining([expect.stringMatching(/live-worker/)]));
    expect(fresh.host().consoleErrors).toEqual([]);
  }, 300_000);

  it('switching the view while fog plays on the CPU hands the playing frames to WebGL at once', async () => {
    const page = await openWithFog(false);
    await page.evaluate(() => {
      const seen: Seen & { switchedAt: number; liveAfter: string[] } = { labels: [], liveShown: false, draws: [], switchedAt: -1, liveAfter: [] };
      Object.assign(window, { __seen: seen });
      const live = document.querySelector('[data-testid="live-canvas"]') as HTMLElement;
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const split = document.querySelector('[data-testid="mode-split"]') as HTMLElement;
      new MutationObserver(() => {
        seen.draws.push({ frame: Number(c.dataset.frame), source: c.dataset.source ?? '', steps: c.dataset.steps ?? '' });
        if (seen.switchedAt >= 0) seen.liveAfter.push(live.style.visibility);
      }).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
      // The switch counts from when the app shows it (its state committed), not from the click.
      new MutationObserver(() => {
        if (seen.switchedAt < 0 && split.classList.contains('active')) seen.switchedAt = seen.draws.length;
      }).observe(split, { attributes: true, attributeFilter: ['class'] });
    });
    await page.keyboard.press(' ');
    // The first CPU-drawn frame, then Split mid-play (split views are not what the CPU path draws).
    await page.waitForFunction(() => (window as unknown as { __seen: Seen }).__seen.draws.some((d) => d.source === 'video-play' && d.steps.includes('"read"')), null, { timeout: 30_000 });
    await page.click(tid('mode-split'));
    await page.waitForSelector(`${tid('play')}:text-is("Play")`, { timeout: 30_000 });
    const seen = await page.evaluate(() => (window as unknown as { __seen: Seen & { switchedAt: number; liveAfter: string[] } }).__seen);
    expect(seen.switchedAt).toBeGreaterThan(0);
    const after = seen.draws.slice(seen.switchedAt).filter((d) => d.source === 'video-play');
    // Playing frames after the switch went through WebGL, and the CPU's canvas no longer covered them.
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const d of after) expect(Object.keys(JSON.parse(d.steps))).toContain('upload');
    expect(seen.liveAfter).not.toContain('visible');
    expect(fresh.host().consoleErrors).toEqual([]);
    await page.click(tid('mode-composite'));
  }, 300_000);

  it("with 'gl', the page's own thread draws the playing frames through WebGL on the viewer's canvas", async () => {
    const { played, seen } = await playWith('gl');
    for (const d of played) expect(Object.keys(JSON.parse(d.steps))).toEqual(expect.arrayContaining(['upload', 'fog']));
    expect(seen.liveShown).toBe(false);
    expect(fresh.host().consoleErrors).toEqual([]);
  }, 300_000);

  it('opted in, a worker draws the playing frames through the effects on its own canvas, then the exact frame shows', async () => {
    const { page, played, seen } = await playWith('worker');
    for (const d of played) expect(Object.keys(JSON.parse(d.steps))).toEqual(expect.arrayContaining(['coef', 'fog']));
    for (let i = 1; i < played.length; i++) expect(played[i].frame).toBeGreaterThanOrEqual(played[i - 1].frame);
    expect(page.workers().map((w) => w.url())).toEqual(expect.arrayContaining([expect.stringMatching(/live-worker/)]));
    expect(seen.liveShown).toBe(true);
    // Stopped: the viewer's canvas shows the exact frame again, the worker's is hidden.
    expect(await style(page, 'live-canvas')).toBe('hidden');
    expect(await style(page, 'preview-canvas')).toBe('');
    expect(fresh.host().consoleErrors).toEqual([]);
  }, 300_000);
});
