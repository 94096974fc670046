/**
 * npm run profile:scrub — where a scrub's milliseconds go, step by step, in the test host (headless
 * Chromium against the real engine, cockatoo.mp4 720p with fog). For random jumps it times, on the
 * page's clock and the engine's (both wall clocks of one machine): the request sent, the engine's work
 * (getProxyFrame, getDepth, getFrame), the answer back over the bridge, the binary blobs fetched, the
 * proxy JPEG decoded in the page; then, through the real UI, the canvas' own draw steps (upload, effect
 * passes). Run `npm run bench:app` first on a fresh machine so the clip's analysis is cached.
 */
import { performance } from 'node:perf_hooks';
import { createEngineApi } from '../src-main/app/engine-api.ts';
import type { EngineApi } from '../src-main/common/api/types.ts';
import { clip, sharedModels } from '../test/helpers/shared.ts';
import { buildRenderer, launchHost } from '../test/host/host.ts';
import { clickFrame, drawSeq, tid, waitDrawn, waitExact } from '../test/e2e/ui.ts';

const N = Number(process.env.PROFILE_SCRUBS ?? 16);
const FRAMES = 280;
const TIMED = ['getProxyFrame', 'getDepth', 'getFrame'] as const;
type Timed = (typeof TIMED)[number];

