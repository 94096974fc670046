import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { clip } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { clickFrame, drawSeq, importClips, tid, waitExact } from './ui.ts';

/**
 * Scrubbing and playback in the built renderer against the real engine (cockatoo.mp4, 1280x720, 280
 * frames, a keyframe every ~70 frames, so an exact frame takes a long decode): a burst of scrub requests
 * leaves only the newest one running in the engine (the older ones are cancelled there and their
 * decoders stopped, counted by the engine itself), and playback draws frames while its clock advances
 * at the clip's rate. Lower bounds only: the speed targets are measured by npm run bench:app.
 */
const FRAMES = 280;
const fresh = useFreshHost('gd-scrub-', { viewport: { width: 1440, height: 900 } });

async function importCockatoo() {
  const host = fresh.host();
  const page = host.page;
  if (!(await page.locator(`${tid('clip-item')} >> text=cockatoo.mp4`).count())) {
    await importClips(host, [clip('cockatoo.mp4')]);
    await waitExact(page, 0, 60_000);
  }
  return { host, page };
}

describe('scrubbing and playback against the engine', () => {
  it('a burst of frame requests leaves only the newest running: the engine cancels the others and stops their decoders', async () => {
    const { host, page } = await importCockatoo();
    const before = host.api.frameStats();
    // Frames late in their GOPs, each a long decode, asked for at once as a fast scrub does.
    const burst = [60, 130, 200, 275, 140];
    const outcome = await page.evaluate(
      ([path, frames]) => {
        const g = (window as unknown as { gemdepth: { getFrame(a: unknown): Promise<{ index: number }> } }).gemdepth;
        return Promise.all(frames.map((index) => g.getFrame({ path, index, maxWidth: 1280, lane: 'viewer' }).then((f) => `frame ${f.index}`, (e: Error) => e.name)));
      },
      [clip('cockatoo.mp4'), burst] as const,
    );
    const after = host.api.frameStats();
    expect(outcome).toEqual(['CancelledError', 'CancelledError', 'CancelledError', 'CancelledError', 'frame 140']);
    expect(after.frames.served - before.frames.served).toBe(1);
    expect(after.frames.cancelled - before.frames.cancelled).toBe(burst.length - 1);
    // Each decoder started for the burst was stopped, except the newest request's (on an idle machine the older
    // requests can be cancelled before their decoder starts, so only the newest one may have started).
    const started = after.decodersStarted - before.decodersStarted;
    expect(started).toBeGreaterThanOrEqual(1);
    expect(after.decodersStopped - before.decodersStopped).toBe(started - 1);

    // The same through the UI: clicks on the ruler faster than frames decode; the last one is shown, exactly.
    const s0 = host.api.frameStats();
    const ruler = (await page.locator(tid('ruler')).boundingBox())!;
    const bar = (await page.locator('.clip-bar').boundingBox())!;
    const clicks = [250, 70, 190, 135];
    for (const f of clicks) await page.mouse.click(bar.x + ((f + 0.5) * bar.width) / FRAMES, ruler.y + ruler.height / 2);
    await waitExact(page, clicks.at(-1)!, 60_000);
    await page.waitForTimeout(500);
    expect(await page.getAttribute(tid('preview-canvas'), 'data-frame')).toBe(String(clicks.at(-1)));
    const s1 = host.api.frameStats();
    // Not every click's frame was decoded to the end: the stale ones were cancelled in the engine, or never
    // asked for when the viewer already had a newer position (one request per click at most).
    const served = s1.frames.served - s0.frames.served;
    expect(served).toBeGreaterThanOrEqual(1);
    expect(served).toBeLessThan(clicks.length);
    expect(served + s1.frames.cancelled - s0.frames.cancelled).toBeLessThanOrEqual(clicks.length);
    expect(host.consoleErrors).toEqual([]);
  }, 240_000);

  it('plays with an advancing clock: frames are drawn in order and dropped rather than the clock slowed', async () => {
    const { page } = await importCockatoo();
    await clickFrame(page, 20, FRAMES);
    await waitExact(page, 20, 60_000);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.evaluate(() => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const drawn: number[] = [];
      Object.assign(window, { __drawn: drawn });
      new MutationObserver(() => drawn.push(Number(c.dataset.frame))).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
    });
    const s0 = await drawSeq(page);
    const t0 = performance.now();
    await page.keyboard.press(' ');
    await page.waitForTimeout(4000);
    const frame = Number(await page.textContent(tid('frame-number')));
    const wall = (performance.now() - t0) / 1000;
    const played = await page.evaluate(() => [...(window as unknown as { __drawn: number[] }).__drawn]);
    await page.keyboard.press(' ');
    console.log(`playback: ${(await drawSeq(page)) - s0} draws in ${wall.toFixed(1)} s, playhead at ${frame} (clock ${((frame - 20) / wall).toFixed(1)} fps, clip 20 fps)`);
    // The clock ran at the clip's rate (20 fps) even where drawing could not keep up: at least half of it.
    expect(frame - 20).toBeGreaterThanOrEqual(0.5 * 20 * 4);
    expect(frame - 20).toBeLessThanOrEqual(20 * wall + 2);
    // Pictures came while playing, never an earlier frame than the one before (the same frame may be drawn
    // twice: its quick picture, then the exact one), and the pictures moved on.
    expect(played.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < played.length; i++) expect(played[i]).toBeGreaterThanOrEqual(played[i - 1]);
    expect(played[played.length - 1]).toBeGreaterThan(played[0]);
  }, 120_000);
});
