/**
 * npm run bench:app — the app's interactive latencies in headless Chromium against the real engine:
 *  - launch to an interactive window (browser start + page load + first API round trip),
 *  - scrub latency at 720p: from a click on the timeline to the new frame drawn with fog, on the page's
 *    clock (pointerdown to the draw; the harness' wall time, Playwright round trips included, beside it) (p50/p95; first
 *    picture, the clip's proxy JPEG once the engine has made it, then the engine's exact frame that
 *    refines it); the same with fog + refocus + relight;
 *    single steps forward and back;
 *  - playback 720p with fog: frames drawn per second of wall time while playing 10 s at 1x.
 * Uses ../shared/clips/cockatoo.mp4 (1280x720). Its analysis comes from the depth cache when present.
 */
import { performance } from 'node:perf_hooks';
import { clip, sharedModels } from '../test/helpers/shared.ts';
import type { Page } from 'playwright-core';
import { buildRenderer, launchHost, type Host } from '../test/host/host.ts';
import { clickFrame, drawSeq, tid, waitDrawn, waitExact } from '../test/e2e/ui.ts';

const SCRUBS = Number(process.env.BENCH_SCRUBS ?? 40);

function pct(xs: number[], p: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
}

const FRAMES = 280;
const CLIP_FPS = 20;
const body = (page: Page) => page.locator('body').click({ position: { x: 5, y: 5 } });

/** The clip imported (its analysis from the cache or computed) with fog added. */
async function openWithFog(host: Host, input: string, analyse: boolean) {
  const page = host.page;
  await page.waitForSelector(tid('app-ready'));
  host.answerDialog([input]);
  await page.click(tid('import'));
  await page.waitForSelector(`${tid('clip-item')} >> text=cockatoo.mp4`);
  const ta = performance.now();
  if (analyse) {
    await page.click(tid('analyse'));
    await page.waitForSelector(`${tid('job')}[data-kind="analysis"][data-state="done"]`, { timeout: 1_800_000 });
  }
  await page.waitForSelector(`${tid('analysis-status')}:has-text("depth ✓")`);
  const analyseS = (performance.now() - ta) / 1000;
  await page.selectOption(tid('effect-add-select'), 'fog');
  await page.click(tid('effect-add'));
  await page.waitForSelector('[data-param="density"]');
  return analyseS;
}

/** Where a draw's milliseconds went (the canvas' data-steps and data-fetch-ms/draw-ms), summed per step over draws. */
type Steps = Map<string, number[]>;
async function addSteps(page: Page, into: Steps) {
  const d = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
    return { steps: c.dataset.steps ?? '{}', fetch: c.dataset.fetchMs, draw: c.dataset.drawMs };
  });
  const add = (k: string, v: number) => into.set(k, [...(into.get(k) ?? []), v]);
  for (const [k, v] of Object.entries(JSON.parse(d.steps) as Record<string, number>)) add(k, v);
  if (d.fetch) add('fetch (frame+depth) or grab', Number(d.fetch));
  if (d.draw) add('draw (all GL calls)', Number(d.draw));
}
const stepsRow = (name: string, st: Steps) =>
  `| ${name} | ${[...st].map(([k, v]) => `${k} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`).join(', ')} |`;

/**
 * Records, on the page's own clock, the click's pointerdown and the first draw of the frame asked for
 * and of its exact picture: the app's latency, without the harness' round trips to the browser.
 */
async function recordScrubs(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __scrub?: { want: number; down: number; first: number; exact: number } };
    if (w.__scrub) return;
    const r = (w.__scrub = { want: -1, down: 0, first: 0, exact: 0 });
    document.addEventListener('pointerdown', () => Object.assign(r, { down: performance.now(), first: 0, exact: 0 }), { capture: true });
    const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
    new MutationObserver(() => {
      if (Number(c.dataset.frame) !== r.want || !r.down) return;
      const t = performance.now() - r.down;
      if (!r.first) r.first = t;
      if (!r.exact && c.dataset.source === 'engine') r.exact = t;
    }).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
  });
}

/**
 * Random jumps from a fixed seed: time from the click to the first picture of the frame and to the
 * engine's exact one, on the page's clock; `wall` gets the harness' wall time to the first picture
 * (the timeline's geometry looked up, the click sent, the draw polled for: Playwright round trips included).
 */
function jumper(page: Page) {
  let rnd = 12345;
  const next = () => ((rnd = (rnd * 1103515245 + 12345) % 2 ** 31), rnd / 2 ** 31);
  const state = { prev: 0 };
  const run = async (first: number[], exact: number[], steps?: Steps, wall?: number[]) => {
    await recordScrubs(page);
    for (let i = 0; i < SCRUBS; i++) {
      let f = Math.floor(next() * FRAMES);
      if (f === state.prev) f = (f + 7) % FRAMES;
      await page.evaluate((want) => Object.assign((window as unknown as { __scrub: object }).__scrub, { want, down: 0 }), f);
      const s = await drawSeq(page);
      const t0 = performance.now();
      await clickFrame(page, f, FRAMES);
      await waitDrawn(page, f, s);
      wall?.push(performance.now() - t0);
      if (steps) await addSteps(page, steps);
      await waitExact(page, f);
      const r = await page.evaluate(() => (window as unknown as { __scrub: { first: number; exact: number } }).__scrub);
      first.push(r.first);
      exact.push(r.exact);
      state.prev = f;
    }
  };
  return { run, state };
}

