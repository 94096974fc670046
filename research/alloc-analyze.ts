/**
 * Where a default analysis allocates, or spends its CPU, thread by thread (not a test):
 *   node --import tsx research/alloc-analyze.ts [clip] [--top N] [--cpu]
 * Runs `gemdepth analyze`'s job (poses, fusion, .npy + preview, a cold cache; cockatoo.mp4 by default)
 * with V8's sampling heap profiler (or, `--cpu`, its CPU profiler) on the main thread AND on every worker
 * thread (model, geometry output), which `node --cpu-prof` / `--heap-prof` do not reach when a worker
 * starts from a bundle. Allocation counts the objects the GC already collected too (what keeps the GC
 * busy); it sees V8's heap only: typed arrays' backing stores are outside it. Prints per thread the MB
 * allocated (or ms of CPU) per function, self, by function and file.
 */
import { Session } from 'node:inspector/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }
interface CpuProfile { nodes: { id: number; callFrame: CallFrame; positionTicks?: { line: number; ticks: number }[] }[]; samples: number[]; timeDeltas: number[] }

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const flag = (f: string) => { const i = args.indexOf(f); if (i >= 0) args.splice(i, 1); return i >= 0; };
const ti = args.indexOf('--top');
const TOP = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 25;
const CPU = flag('--cpu');
const clip = resolve(args[0] ?? join(process.env.GEMDEPTH_SHARED ?? join(ROOT, '..', 'shared'), 'clips', 'cockatoo.mp4'));
// Every 64 KiB on average: enough samples over a few GB, little overhead.
const SAMPLING = { samplingInterval: 65536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
const CPU_INTERVAL_US = 500;

/** A bundled worker's source (a data: URL), by lines, for LINES below. */
const bundles = new Map<string, string[]>();
function where(url: string): string {
  const m = /^data:[^,]*;base64,(.*)$/.exec(url);
  if (!m) return basename(url);
  if (!bundles.has(url)) bundles.set(url, Buffer.from(m[1], 'base64').toString('utf8').split('\n'));
  return '(bundled worker)';
}
const siteOf = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? where(f.url) : ''}`;

/** Per thread: amount (bytes or µs) per site, summed over every profile taken of it. */
const totals = new Map<string, Map<string, number>>();
function add(title: string, site: string, v: number) {
  let m = totals.get(title);
  if (!m) totals.set(title, (m = new Map()));
  m.set(site, (m.get(site) ?? 0) + v);
}
/** LINES=fnA,fnB (with --cpu): those functions' samples by source line, to see which loop costs. */
const LINES = new Set((process.env.LINES ?? '').split(',').filter(Boolean));
const lineTicks = new Map<string, number>();
function addCpu(title: string, p: CpuProfile) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => add(title, siteOf(byId.get(id)!.callFrame), p.timeDeltas[i] ?? 0));
  for (const n of p.nodes) {
    if (!LINES.has(n.callFrame.functionName)) continue;
    const src = bundles.get(n.callFrame.url);
    for (const t of n.positionTicks ?? []) {
      const k = `${title} | ${n.callFrame.functionName} ${t.line}: ${(src?.[t.line - 1] ?? '').trim().slice(0, 90)}`;
      lineTicks.set(k, (lineTicks.get(k) ?? 0) + t.ticks);
    }
  }
}
/** The heap profile's sites; a thread's samples accumulate, so its latest profile replaces the earlier. */
function setHeap(title: string, head: HeapNode) {
  totals.set(title, new Map());
  const walk = (n: HeapNode) => { if (n.selfSize) add(title, siteOf(n.callFrame), n.selfSize); n.children.forEach(walk); };
  walk(head);
}

const session = new Session();
session.connect();
// Worker threads: each attached through the NodeWorker domain, its profiler driven by raw messages.
const workers = new Map<string, { title: string; next: number; waiting: Map<number, (r: unknown) => void> }>();
const start = async (post: (method: string, params?: object) => Promise<unknown>) => {
  if (!CPU) return post('HeapProfiler.startSampling', SAMPLING);
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: CPU_INTERVAL_US });
  return post('Profiler.start');
};
session.on('NodeWorker.attachedToWorker', (m) => {
  const { sessionId } = m.params as { sessionId: string };
  workers.set(sessionId, { title: `worker #${workers.size + 1}`, next: 1, waiting: new Map() });
  void start((method, params) => toWorker(sessionId, method, params));
});
session.on('NodeWorker.receivedMessageFromWorker', (m) => {
  const { sessionId, message } = m.params as { sessionId: string; message: string };
  const msg = JSON.parse(message) as { id?: number; result?: unknown };
  const w = workers.get(sessionId);
  if (w && msg.id !== undefined) w.waiting.get(msg.id)?.(msg.result);
});
function toWorker(sessionId: string, method: string, params: object = {}): Promise<unknown> {
  const w = workers.get(sessionId)!;
  const id = w.next++;
  return new Promise((res) => {
    w.waiting.set(id, res);
    void session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
  });
}
await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
await start((method, params) => session.post(method as 'Profiler.start', params as never));

/** A worker that ends with the job takes its profile with it: each is read every few frames. */
const grab = async () => {
  for (const [id, w] of workers) {
    if (CPU) {
      const r = (await toWorker(id, 'Profiler.stop')) as { profile: CpuProfile } | undefined;
      if (r) addCpu(w.title, r.profile);
      void toWorker(id, 'Profiler.start');
    } else {
      const r = (await toWorker(id, 'HeapProfiler.getSamplingProfile')) as { profile: { head: HeapNode } } | undefined;
      if (r) setHeap(w.title, r.profile.head);
    }
  }
};
const cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-alloc-cache-'));
const out = await mkdtemp(join(tmpdir(), 'gemdepth-alloc-out-'));
let frames: number;
try {
  let last = 0;
  const r = await runAnalysis({ input: clip, out: join(out, 'a'), poses: true, cacheDir, device: 'cpu' }, {
    onProgress: (p) => {
      if (p.done - last >= 20 || p.done >= p.total - 2) { last = p.done; void grab(); }
    },
  });
  frames = r.end - r.start + 1;
} finally {
  await rm(cacheDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
}
if (CPU) addCpu('main thread', ((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile);
else setHeap('main thread', ((await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } }).profile.head);

const [unit, scale] = CPU ? ['ms', 1000] : ['MB', 1024 * 1024];
console.log(CPU ? `${frames} frames; CPU ms per function (self, sampled every ${CPU_INTERVAL_US} µs; idle left out)`
  : `${frames} frames; MB allocated per function (self, sampled every ${SAMPLING.samplingInterval / 1024} KiB, collected objects included)`);
for (const [title, m] of [...totals].sort((a, b) => (a[0] === 'main thread' ? -1 : b[0] === 'main thread' ? 1 : 0))) {
  const s = [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  const total = s.reduce((a, [, v]) => a + v, 0) / scale;
  console.log(`\n${title}: ${total.toFixed(0)} ${unit} (${(total / Math.max(1, frames)).toFixed(2)} ${unit} a frame)`);
  for (const [k, v] of s.slice(0, TOP)) console.log(`  ${(v / scale).toFixed(1).padStart(8)}  ${k}`);
}
if (lineTicks.size) {
  console.log('\nsamples by line:');
  for (const [k, v] of [...lineTicks].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`  ${String(v).padStart(6)}  ${k}`);
}
session.disconnect();
