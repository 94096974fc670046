/**
 * The page's main thread while playing, by kind of task (from a Chromium trace): each top-level task is
 * put under the first kind its slices show, so the per-second sums add up to the thread's busy time.
 * Wall is the task's length (waits on the GPU process and time the OS gave other processes included),
 * CPU its thread time (the trace's tdur). Used by scripts/profile-playback.ts.
 */
export type TraceSlice = { name: string; ph: string; dur?: number; tdur?: number; ts: number; pid: number; tid: number; args?: { name?: string; src_file?: string } };

const KINDS: [string, RegExp][] = [
  ['frame (rVFC draw, lifecycle, commit)', /BeginMainFrame/],
  ['depth fetch (response body, its chunks)', /ResponseBodyLoader|ResourceLoad|ReceivedData|background_url_loader|resource_load_info_notifier|response_body_loader/],
  ['messages (React scheduler, workers)', /MessagePort::Accept/],
  ['timers', /TimerFire|TimerBase::run/],
  ['media element events', /HTMLMediaElement|EventDispatch/],
  ['GC', /GC|Sweep/],
  ['promise resolutions (fetch bodies, bridge decode)', /RunMicrotasks/],
];

/** Prints the page's main thread's tasks by kind: wall and CPU ms per second of play and per drawn frame. */
export function printPageTasks(events: TraceSlice[], wall: number, drawn: number) {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const count = new Map<string, number>();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (e.ph === 'X' && names.get(k) === 'CrRendererMain') count.set(k, (count.get(k) ?? 0) + 1);
  }
  // The page's renderer is the busiest (the others are DevTools' and the browser UI's).
  const main = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!main) return;
  const xs = events.filter((e) => e.ph === 'X' && e.dur !== undefined && `${e.pid}:${e.tid}` === main).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const sums = new Map<string, { n: number; wall: number; cpu: number; long: number }>();
  let top: TraceSlice | null = null;
  let kind = '';
  const close = () => {
    if (!top) return;
    const s = sums.get(kind) ?? { n: 0, wall: 0, cpu: 0, long: 0 };
    s.n++;
    s.wall += top.dur! / 1000;
    s.cpu += (top.tdur ?? 0) / 1000;
    // A task longer than a frame at 20 fps holds back the next frame's draw.
    if (top.dur! >= 50_000) s.long++;
    sums.set(kind, s);
  };
  for (const e of xs) {
    if (!top || e.ts >= top.ts + top.dur!) {
      close();
      top = e;
      kind = 'other';
    }
    // A slice's name, or for a bare task where it was posted from.
    if (kind === 'other') kind = KINDS.find(([, re]) => re.test(e.name) || re.test(e.args?.src_file ?? ''))?.[0] ?? 'other';
  }
  close();
  const rows = [...sums].sort((a, b) => b[1].cpu - a[1].cpu);
  const all = rows.reduce((a, [, s]) => ({ wall: a.wall + s.wall, cpu: a.cpu + s.cpu, long: a.long + s.long }), { wall: 0, cpu: 0, long: 0 });
  console.log(`\n[page's main thread by task] wall / CPU ms per second of play, and CPU ms per drawn frame (${drawn} frames); tasks of 50 ms or more per second:`);
  for (const [k, s] of [...rows, ['all', { n: 0, ...all }] as const])
    console.log(`  ${k.padEnd(52)} ${(s.wall / wall).toFixed(0).padStart(5)} / ${(s.cpu / wall).toFixed(0).padStart(4)} ms/s  ${(s.cpu / Math.max(1, drawn)).toFixed(1).padStart(5)} ms/frame  long ${(s.long / wall).toFixed(1)}/s${s.n ? `  (${(s.n / wall).toFixed(1)} tasks/s)` : ''}`);
}