/** Plays from frame 0 for `seconds` of wall time: frames drawn, where the playhead got, what drew them. */
async function playFor(page: Page, seconds: number) {
  const s = await drawSeq(page);
  await clickFrame(page, 0, FRAMES);
  await waitDrawn(page, 0, s);
  await waitExact(page, 0);
  await body(page);
  const s0 = await drawSeq(page);
  const tp = performance.now();
  await page.keyboard.press(' ');
  const steps: Steps = new Map();
  for (const end = performance.now() + seconds * 1000; performance.now() < end; ) {
    await page.waitForTimeout(400);
    await addSteps(page, steps);
  }
  const drawn = (await drawSeq(page)) - s0;
  const wall = (performance.now() - tp) / 1000;
  const frame = Number(await page.textContent(tid('frame-number')));
  const video = await page.evaluate(() => document.querySelector('video')?.dataset.playback ?? 'none');
  const source = `${await page.getAttribute(tid('preview-canvas'), 'data-source')} at ${await page.getAttribute(tid('preview-canvas'), 'data-width')} px wide, <video> on the ${video}`;
  await page.keyboard.press(' ');
  return { drawn, seconds: wall, frame, source, fps: drawn / wall, steps };
}

/** The reference in the same run: the viewer on the engine's frames only (no <video> served to the page). */
async function engineOnly(rendererDir: string, input: string) {
  const host = await launchHost({ viewport: { width: 1920, height: 1080 }, rendererDir, media: false });
  try {
    await openWithFog(host, input, false);
    const first: number[] = [];
    const exact: number[] = [];
    await jumper(host.page).run(first, exact);
    return { exact, play: await playFor(host.page, 10) };
  } finally {
    await host.close();
  }
}

/** The reference in the same run: the <video> on the 720p source (playback proxies off). */
async function sourceVideo(rendererDir: string, input: string) {
  process.env.GEMDEPTH_PLAYBACK_PROXY = '0';
  const host = await launchHost({ viewport: { width: 1920, height: 1080 }, rendererDir });
  try {
    await openWithFog(host, input, false);
    // Off frame 0 first: playFor's click on frame 0 then moves the playhead (and draws).
    const s = await drawSeq(host.page);
    await clickFrame(host.page, 5, FRAMES);
    await waitDrawn(host.page, 5, s);
    return await playFor(host.page, 10);
  } finally {
    await host.close();
    delete process.env.GEMDEPTH_PLAYBACK_PROXY;
  }
}

