import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clip, REPO_ROOT, sharedModels } from '../helpers/shared.ts';
import { ffmpeg, runCli, tempDir } from '../helpers/tools.ts';

let dir = '';
beforeAll(async () => {
  dir = await tempDir('gemdepth-signals-');
});
const env = () => ({ ...process.env, GEMDEPTH_MODELS: sharedModels() });

/** Processes (other than `except`) whose command line mentions `marker`: the job's ffmpeg children. */
async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(marker)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ').slice(0, 120)}`);
  }
  return found;
}

async function gone(marker: string, ms = 5000): Promise<string[]> {
  const t0 = Date.now();
  let left = await processesMentioning(marker);
  while (left.length && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 100));
    left = await processesMentioning(marker);
  }
  return left;
}

async function walk(d: string, out: string[] = []): Promise<string[]> {
  for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
    out.push(join(d, e.name));
    if (e.isDirectory()) await walk(join(d, e.name), out);
  }
  return out;
}

/** Starts `gemdepth analyze` and resolves once it has analysed a few frames (decoder and encoder running). */
function startAnalysis(input: string, out: string, cache: string) {
  const p = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gemdepth.mjs'), 'analyze', input, '--out', out, '--cache-dir', cache, '--device', 'cpu', '--no-poses'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const running = new Promise<void>((res, rej) => {
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /analyze: (\d+)\//g;
      let n = 0;
      for (const x of stderr.matchAll(m)) n = Number(x[1]);
      if (n >= 6) res();
    });
    p.on('exit', () => rej(new Error(`gemdepth exited before it was running: ${stderr}`)));
  });
  const exited = new Promise<number | null>((res) => p.on('close', (code) => res(code)));
  return { p, running, exited, stderr: () => stderr };
}

describe('signals and crashes', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('%s cancels like Ctrl-C: exit 130, no partial output, no ffmpeg left', async (sig) => {
    const sub = join(dir, sig);
    await mkdir(sub);
    const input = join(sub, `clip-${sig}.mp4`);
    await copyFile(clip('cockatoo.mp4'), input);
    const job = startAnalysis(input, join(sub, 'out'), join(sub, 'cache'));
    await job.running;
    // The decoder names the clip, the preview encoder the job's partial folder.
    const encoder = `.partial-${job.p.pid}-`;
    expect(await processesMentioning(input)).not.toEqual([]);
    expect(await processesMentioning(encoder)).not.toEqual([]);
    job.p.kill(sig);
    expect(await job.exited, job.stderr()).toBe(130);
    expect(job.stderr()).toMatch(/cancelled/);
    expect(await gone(input)).toEqual([]);
    expect(await gone(encoder)).toEqual([]);
    expect((await walk(sub)).filter((p) => p.includes('.partial-'))).toEqual([]);
    expect(await readdir(sub)).toEqual(expect.not.arrayContaining(['out']));
  }, 120_000);

  it('after kill -9 no ffmpeg outlives the job, and the next start removes the partial files and concat scripts it left', async () => {
    const sub = join(dir, 'kill9');
    const frames = join(sub, 'frames');
    await mkdir(frames, { recursive: true });
    await ffmpeg(['-i', clip('cockatoo.mp4'), '-frames:v', '240', '-vf', 'scale=320:180', join(frames, 'f_%04d.png')]);
    const cache = join(sub, 'cache');
    const out = join(sub, 'out');
    const job = startAnalysis(frames, out, cache);
    job.running.catch(() => undefined);
    const pid = job.p.pid!;
    // Killed while its decoder and encoder run, found by their temporary names rather than by a progress
    // line: on an idle machine the whole clip can be analysed before the first line is printed.
    let concat: string[] = [];
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 20))) {
      concat = (await readdir(tmpdir())).filter((n) => n.startsWith(`gemdepth-seq-${pid}-`));
      if (concat.length && (await processesMentioning(concat[0])).length && (await processesMentioning(`.partial-${pid}-`)).length) break;
    }
    expect(concat).toHaveLength(1);
    const decoder = concat[0];
    const encoder = `.partial-${pid}-`;
    expect(await processesMentioning(decoder)).not.toEqual([]);
    expect(await processesMentioning(encoder)).not.toEqual([]);
    job.p.kill('SIGKILL');
    await job.exited;
    // Their pipes close with the process: the decoder's output has no reader, the encoder's input ends.
    expect(await gone(decoder)).toEqual([]);
    expect(await gone(encoder)).toEqual([]);
    const left = (await walk(sub)).filter((p) => p.includes(`.partial-${pid}-`));
    expect(left.length).toBeGreaterThan(0);
    expect(await readdir(tmpdir())).toContain(concat[0]);

    const next = await runCli(['analyze', frames, '--out', out, '--cache-dir', cache, '--device', 'cpu', '--no-poses', '--end', '1'], { GEMDEPTH_MODELS: sharedModels() });
    expect(next.code, next.stderr).toBe(0);
    expect((await walk(sub)).filter((p) => p.includes('.partial-'))).toEqual([]);
    expect(await readdir(tmpdir())).not.toContain(concat[0]);
  }, 180_000);
});
