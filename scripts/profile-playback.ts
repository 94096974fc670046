/**
 * npm run profile:playback — where a played frame's time goes in the viewer (headless Chromium, SwiftShader):
 * plays cockatoo.mp4 (720p) with fog for a few seconds under a Chromium performance trace and prints
 *  - the viewer's own per-draw steps (the canvas' data-steps of every draw, mean ms),
 *  - the trace's busiest slices per thread (the page's main thread, the GPU process, media),
 *  - frames drawn per second and the gaps between draws.
 * PROFILE_EFFECTS=fog,refocus,relight picks the stack; PROFILE_SECONDS the play time; PROFILE_RENDERER a built renderer;
 * PROFILE_SHOTS a folder for screenshots of the viewer while playing and once paused (the exact frame);
 * PROFILE_LIVE=worker draws the playing frames in the opt-in worker (preview/live-worker.ts); GEMDEPTH_PLAYBACK_PROXY=0 plays the
 * 720p source rather than the playback proxy (waited for otherwise); PROFILE_CPU=1 also samples the page's JavaScript
 * (CDP Profiler) and prints the functions with the most self time (build the renderer with --minify false for names);
 * the page's main thread is also summed by kind of task (scripts/page-tasks.ts: draws, depth fetches, React, GC).
 */
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clip, sharedModels } from '../test/helpers/shared.ts';
import { buildRenderer, launchHost } from '../test/host/host.ts';
import { clickFrame, drawSeq, tid, waitDrawn, waitExact } from '../test/e2e/ui.ts';
import { printPageTasks, type TraceSlice } from './page-tasks.ts';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 6);
const EFFECTS = (process.env.PROFILE_EFFECTS ?? 'fog').split(',');
const FRAMES = 280;

type TraceEvent = TraceSlice;