async function main() {
  sharedModels();
  const input = clip('cockatoo.mp4');
  const rendererDir = await buildRenderer();

  const launches: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const h = await launchHost({ rendererDir });
    await h.page.waitForSelector(tid('app-ready'));
    launches.push(performance.now() - t0);
    await h.close();
  }

  const host = await launchHost({ viewport: { width: 1920, height: 1080 }, rendererDir });
  const page = host.page;
  const analyseS = await openWithFog(host, input, true);
  const frames = FRAMES;

  // Random jumps (each a real seek) and then single steps (the sequential-read path).
  const jumps: number[] = [];
  const steps: number[] = [];
  const fetchJ: number[] = [];
  const fetchS: number[] = [];
  const canvasTimes = () =>
    page.evaluate(() => Number((document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement).dataset.fetchMs));
  const jump = jumper(page);
  const jumpsExact: number[] = [];
  const jumpSteps: Steps = new Map();
  const jumpsWall: number[] = [];
  await jump.run(jumps, jumpsExact, jumpSteps, jumpsWall);
  let prev = jump.state.prev;
  fetchJ.push(await canvasTimes());
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < SCRUBS && prev + 1 < frames; i++) {
    const s = await drawSeq(page);
    const t0 = performance.now();
    await page.keyboard.press('ArrowRight');
    await waitDrawn(page, prev + 1, s);
    steps.push(performance.now() - t0);
    fetchS.push(await canvasTimes());
    prev++;
  }
  // Stepping back from the clip's end, over frames the forward steps did not visit (reverse play /
  // stepping back: decoded a block at a time, not one seek per frame).
  {
    const s = await drawSeq(page);
    await clickFrame(page, frames - 1, frames);
    await waitDrawn(page, frames - 1, s);
    prev = frames - 1;
    await page.locator('body').click({ position: { x: 5, y: 5 } });
  }
  const backs: number[] = [];
  for (let i = 0; i < SCRUBS && prev > 0; i++) {
    const s = await drawSeq(page);
    const t0 = performance.now();
    await page.keyboard.press('ArrowLeft');
    await waitDrawn(page, prev - 1, s);
    backs.push(performance.now() - t0);
    prev--;
  }

  // The full effect stack: refocus and relight added after fog.
  const full: number[] = [];
  const fullExact: number[] = [];
  for (const e of ['refocus', 'relight']) {
    await page.selectOption(tid('effect-add-select'), e);
    await page.click(tid('effect-add'));
  }
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="effect-item"]').length === 3);
  const fullSteps: Steps = new Map();
  await jump.run(full, fullExact, fullSteps);
  const requests = host.api.frameStats();

  // Playback with fog alone, from frame 0, 10 s of wall time.
  const boxes = page.locator(`${tid('effect-item')} input[type=checkbox]`);
  for (const k of [1, 2]) await boxes.nth(k).uncheck();
  // The <video> on the clip's playback proxy (made in the background since the import).
  await page.waitForFunction(() => document.querySelector('video')?.dataset.playback === 'proxy', undefined, { timeout: 300_000 });
  const played = await playFor(page, 10);

  const canvasW = await page.evaluate(() => (document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement).width);
  await host.close();
  const ref = await engineOnly(rendererDir, input);
  const fromSource = await sourceVideo(rendererDir, input);

  const row = (name: string, xs: number[]) => `| ${name.padEnd(44)} | ${pct(xs, 0.5).toFixed(0).padStart(6)} | ${pct(xs, 0.95).toFixed(0).padStart(6)} | ${String(xs.length).padStart(3)} |`;
  console.log(`\nGemDepth Studio app benchmark — headless Chromium (SwiftShader WebGL2), cockatoo.mp4 1280x720, preview canvas ${canvasW}px wide`);
  console.log(`analysis (cache hit if analysed before): ${analyseS.toFixed(1)} s\n`);
  console.log('| measure                                      | p50 ms | p95 ms |   n |');
  console.log('| -------------------------------------------- | ------ | ------ | --- |');
  console.log(row('launch -> interactive window', launches));
  console.log(row('scrub (random jump) -> frame drawn with fog', jumps));
  console.log(row('  ... -> exact engine frame with fog', jumpsExact));
  console.log(row('  ... first picture, harness wall time', jumpsWall));
  console.log(row('scrub -> frame drawn, fog+refocus+relight', full));
  console.log(row('  ... -> exact engine frame, full stack', fullExact));
  console.log(row('frame step (→) -> frame drawn with fog', steps));
  console.log(row('  of which: engine frame+depth delivery', fetchS));
  console.log(row('frame step back (←) -> frame drawn with fog', backs));
  console.log(`\n| measure | value | target |\n| --- | --- | --- |`);
  const playRow = (p: typeof played) => `${p.fps.toFixed(1)} fps (${p.drawn} frames in ${p.seconds.toFixed(1)} s, playhead at ${p.frame}, drawn from: ${p.source})`;
  console.log(`| playback 720p with fog (frames drawn / s of wall time, 10 s at 1x; clip ${CLIP_FPS} fps) | ${playRow(played)} | >= 20 fps |`);
  console.log(`| ... reference, same run: <video> on the 720p source (GEMDEPTH_PLAYBACK_PROXY=0) | ${playRow(fromSource)} | — |`);
  console.log(`| ... reference, same run: engine frames only | ${playRow(ref.play)} | — |`);
  console.log(`| scrub (random jump) with fog, p95 (first picture / exact) | ${pct(jumps, 0.95).toFixed(0)} / ${pct(jumpsExact, 0.95).toFixed(0)} ms | <= 150 ms |`);
  console.log(`| ... reference, same run: engine frames only, p50 / p95 | ${pct(ref.exact, 0.5).toFixed(0)} / ${pct(ref.exact, 0.95).toFixed(0)} ms | — |`);
  console.log(`| scrub with fog + refocus + relight, p95 (first picture / exact) | ${pct(full, 0.95).toFixed(0)} / ${pct(fullExact, 0.95).toFixed(0)} ms | <= 400 ms |`);
  console.log(`| engine frame requests while scrubbing: served / cancelled by a newer one; decoders started / stopped | ${requests.frames.served} / ${requests.frames.cancelled}; ${requests.decodersStarted} / ${requests.decodersStopped} | — |`);
  console.log(`\nPer-frame milliseconds (mean; steps as the canvas' data-steps name them: upload, coef = the guided filter's low-res half, upsample, prep (relight's maps, refocus's radii; prepWait = waiting for the prep worker), <effect>):`);
  console.log('| draws | ms |\n| --- | --- |');
  console.log(stepsRow('first picture of a jump, fog', jumpSteps));
  console.log(stepsRow('first picture of a jump, fog + refocus + relight', fullSteps));
  console.log(stepsRow('playback with fog (sampled every 0.4 s)', played.steps));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
