/**
 * Where an analysis's CPU goes (not a test): `npm run profile:analyze [-- --modes bare,cache,outputs,default]`.
 * Each mode runs in a child process on ../shared/clips/cockatoo.mp4; this process samples /proc every 50 ms
 * and prints CPU seconds per thread group of the child (main, model thread + ORT pool, other workers, libuv,
 * V8) and per ffmpeg process it started (decoder, preview encoder). Linux only.
 * Modes: bare (ffmpeg decode to the model size + the model, one process: the reference), cache (no poses,
 * no outputs), outputs (no poses, .npy + preview), default (what `gemdepth analyze` does).
 * PROF_FOV: a field of view (degrees) to give the analysis, so the search for it is left out (its cost is the difference).
 * PROF_NODE_ARGS: node / V8 flags for the child, e.g. to try compiler flags (`PROF_NODE_ARGS=--interrupt-budget=270336`).
 * `--timeline`: also CPU per thread group per 250 ms and the frames done at its end, to see where a core
 * waits (the stages' idle gaps), not only how much CPU each thread spends in all; and per busy thread
 * the time it slept (had nothing to do), apart from the time it waited for a CPU (the machine's load).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFrames } from '../src-main/engine/decode/frame-reader.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { getManifest } from '../src-main/engine/infer/manifest.ts';
import { loadModelThreaded } from '../src-main/engine/infer/model-thread.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { depthSize, frameToTensor, modelInputSize } from '../src-main/engine/preprocess/index.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const SHARED = resolve(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'));
const COCKATOO = join(SHARED, 'clips', 'cockatoo.mp4');
const HZ = 100;

async function child(mode: string): Promise<void> {
  const t0 = performance.now();
  let frames = 0;
  if (mode === 'bare') {
    // The reference: decode to the model's size and run the model on its thread, one batch in flight.
    const manifest = await getManifest('fastdepth');
    const info = await probe(COCKATOO);
    const inSize = modelInputSize(manifest.size, info.width, info.height);
    const dSize = depthSize(manifest.size, info.width, info.height);
    const model = await loadModelThreaded(manifest, { device: 'cpu' });
    const per = 3 * inSize.width * inSize.height;
    let prev: Promise<unknown> | null = null;
    process.stdout.write('start\n');
    const t1 = performance.now();
    for await (const f of readFrames(info, { width: dSize.width, height: dSize.height, scaleFlags: 'bilinear' })) {
      const t = new Float32Array(per);
      frameToTensor(f, inSize, manifest, t, 0);
      const run = model.run(t, [1, 3, inSize.height, inSize.width]);
      if (prev) await prev;
      prev = run;
      frames++;
    }
    await prev;
    await model.close();
    process.stdout.write(JSON.stringify({ frames, secs: (performance.now() - t1) / 1000 }) + '\n');
    return;
  }
  const cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-prof-cache-'));
  const out = await mkdtemp(join(tmpdir(), 'gemdepth-prof-out-'));
  try {
    const withOut = mode === 'outputs' || mode === 'default';
    process.stdout.write('start\n');
    const onProgress = (p: { done: number }) => process.stdout.write(`progress ${p.done}\n`);
    const r = await runAnalysis({ input: COCKATOO, out: withOut ? join(out, 'a') : undefined, poses: mode === 'default', cacheDir, device: 'cpu', ...(process.env.PROF_FOV ? { intrinsics: { fovDeg: Number(process.env.PROF_FOV) } } : {}) }, { onProgress });
    frames = r.end - r.start + 1;
    process.stdout.write(JSON.stringify({ frames, secs: (performance.now() - t0) / 1000 }) + '\n');
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
/** utime + stime (s) and start time (ticks) of a /proc stat line. */
function stat(line: string) {
  const f = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return { cpu: (Number(f[11]) + Number(f[12])) / HZ, ppid: Number(f[1]), start: Number(f[19]) };
}

type Timeline = { t: number; done: number; threads: Map<number, number>; procs: Map<number, number> }[];