async function main() {
  sharedModels();
  const rendererDir = process.env.PROFILE_RENDERER ?? (await buildRenderer());
  const host = await launchHost({ viewport: { width: 1920, height: 1080 }, rendererDir });
  const page = host.page;
  try {
    // PROFILE_LIVE=worker: playing frames drawn by the opt-in worker (preview/use-live-canvas.ts).
    if (process.env.PROFILE_LIVE === 'worker') await page.evaluate(() => localStorage.setItem('gemdepth.livePreview', 'worker'));
    // PROFILE_SYNC=1: each GL step waits for its own GPU work (effect-renderer.ts), so the steps are the passes' cost.
    if (process.env.PROFILE_SYNC === '1') await page.evaluate(() => localStorage.setItem('gemdepth.syncTimings', '1'));
    const ex = process.env.PROFILE_EXP;
    if (ex) await page.evaluate((v) => localStorage.setItem('gemdepth.exp', v), ex);
    if (process.env.PROFILE_LIVE === 'worker' || process.env.PROFILE_SYNC === '1' || ex) await page.reload();
    await page.waitForSelector(tid('app-ready'));
    host.answerDialog([clip('cockatoo.mp4')]);
    await page.click(tid('import'));
    await page.waitForSelector(`${tid('clip-item')} >> text=cockatoo.mp4`);
    await page.click(tid('analyse'));
    await page.waitForSelector(`${tid('job')}[data-kind="analysis"][data-state="done"]`, { timeout: 1_800_000 });
    for (const e of EFFECTS) {
      await page.selectOption(tid('effect-add-select'), e);
      await page.click(tid('effect-add'));
    }
    // Frame 5 then frame 0: the playhead moves (and is drawn) even where it already was at 0.
    for (const f of [5, 0]) {
      const s = await drawSeq(page);
      await clickFrame(page, f, FRAMES);
      await waitDrawn(page, f, s, 120_000);
    }
    await waitExact(page, 0, 120_000);
    const playback = process.env.GEMDEPTH_PLAYBACK_PROXY === '0' ? 'source' : 'proxy';
    await page.waitForFunction((p) => document.querySelector('video')?.dataset.playback === p, playback, { timeout: 300_000 });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    // Every draw's steps, as the canvas reports them.
    await page.evaluate(() => {
      const c = document.querySelector('[data-testid="preview-canvas"]') as HTMLCanvasElement;
      const log: { t: number; steps: string; draw: string; grab: string; w: string; src: string }[] = [];
      Object.assign(window, { __draws: log });
      // When Play was pressed, on the page's clock: the start's latency is the first playing draw's time after it.
      document.addEventListener('keydown', (e) => e.key === ' ' && !(window as unknown as { __playAt?: number }).__playAt && Object.assign(window, { __playAt: performance.now() }), { capture: true });
      new MutationObserver(() =>
        log.push({ t: performance.now(), steps: c.dataset.steps ?? '{}', draw: c.dataset.drawMs ?? '', grab: c.dataset.fetchMs ?? '', w: c.dataset.width ?? '', src: c.dataset.source ?? '' }),
      ).observe(c, { attributes: true, attributeFilter: ['data-draw-seq'] });
    });
    const cdp = await page.context().newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (d) => void events.push(...(d.value as unknown as TraceEvent[])));
    const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
    await cdp.send('Tracing.start', {
      traceConfig: { includedCategories: ['devtools.timeline', 'v8', 'v8.execute', 'gpu', 'blink', 'media', 'cc', 'viz', 'toplevel', 'disabled-by-default-devtools.timeline'] },
      transferMode: 'ReportEvents',
    });
    const cpu = process.env.PROFILE_CPU === '1';
    if (cpu) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    }
    const cpu0 = browserCpu();
    const t0 = performance.now();
    await page.keyboard.press(' ');
    const shots = process.env.PROFILE_SHOTS;
    const shot = (when: string) => page.locator(tid('viewer')).screenshot({ path: join(shots!, `${EFFECTS.join('+')}-${when}.png`) });
    await page.waitForTimeout((SECONDS * 1000) / 2);
    if (shots) await shot('playing');
    await page.waitForTimeout((SECONDS * 1000) / 2);
    await page.keyboard.press(' ');
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = browserCpu();
    const cpuProfile = cpu ? ((await cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile : null;
    await cdp.send('Tracing.end');
    await done;
    const draws = (await page.evaluate(() => (window as unknown as { __draws: { t: number; steps: string; draw: string; grab: string; w: string; src: string }[] }).__draws)).filter((d) => d.src === 'video-play');
    if (shots) {
      await waitExact(page, Number(await page.textContent(tid('frame-number'))), 120_000);
      await shot('paused');
    }
    if (process.env.PROFILE_TRACE) await writeFile(process.env.PROFILE_TRACE, JSON.stringify({ traceEvents: events }));

    console.log(`\nplayback of cockatoo.mp4 with ${EFFECTS.join(' + ')} (<video> on the ${playback}): ${draws.length} frames drawn in ${wall.toFixed(1)} s = ${(draws.length / wall).toFixed(1)} fps; widths drawn: ${[...new Set(draws.map((d) => d.w))].join(', ')}`);
    const sum = new Map<string, number[]>();
    for (const d of draws) {
      for (const [k, v] of Object.entries(JSON.parse(d.steps) as Record<string, number>)) sum.set(k, [...(sum.get(k) ?? []), v]);
      sum.set('draw (all)', [...(sum.get('draw (all)') ?? []), Number(d.draw)]);
      sum.set('grab', [...(sum.get('grab') ?? []), Number(d.grab)]);
    }
    for (const w of new Set(draws.map((d) => d.w))) {
      const at = draws.filter((d) => d.w === w);
      const per = new Map<string, number>();
      for (const d of at) for (const [k, v] of Object.entries(JSON.parse(d.steps) as Record<string, number>)) per.set(k, (per.get(k) ?? 0) + v / at.length);
      console.log(`  at width ${w} (${at.length} draws):`, [...per].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
    }
    if (cpu0 && cpu1 && draws.length) console.log(`CPU ms per drawn frame: page's main thread ${((cpu1.main - cpu0.main) / draws.length).toFixed(1)}, all browser processes ${((cpu1.all - cpu0.all) / draws.length).toFixed(1)} (${((cpu1.all - cpu0.all) / wall).toFixed(0)} ms per second of play)`);
    const gaps = draws.slice(1).map((d, i) => d.t - draws[i].t);
    const playAt = await page.evaluate(() => (window as unknown as { __playAt?: number }).__playAt ?? NaN);
    if (draws.length) console.log(`Play to the first playing frame drawn: ${(draws[0].t - playAt).toFixed(0)} ms`);
    console.log('viewer steps per draw (mean ms):', [...sum].map(([k, v]) => `${k} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`).join(', '));
    console.log(`gap between draws: mean ${(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)).toFixed(1)} ms, max ${Math.max(0, ...gaps).toFixed(0)} ms`);

    if (cpuProfile) printSelfTime(cpuProfile, wall);

    printPageTasks(events, wall, draws.length);

    // The trace: thread names, then the busiest slice names per thread (ms over the whole play; nested slices count in their parents too).
    const names = new Map<string, string>();
    for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
    const per = new Map<string, Map<string, number>>();
    for (const e of events) {
      if (e.ph !== 'X' || !e.dur) continue;
      const th = names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`;
      const m = per.get(th) ?? new Map<string, number>();
      m.set(e.name, (m.get(e.name) ?? 0) + e.dur / 1000);
      per.set(th, m);
    }
    for (const [th, m] of per) {
      const top = [...m].sort((a, b) => b[1] - a[1]).slice(0, 14);
      if (!top.length || top[0][1] < 50) continue;
      console.log(`\n[${th}] per second of play (ms): ${top.map(([k, v]) => `${k} ${(v / wall).toFixed(0)}`).join(', ')}`);
    }
  } finally {
    await host.close();
  }
}

/** CPU ms (user + system) of this process' Chromium descendants, and of the page's renderer main thread; null off Linux. */
function browserCpu(): { all: number; main: number } | null {
  try {
    const stat = (path: string) => {
      const s = readFileSync(path, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 };
    };
    const procs = new Map<number, { ppid: number; ms: number }>();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        procs.set(Number(d), stat(`/proc/${d}/stat`));
      } catch {
        // gone meanwhile
      }
    }
    const mine = new Set([process.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, p] of procs) {
        if (mine.has(pid) || !mine.has(p.ppid)) continue;
        mine.add(pid);
        grew = true;
      }
    }
    mine.delete(process.pid);
    let all = 0;
    let main = 0;
    for (const pid of mine) {
      all += procs.get(pid)!.ms;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // The page's renderer (the only one with a GL page here; extensions are off): its main thread's id is the process id.
      if (cmd.includes('--type=renderer')) main = Math.max(main, stat(`/proc/${pid}/task/${pid}/stat`).ms);
    }
    return { all, main };
  } catch {
    return null;
  }
}

type CpuProfile = { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[] };

/** The page's JavaScript by self time (ms per second of play), from a CDP CPU profile. */
function printSelfTime(p: CpuProfile, wall: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  });
  const top = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.log(`\n[page JavaScript, self time] per second of play (ms): ${top.map(([k, v]) => `${k} ${(v / wall).toFixed(1)}`).join(', ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
