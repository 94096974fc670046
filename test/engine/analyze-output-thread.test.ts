import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAnalysis, type AnalyzeOptions } from '../../src-main/engine/jobs/analyze.ts';
import { CancelledError, UserError } from '../../src-main/common/errors.ts';
import { resolveFfmpeg, setFfmpegPaths } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { clip, sharedModels } from '../helpers/shared.ts';

/**
 * With poses the geometry's output thread writes each frame's .npy and feeds the preview's encoder
 * (jobs/output-writes.ts). A cancel or a failure while it writes must leave what the main thread's writes
 * left: no folder, no partial file, no encoder running, and an earlier output untouched.
 */
let tmp = '';
beforeAll(async () => {
  process.env.GEMDEPTH_MODELS = sharedModels();
  tmp = await mkdtemp(join(tmpdir(), 'gemdepth-outthread-'));
});
afterEach(() => setFfmpegPaths({}));

/** Every file under `dir` (hidden ones too) with its sha256. */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length)] = createHash('sha256').update(await readFile(p)).digest('hex');
  }
  return out;
}

/** The folder being built beside `out` (withAtomicDir's hidden temporary), once the output thread has written `n` frames into it. */
async function writing(parent: string, n: number): Promise<boolean> {
  for (const d of await readdir(parent)) {
    if (!d.includes('.partial-')) continue;
    const names = await readdir(join(parent, d)).catch(() => [] as string[]);
    if (names.filter((f) => f.endsWith('.npy')).length >= n) return true;
  }
  return false;
}

/** This process's ffmpeg children (the output thread's encoder is one). */
async function ffmpegChildren(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && /ffmpeg/.test(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) found.push(pid);
  }
  return found;
}

describe('the output thread writes the frames\' files', () => {
  // cockatoo's first 130 frames: the camera is decided after 48 and outputs trail the scale's look-ahead,
  // so the output thread writes for a while before the end.
  const base: AnalyzeOptions = { input: clip('cockatoo.mp4'), end: 129 };

  it('cancelled while it writes: nothing half-written, no encoder left, an earlier output kept as it was', { timeout: 240_000 }, async () => {
    const parent = join(tmp, 'cancel');
    const out = join(parent, 'out');
    await runAnalysis({ input: clip('realshort.mp4'), out, cacheDir: join(tmp, 'c-short') });
    const before = await contents(out);
    expect(Object.keys(before)).toContain('/depth_preview.mp4');
    const ac = new AbortController();
    let polling = false;
    const err = await runAnalysis({ ...base, out, replace: true, cacheDir: join(tmp, 'c-cancel') }, {
      signal: ac.signal,
      onProgress: () => {
        if (polling || ac.signal.aborted) return;
        polling = true;
        void writing(parent, 8).then((yes) => { polling = false; if (yes) ac.abort(); });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(await readdir(parent)).toEqual(['out']);
    expect(await contents(out)).toEqual(before);
    expect(await ffmpegChildren()).toEqual([]);
  });

  it('its encoder fails: the job fails with the encoder\'s error, and leaves no folder nor partial file', { timeout: 240_000 }, async () => {
    const real = resolveFfmpeg();
    // An ffmpeg that decodes as the real one, and as the encoder (raw frames on its stdin) takes a few frames and fails.
    const fake = join(tmp, 'ffmpeg-failing-encoder');
    await writeFile(fake, `#!/bin/sh\ncase "$*" in *"-i pipe:0"*) head -c 2000000 > /dev/null; echo "injected encoder fault" >&2; exit 1;; esac\nexec '${real.ffmpeg}' "$@"\n`);
    await chmod(fake, 0o755);
    setFfmpegPaths({ ffmpeg: fake, ffprobe: real.ffprobe ?? undefined });
    const parent = join(tmp, 'fail');
    const err = await runAnalysis({ ...base, out: join(parent, 'out'), cacheDir: join(tmp, 'c-fail') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('EENCODER');
    expect((err as Error).message).toMatch(/depth_preview\.mp4 failed: injected encoder fault/);
    expect(await readdir(parent).catch(() => [])).toEqual([]);
    expect(await ffmpegChildren()).toEqual([]);
  });
});
