import { basename } from 'node:path';
import type { Page } from 'playwright-core';

/** Small helpers over the real UI (no test-only hooks beyond data-testid and the canvas' draw counter). */
export const tid = (id: string) => `[data-testid="${id}"]`;

/** Imports `paths` through the File dialog (answered by the test, the one native part the host cannot show); resolves when the last is in the media bin. */
export async function importClips(host: { page: Page; answerDialog(paths: string[]): void }, paths: string[]) {
  host.answerDialog(paths);
  await host.page.click(tid('import'));
  await host.page.waitForSelector(`${tid('clip-item')} >> text=${basename(paths[paths.length - 1])}`);
}

/** Analyses the selected clip: the job runs to done and the clip's depth is there. */
export async function analyseSelected(page: Page) {
  await page.click(tid('analyse'));
  await page.waitForSelector(`${tid('job')}[data-kind="analysis"][data-state="done"]`, { timeout: 150_000 });
  await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`);
}

export async function drawSeq(page: Page): Promise<number> {
  return Number((await page.getAttribute(tid('preview-canvas'), 'data-draw-seq')) ?? 0);
}

/** Waits until the preview canvas has drawn `frame` after draw number `after`. */
export async function waitDrawn(page: Page, frame: number, after: number, timeout = 30_000) {
  await page.waitForFunction(
    ([f, a]) => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement | null;
      return !!c && Number(c.dataset.frame) === f && Number(c.dataset.drawSeq ?? 0) > a;
    },
    [frame, after] as const,
    { timeout },
  );
}

/** Waits until the preview shows the engine's exact picture of `frame` (after any quick preview of it). */
export async function waitExact(page: Page, frame: number, timeout = 30_000) {
  await page.waitForFunction(
    (f) => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement | null;
      return !!c && Number(c.dataset.frame) === f && c.dataset.source === 'engine';
    },
    frame,
    { timeout },
  );
}

/** A coarse luminance grid of a canvas (WebGL canvases keep their buffer: preserveDrawingBuffer). */
export async function canvasGrid(page: Page, selector: string, gw = 64, gh = 48): Promise<number[]> {
  return page.evaluate(
    ([sel, w, h]) => {
      const src = document.querySelector(sel) as HTMLCanvasElement;
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(src, 0, 0, w, h);
      const d = ctx.getImageData(0, 0, w, h).data;
      const out: number[] = [];
      for (let i = 0; i < d.length; i += 4) out.push(0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]);
      return out;
    },
    [selector, gw, gh] as const,
  );
}

export const meanAbsDiff = (a: number[], b: number[]) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

/** A canvas' pixels as RGB, top row first, read from its real drawing buffer (WebGL canvases keep it). */
export async function canvasRgb(page: Page, selector: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await page.evaluate((sel) => {
    const src = document.querySelector(sel) as HTMLCanvasElement;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const out: number[] = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i], d[i + 1], d[i + 2]);
    return { width: c.width, height: c.height, data: out };
  }, selector);
  return { width: r.width, height: r.height, data: Uint8Array.from(r.data) };
}

/** Pixels of a canvas that differ from its background colour, counted on the real drawing buffer. */
export async function nonBackgroundPixels(page: Page, selector: string, [r, g, b]: [number, number, number]): Promise<number> {
  const { data: d } = await canvasRgb(page, selector);
  let n = 0;
  for (let i = 0; i < d.length; i += 3) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) > 30) n++;
  return n;
}

/** Moves the playhead by clicking the timeline ruler at the centre of `frame`. */
export async function clickFrame(page: Page, frame: number, frameCount: number) {
  const box = (await page.locator(tid('ruler')).boundingBox())!;
  const clipBox = (await page.locator('.clip-bar').boundingBox())!;
  const ppf = clipBox.width / frameCount;
  await page.mouse.click(clipBox.x + (frame + 0.5) * ppf, box.y + box.height / 2);
  await page.waitForSelector(`${tid('frame-number')}:text-is("${frame}")`);
}