function runProfiled(mode: string): Promise<{ frames: number; secs: number; groups: Map<string, number>; timeline: { t: number; done: number; groups: Map<string, number> }[]; waits: { name: string; run: number; wait: number; slept: number }[] }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [...(process.env.PROF_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = p.pid!;
    const threads = new Map<number, { name: string; start: number; cpu: number }>();
    // Per thread from schedstat: ns on a CPU, ns runnable but waiting for one, and when it was first and last seen.
    const sched = new Map<number, { run0: number; wait0: number; run: number; wait: number; first: number; last: number }>();
    const procs = new Map<number, { name: string; cpu: number }>();
    const sample = () => {
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        return;
      }
      for (const t of tids) {
        const s = read(`/proc/${pid}/task/${t}/stat`);
        if (!s) continue;
        const comm = (read(`/proc/${pid}/task/${t}/comm`) ?? '?').trim();
        const st = stat(s);
        threads.set(Number(t), { name: comm, start: st.start, cpu: st.cpu });
        const ss = read(`/proc/${pid}/task/${t}/schedstat`)?.split(' ').map(Number);
        if (ss && base) {
          const now = performance.now(), was = sched.get(Number(t));
          sched.set(Number(t), { run0: was?.run0 ?? ss[0] / 1e6, wait0: was?.wait0 ?? ss[1] / 1e6, run: ss[0] / 1e6, wait: ss[1] / 1e6, first: was?.first ?? now, last: now });
        }
      }
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        const s = read(`/proc/${d}/stat`);
        if (!s) continue;
        const st = stat(s);
        if (st.ppid !== pid) continue;
        const cmd = (read(`/proc/${d}/cmdline`) ?? '').split('\0');
        const name = cmd.length < 2 ? 'exited child (ffmpeg decode)' : cmd.includes('pipe:0') ? 'ffmpeg encode (preview)' : cmd.includes('pipe:1') ? 'ffmpeg decode' : cmd[0].split('/').pop()!;
        // Children's own threads are counted in their stat.
        procs.set(Number(d), { name, cpu: st.cpu });
      }
    };
    // Every 5th sample (250 ms) the threads' and children's CPU so far, for --timeline.
    const marks: Timeline = [];
    let done = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      sample();
      if (base && ++ticks % 5 === 0) {
        marks.push({ t: performance.now(), done, threads: new Map([...threads].map(([k, v]) => [k, v.cpu])), procs: new Map([...procs].map(([k, v]) => [k, v.cpu])) });
      }
    }, 50);
    let out = '';
    // CPU spent before the job starts (loading modules) is not the job's.
    let base: Map<number, number> | null = null;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      sample();
      if (!base && out.includes('start\n')) {
        base = new Map([...threads.entries()].map(([t, x]) => [t, x.cpu]));
        marks.push({ t: performance.now(), done: 0, threads: new Map(base), procs: new Map([...procs].map(([k, v]) => [k, v.cpu])) });
      }
      const m = /progress (\d+)\n(?![\s\S]*progress)/.exec(out);
      if (m) done = Number(m[1]);
    });
    p.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return rej(new Error(`child exited ${code}`));
      // Worker threads (model thread, geometry's output thread) carry the name "node" like the main thread;
      // ORT's pool threads are created by the model thread after it: all named by their start order.
      const nodes = [...threads.entries()].filter(([, t]) => t.name === 'node').sort((a, b) => a[1].start - b[1].start || a[0] - b[0]);
      const groupOf = (tid: number, t: { name: string }) => {
        if (tid === pid) return 'node main thread';
        if (t.name === 'node') return `thread #${nodes.findIndex(([x]) => x === tid)} (${(base?.has(tid) ? 'before start' : 'new')})`;
        return `${t.name.replace(/[0-9]+$/, '')} threads`;
      };
      const grouped = (cpuOf: (tid: number) => number, procCpu: (pid: number) => number) => {
        const groups = new Map<string, number>();
        const add = (k: string, v: number) => groups.set(k, (groups.get(k) ?? 0) + v);
        for (const [tid, t] of threads) add(groupOf(tid, t), cpuOf(tid));
        for (const [d, pr] of procs) add(pr.name, procCpu(d));
        return groups;
      };
      const groups = grouped((tid) => threads.get(tid)!.cpu - (base?.get(tid) ?? 0), (d) => procs.get(d)!.cpu);
      const timeline = marks.slice(1).map((m, i) => {
        const a = marks[i];
        return { t: (m.t - marks[0].t) / 1000, done: m.done, groups: grouped((tid) => (m.threads.get(tid) ?? 0) - (a.threads.get(tid) ?? base?.get(tid) ?? 0), (d) => (m.procs.get(d) ?? 0) - (a.procs.get(d) ?? 0)) };
      });
      // Seconds each busy thread ran, waited for a CPU (the machine's load) and slept (nothing to do: the pipeline) while it was seen.
      const waits = [...sched].filter(([, x]) => x.run - x.run0 >= 300).map(([tid, x]) => {
        const run = x.run - x.run0, wait = x.wait - x.wait0;
        return { name: groupOf(tid, threads.get(tid)!), run: run / 1000, wait: wait / 1000, slept: Math.max(0, x.last - x.first - run - wait) / 1000 };
      });
      const r = JSON.parse(out.trim().split('\n').pop()!);
      res({ ...r, groups, timeline, waits });
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]);
  const mi = args.indexOf('--modes');
  const modes = mi >= 0 ? args[mi + 1].split(',') : ['bare', 'cache', 'outputs', 'default'];
  for (const m of modes) {
    const r = await runProfiled(m);
    const total = [...r.groups.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${m}: ${r.frames} frames in ${r.secs.toFixed(2)} s = ${(r.frames / r.secs).toFixed(1)} fps; CPU ${total.toFixed(2)} s (${((1000 * total) / r.frames).toFixed(1)} ms a frame)`);
    for (const [k, v] of [...r.groups.entries()].sort((a, b) => b[1] - a[1])) {
      if (v >= 0.01) console.log(`  ${k.padEnd(40)} ${v.toFixed(2).padStart(6)} s  ${((1000 * v) / r.frames).toFixed(1).padStart(5)} ms/frame`);
    }
    if (args.includes('--timeline')) {
      printTimeline(r.timeline, r.groups);
      console.log('\n  thread: s on a CPU / s waiting for one (load) / s asleep (nothing to do), from /proc/<pid>/task/<tid>/schedstat');
      for (const w of r.waits) console.log(`  ${w.name.padEnd(24)} ${w.run.toFixed(2)} / ${w.wait.toFixed(2)} / ${w.slept.toFixed(2)}`);
    }
  }
}

/** One row per 250 ms: the frames done and each busy group's share of a core (100 = one core all the time). */
function printTimeline(rows: { t: number; done: number; groups: Map<string, number> }[], totals: Map<string, number>) {
  const cols = [...totals.entries()].filter(([, v]) => v >= 0.2).sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const short = (k: string) => k.replace('node main thread', 'main').replace(/thread #(\d+) \((new|before start)\)/, '#$1').replace(/ffmpeg (\w+).*/, 'ff-$1').replace(' threads', '').slice(0, 8);
  console.log(`\n  ${'t s'.padStart(6)} ${'frames'.padStart(6)} ${cols.map((k) => short(k).padStart(8)).join(' ')} ${'all'.padStart(5)}  (% of a core per 250 ms)`);
  let prevT = 0;
  for (const r of rows) {
    const dt = r.t - prevT;
    prevT = r.t;
    const pct = (v: number) => Math.round((100 * v) / dt);
    const all = [...r.groups.values()].reduce((a, b) => a + b, 0);
    console.log(`  ${r.t.toFixed(2).padStart(6)} ${String(r.done).padStart(6)} ${cols.map((k) => String(pct(r.groups.get(k) ?? 0)).padStart(8)).join(' ')} ${String(pct(all)).padStart(5)}`);
  }
}

await main();
