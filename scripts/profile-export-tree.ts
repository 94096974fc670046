/**
 * Where a whole export's CPU goes, per process and thread (not a test): `npm run profile:export-tree`.
 * Runs the bare transcode of scripts/bench-export.ts and runRender with fog, refocus and relight on the
 * first frames of ../shared/clips/cockatoo.mp4, and splits each run's CPU between node's main thread,
 * the effect workers (threads started during the export), node's other threads (GC, libuv), the decoding
 * ffmpeg and the encoding ffmpeg. Node's threads are read from /proc/self/task; each ffmpeg runs under
 * /usr/bin/time (a wrapper given to setFfmpegPaths), which reports its exact CPU at exit.
 * Options: --frames N (default 60), --threads N (effect workers), --only fog,refocus, --rgb-too (each export
 * also with RGB pipes, GEMDEPTH_RGB_PIPES=1), --input FILE (another clip; cockatoo is 4:4:4).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveFfmpeg, setFfmpegPaths } from '../src-main/engine/decode/ffmpeg-path.ts';
import { probe } from '../src-main/engine/decode/probe.ts';
import { parseEffectSpec } from '../src-main/engine/effects/index.ts';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
import { runRender } from '../src-main/engine/jobs/render.ts';
import { SHARED, arg, BENCH_OUT, BENCH_CACHE } from './script-env.ts';

const OUT = BENCH_OUT;
const CACHE = BENCH_CACHE;
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** CPU ms of each thread of this process, by thread id. */
function threadCpu(): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      m.set(Number(t), (Number(rest[11]) + Number(rest[12])) * TICK_MS);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return m;
}

function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const LOG = join(OUT, 'ffmpeg-cpu.log');
/** ffmpeg runs of this process: role (decode reads pipe:1 out, encode pipe:0 in) and CPU ms. */
function ffmpegRuns(): { role: string; ms: number }[] {
  if (!existsSync(LOG)) return [];
  return readFileSync(LOG, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [role, u, s] = l.split(' ');
    return { role, ms: (Number(u) + Number(s)) * 1000 };
  });
}

interface Split { wall: number; main: number; workers: number; nodeOther: number; decode: number; encode: number; other: number }

async function measure(run: () => Promise<unknown>): Promise<Split> {
  rmSync(LOG, { force: true });
  const before = threadCpu();
  const pid = process.pid;
  const total0 = processCpu();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const total = processCpu() - total0;
  const after = threadCpu();
  const main = (after.get(pid) ?? 0) - (before.get(pid) ?? 0);
  let old = 0;
  for (const [tid, ms] of after) if (tid !== pid && before.has(tid)) old += ms - before.get(tid)!;
  const runs = ffmpegRuns();
  const sum = (role: string) => runs.filter((r) => r.role === role).reduce((a, r) => a + r.ms, 0);
  // Threads that ended (the effect workers are closed at the end of an export) count in the process total only.
  return { wall, main, nodeOther: old, workers: Math.max(0, total - main - old), decode: sum('decode'), encode: sum('encode'), other: sum('other') };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const n = Number(arg('--frames') ?? 60);
  const threads = arg('--threads') ? Number(arg('--threads')) : undefined;
  const only = arg('--only')?.split(',');
  const input = resolve(arg('--input') ?? join(SHARED, 'clips', 'cockatoo.mp4'));
  const real = resolveFfmpeg();
  const wrapper = join(OUT, 'ffmpeg-timed.sh');
  writeFileSync(wrapper, [
    '#!/bin/bash',
    'role=other',
    'for a in "$@"; do case "$a" in pipe:1) role=decode;; pipe:0) role=encode;; esac; done',
    // In the background so that the reader's SIGKILL after its last frame ends this shell, not the timing;
    // stdin given explicitly (a background job's is /dev/null otherwise).
    `/usr/bin/time -a -o '${LOG}' -f "$role %U %S" '${real.ffmpeg}' "$@" 0<&0 &`,
    'wait $!',
    '',
  ].join('\n'));
  chmodSync(wrapper, 0o755);
  await runAnalysis({ input, start: 0, end: n - 1, cacheDir: CACHE, preview: false });
  setFfmpegPaths({ ffmpeg: wrapper, ffprobe: real.ffprobe ?? undefined });

  const rows: [string, Split][] = [];
  const duration = (n / (await probe(input)).fps).toFixed(6);
  rows.push(['bare transcode', await measure(async () => {
    const r = spawnSync(wrapper, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', input, '-t', duration, '-frames:v', String(n), '-map', '0:v:0', '-map', '0:a?', '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'copy', join(OUT, 'tree-bare.mp4')]);
    if (r.status !== 0) throw new Error(`bare transcode failed: ${r.stderr}`);
  })]);
  const effects: Record<string, string> = { fog: 'fog:density=1.5', refocus: 'refocus:focus=0.15,aperture=10', relight: 'relight' };
  // --rgb-too: each export also with RGB on both pipes (GEMDEPTH_RGB_PIPES=1, as before YUV pipes), right before.
  const modes = process.argv.includes('--rgb-too') ? ['rgb', 'yuv'] : ['default'];
  for (const [name, spec] of Object.entries(effects)) {
    if (only && !only.includes(name)) continue;
    for (const mode of modes) {
      if (mode === 'rgb') process.env.GEMDEPTH_RGB_PIPES = '1';
      else delete process.env.GEMDEPTH_RGB_PIPES;
      const label = mode === 'default' ? `export + ${name}` : `export + ${name} (${mode} pipes)`;
      rows.push([label, await measure(() => runRender({ input, out: join(OUT, `tree-${name}-${mode}.mp4`), start: 0, end: n - 1, effects: [parseEffectSpec(spec)], cacheDir: CACHE, threads, replace: true }))]);
    }
  }
  // CPU x bare: the bare transcode's CPU per frame over this one's, the ratio of fps to expect where both
  // have the cores to themselves (the bare transcode keeps 2 cores busy here); wall-clock fps on a shared
  // machine follows the neighbours' load.
  const head = ['pipeline', 'fps', 'x bare', 'CPU x bare', 'node main', 'workers', 'node other', 'ffmpeg dec', 'ffmpeg enc', 'ffmpeg other', 'total', 'cores busy'];
  const bareFps = (n * 1000) / rows[0][1].wall;
  const total = (s: Split) => s.main + s.workers + s.nodeOther + s.decode + s.encode + s.other;
  const bareCpu = total(rows[0][1]);
  const body = rows.map(([name, s]) => {
    const tot = total(s);
    const fps = (n * 1000) / s.wall;
    return [name, fps.toFixed(1), (fps / bareFps).toFixed(2), (bareCpu / tot).toFixed(2), ...[s.main, s.workers, s.nodeOther, s.decode, s.encode, s.other, tot].map((v) => (v / n).toFixed(1)), (tot / s.wall).toFixed(2)];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => v.padEnd(w[i])).join(' | ') + ' |';
  console.log(`CPU ms per frame, ${n} frames of ${input} (wall-clock fps; cores busy = CPU time / wall time)`);
  console.log(line(head));
  console.log('| ' + w.map((k) => '-'.repeat(k)).join(' | ') + ' |');
  for (const b of body) console.log(line(b));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