/** The engine API with its viewer calls timed (wall-clock ms, epoch based, so the page's clock lines up). */
function timedApi(api: EngineApi) {
  const log: { method: Timed; start: number; end: number; arg: unknown }[] = [];
  const wall = () => performance.timeOrigin + performance.now();
  const wrapped = { ...api } as EngineApi;
  for (const m of TIMED) {
    const fn = api[m].bind(api) as (a: unknown) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[m] = async (arg: unknown) => {
      const start = wall();
      try {
        return await fn(arg);
      } finally {
        log.push({ method: m, start, end: wall(), arg });
      }
    };
  }
  wrapped.onJobEvent = api.onJobEvent.bind(api);
  return { api: wrapped, log };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (xs: number[]) => `${mean(xs).toFixed(1)} (p95 ${[...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.round(0.95 * (xs.length - 1)))]?.toFixed(1)})`;

async function main() {
  sharedModels();
  const input = clip('cockatoo.mp4');
  const rendererDir = await buildRenderer();
  const engine = createEngineApi();
  const { api, log } = timedApi(engine);
  const host = await launchHost({ api, viewport: { width: 1920, height: 1080 }, rendererDir });
  const page = host.page;
  try {
    await page.waitForSelector(tid('app-ready'));
    host.answerDialog([input]);
    await page.click(tid('import'));
    await page.waitForSelector(`${tid('clip-item')} >> text=cockatoo.mp4`);
    await page.click(tid('analyse'));
    await page.waitForSelector(`${tid('job')}[data-kind="analysis"][data-state="done"]`, { timeout: 1_800_000 });
    await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`);
    await page.selectOption(tid('effect-add-select'), 'fog');
    await page.click(tid('effect-add'));
    await page.waitForSelector('[data-param="density"]');
    // PROFILE_STACK=full: refocus and relight after fog, as bench:app's full-stack row.
    const stack = process.env.PROFILE_STACK === 'full' ? ['refocus', 'relight'] : [];
    for (const e of stack) {
      await page.selectOption(tid('effect-add-select'), e);
      await page.click(tid('effect-add'));
    }
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="effect-item"]').length === n, 1 + stack.length);
    // Wait until the proxy is made (the quick picture of the last frame is there).
    for (const t0 = Date.now(); !(await engine.getProxyFrame({ path: input, index: FRAMES - 1 })); ) {
      if (Date.now() - t0 > 300_000) throw new Error('the proxy was not made in 5 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    const depthArg = log.find((e) => e.method === 'getDepth')?.arg as Record<string, unknown> | undefined;
    const req = { model: depthArg?.model, geometry: depthArg?.geometry };
    const maxWidth = Number((log.filter((e) => e.method === 'getFrame').at(-1)?.arg as { maxWidth?: number } | undefined)?.maxWidth ?? 1280);

    // 1. The bridge calls one by one, as use-frame-data makes them, timed on both sides.
    let rnd = 777;
    const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31), Math.floor((rnd / 2 ** 31) * FRAMES));
    const rows = new Map<string, number[]>();
    const add = (k: string, v: number) => rows.set(k, [...(rows.get(k) ?? []), v]);
    for (let i = 0; i < N; i++) {
      const index = next();
      const before = log.length;
      const t = await page.evaluate(
        async ([path, index, req, maxWidth]) => {
          const g = (window as unknown as { gemdepth: EngineApi }).gemdepth;
          const o = performance.timeOrigin;
          performance.clearResourceTimings();
          const s0 = o + performance.now();
          const p = await g.getProxyFrame({ path, index });
          const s1 = o + performance.now();
          const bmp = await createImageBitmap(new Blob([p!.jpeg as BlobPart], { type: 'image/jpeg' }));
          const c = new OffscreenCanvas(p!.width, p!.height).getContext('2d', { willReadFrequently: true })!;
          c.drawImage(bmp, 0, 0);
          c.getImageData(0, 0, p!.width, p!.height);
          bmp.close();
          const s2 = o + performance.now();
          const d = await g.getDepth({ path, index, ...(req as object), lane: 'viewer' });
          const s3 = o + performance.now();
          const f = await g.getFrame({ path, index, maxWidth, lane: 'viewer' });
          const s4 = o + performance.now();
          const blobs = performance.getEntriesByType('resource').filter((e) => e.name.includes('/__blob/')) as PerformanceResourceTiming[];
          const bytes = { proxy: p!.jpeg.byteLength, depth: d?.data.byteLength ?? 0, frame: f.data.byteLength };
          return { s0, s1, s2, s3, s4, blobs: blobs.map((b) => ({ start: performance.timeOrigin + b.startTime, ms: b.duration })), bytes, depthSize: `${d?.width}x${d?.height}`, frameSize: `${f.width}x${f.height}` };
        },
        [input, index, req, maxWidth] as const,
      );
      const calls = log.slice(before);
      const call = (m: Timed) => calls.find((c) => c.method === m)!;
      // Each call: page sent -> engine start (binding in), engine work, engine end -> page has it (binding out + blob fetch).
      const blobIn = (a: number, b: number) => t.blobs.filter((x) => x.start >= a && x.start <= b).reduce((s, x) => s + x.ms, 0);
      const spans: [Timed, number, number][] = [['getProxyFrame', t.s0, t.s1], ['getDepth', t.s2, t.s3], ['getFrame', t.s3, t.s4]];
      for (const [m, a, b] of spans) {
        const c = call(m);
        add(`${m}: page -> engine (binding in, validation)`, c.start - a);
        add(`${m}: engine work`, c.end - c.start);
        add(`${m}: engine -> page (binding out)`, b - c.end - blobIn(a, b));
        add(`${m}: binary fetch of the typed arrays`, blobIn(a, b));
        add(`${m}: total in the page`, b - a);
      }
      add('proxy JPEG decode in the page (createImageBitmap + getImageData)', t.s2 - t.s1);
      if (i === 0) console.log(`bytes per call: ${JSON.stringify(t.bytes)}; depth ${t.depthSize}, frame ${t.frameSize}`);
    }

    // 2. The same jumps through the UI: time to the first picture and to the exact frame, and the draw's own steps.
    const first: number[] = [];
    const exact: number[] = [];
    // On the page's own clock: the click's pointerdown and each draw (no harness round trips in it).
    await page.evaluate(() => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const w = window as unknown as { __down: number; __drawnAt: number; __draws: string[] };
      document.addEventListener('pointerdown', () => ((w.__down = performance.now()), (w.__draws = [])), { capture: true });
      new MutationObserver(() => {
        w.__drawnAt = performance.now();
        w.__draws?.push(`${c.dataset.frame}:${c.dataset.source}@${(w.__drawnAt - w.__down).toFixed(0)}`);
      }).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
    });
    const steps = new Map<string, number[]>();
    let prev = -1;
    for (let i = 0; i < N; i++) {
      let f = next();
      if (f === prev) f = (f + 7) % FRAMES;
      const s = await drawSeq(page);
      const t0 = performance.now();
      await clickFrame(page, f, FRAMES);
      await waitDrawn(page, f, s);
      first.push(performance.now() - t0);
      const d = await page.evaluate(() => {
        const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
        const w = window as unknown as { __down: number; __drawnAt: number };
        return { steps: JSON.parse(c.dataset.steps ?? '{}') as Record<string, number>, fetch: Number(c.dataset.fetchMs), draw: Number(c.dataset.drawMs), source: c.dataset.source, inPage: w.__drawnAt - w.__down };
      });
      add('UI first picture: pointerdown -> drawn, on the page clock', d.inPage);
      add('UI first picture: the rest (pointerdown -> request, data -> draw call: React, events)', d.inPage - d.fetch - d.draw);
      add(`UI first picture (${d.source}): request -> data in the page (data-fetch-ms)`, d.fetch);
      add('UI first picture: draw, all GL calls (data-draw-ms)', d.draw);
      for (const [k, v] of Object.entries(d.steps)) steps.set(k, [...(steps.get(k) ?? []), v]);
      await waitExact(page, f);
      exact.push(performance.now() - t0);
      if (process.env.PROFILE_DRAWS) console.log(`jump to ${f}: draws ${await page.evaluate(() => (window as unknown as { __draws: string[] }).__draws.join(' '))}`);
      prev = f;
    }
    console.log(`\nScrub profile, ${N} random jumps, cockatoo.mp4, ${['fog', ...stack].join(' + ')}, preview maxWidth ${maxWidth}`);
    console.log('| step | mean ms (p95) |\n| --- | --- |');
    for (const [k, v] of rows) console.log(`| ${k} | ${fmt(v)} |`);
    for (const [k, v] of steps) console.log(`| UI first picture draw step: ${k} | ${fmt(v)} |`);
    console.log(`| UI click -> first picture drawn | ${fmt(first)} |`);
    console.log(`| UI click -> exact frame drawn | ${fmt(exact)} |`);
  } finally {
    await host.close();
    await engine.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
