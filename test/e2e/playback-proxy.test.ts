import { describe, expect, it } from 'vitest';
import { clip } from '../helpers/shared.ts';
import { useFreshHost } from './fresh-host.ts';
import { importClips, tid } from './ui.ts';

/**
 * The viewer's <video> plays the clip's playback proxy (app/playback-proxy.ts) once the engine has made
 * it, served through the same media allow-list as sources; a clip Chromium cannot decode (MPEG-2) plays
 * in the browser through its proxy, and the viewer says so.
 */
const fresh = useFreshHost('gd-proxy-');

const videoState = () => {
  const v = document.querySelector('video');
  return v ? { src: v.src, playback: v.dataset.playback ?? '' } : null;
};

describe('playback proxies in the viewer', () => {
  it.each([
    ['realshort.mp4', 'source', /^playback: proxy$/],
    ['cityCC0.mpg', null, /does not play in the browser/],
  ] as const)('%s: the <video> plays the proxy once it is ready', async (name, before, note) => {
    const host = fresh.host();
    const page = host.page;
    const input = clip(name);
    await importClips(host, [input]);
    await page.click(`${tid('clip-item')} >> text=${name}`);
    // Before the proxy: the source where Chromium plays it, no <video> where it does not.
    if (before) await page.waitForFunction(() => !!document.querySelector('video'), undefined, { timeout: 30_000 });
    const first = await page.evaluate(videoState);
    if ((await host.api.getPlaybackProxy({ path: input })).state !== 'ready') expect(first?.playback ?? null).toBe(before);
    await page.waitForFunction(() => document.querySelector('video')?.dataset.playback === 'proxy', undefined, { timeout: 90_000 });
    const proxy = await host.api.getPlaybackProxy({ path: input });
    expect(proxy.state).toBe('ready');
    const want = await page.evaluate((p) => new URL(window.gemdepth!.mediaUrl(p)!, location.href).href, proxy.path!);
    expect((await page.evaluate(videoState))?.src).toBe(want);
    expect(await page.textContent(tid('playback-proxy'))).toMatch(note);
    // The page can read it (served with ranges, as a <video> seeks), and plays it: its frames are drawn.
    const head = await page.evaluate(async (u) => (await fetch(u, { headers: { Range: 'bytes=0-15' } })).status, want);
    expect(head).toBe(206);
    await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const sources = new Set<string>();
      Object.assign(window, { __sources: sources });
      new MutationObserver(() => sources.add(canvas.dataset.source ?? '')).observe(canvas, { attributes: true, attributeFilter: ['data-source'] });
    });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(' ');
    await page.waitForFunction(() => (window as unknown as { __sources: Set<string> }).__sources.has('video-play'), undefined, { timeout: 20_000 });
    await page.keyboard.press(' ');
    await page.waitForSelector(`${tid('play')}:text-is("Play")`, { timeout: 20_000 });
  }, 180_000);
});
