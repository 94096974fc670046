import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src-main/engine/encode/npy.ts';
import { resolveFfmpeg } from '../../src-main/engine/decode/ffmpeg-path.ts';
import { REPO_ROOT, sharedModels } from '../helpers/shared.ts';
import { ffmpeg, runCli, tempDir, type CliResult } from '../helpers/tools.ts';

const exec = promisify(execFile);

/** Every regular file under `dir` with its sha256: the user's files must be byte-identical afterwards. */
async function snapshot(dir: string, root = dir, out: Record<string, string> = {}): Promise<Record<string, string>> {
  for (const e of await readdir(dir)) {
    const p = join(dir, e);
    const st = await lstat(p);
    if (st.isDirectory()) await snapshot(p, root, out);
    else if (st.isFile()) out[relative(root, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
    else out[relative(root, p)] = 'special';
  }
  return out;
}

function expectOneLineError(r: CliResult, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toEqual([expect.stringMatching(/^gemdepth: error: /)]);
  expect(lines[0]).toMatch(pattern);
}

let dir = '';
let cache = '';
const env = () => ({ GEMDEPTH_MODELS: sharedModels(), GEMDEPTH_CACHE: cache });
beforeAll(async () => {
  dir = await tempDir('gemdepth-hostile-');
  cache = join(dir, '.cache');
});

/** Runs the CLI on a user folder; asserts the folder's files were left byte-identical. */
async function onUserFiles(user: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const before = await snapshot(user);
  const r = await runCli(args, { ...env(), ...extraEnv });
  expect(await snapshot(user)).toEqual(before);
  return r;
}

describe('hostile and odd inputs', () => {
  it('MPEG-TS and M2TS (the bundled ffprobe crashes on both) are probed through ffmpeg and analysed', async () => {
    const user = join(dir, 'ts');
    await mkdir(user);
    const ts = join(user, 'clip.ts');
    const m2ts = join(user, 'clip.m2ts');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25', '-t', '1', '-c:v', 'mpeg2video', ts]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25', '-t', '1', '-c:v', 'mpeg2video', '-f', 'mpegts', '-mpegts_m2ts_mode', '1', m2ts]);
    for (const f of [ts, m2ts]) {
      const p = await onUserFiles(user, ['probe', f]);
      expect(p.code).toBe(0);
      expect(JSON.parse(p.stdout)).toMatchObject({ width: 160, height: 120, fps: 25, frameCount: 25, interlaced: false });
      const out = join(dir, `out-${f.endsWith('m2ts') ? 'm2ts' : 'ts'}`);
      const r = await onUserFiles(user, ['analyze', f, '--out', out, '--no-poses', '--no-preview', '--end', '4', '--device', 'cpu']);
      expect(r.code, r.stderr).toBe(0);
      expect((await readdir(out)).filter((n) => n.endsWith('.npy'))).toHaveLength(5);
    }
  }, 120_000);

  it('a forged MP4 claiming 20 million frames is refused at once, without building its index', async () => {
    const user = join(dir, 'forged');
    await mkdir(user);
    const small = join(dir, 'small.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25', '-frames:v', '10', '-c:v', 'mjpeg', small]);
    // Rewrite the sample tables: 20 M samples of 1000 bytes each, all in one chunk.
    const b = await readFile(small);
    const walk = (off: number, end: number) => {
      while (off + 8 <= end) {
        const size = b.readUInt32BE(off);
        const type = b.toString('latin1', off + 4, off + 8);
        if (['moov', 'trak', 'mdia', 'minf', 'stbl'].includes(type)) walk(off + 8, off + size);
        if (type === 'stts') b.writeUInt32BE(20_000_000, off + 16);
        if (type === 'stsz') {
          b.writeUInt32BE(1000, off + 12);
          b.writeUInt32BE(20_000_000, off + 16);
        }
        if (type === 'stsc') b.writeUInt32BE(20_000_000, off + 20);
        off += size;
      }
    };
    walk(0, b.length);
    const forged = join(user, 'forged.mp4');
    await writeFile(forged, b);
    const t0 = performance.now();
    const r = await onUserFiles(user, ['analyze', forged, '--out', join(dir, 'out-forged'), '--no-poses']);
    expectOneLineError(r, /claims 20000000 frames, more than its \d+ bytes can hold: the file is damaged or forged/);
    // Before the fix ffprobe alone grew to 10 GB over about 5 s building the claimed index.
    expect(performance.now() - t0).toBeLessThan(15_000);
  }, 60_000);

  it('a 16000x16 image sequence gets a bounded analysis grid, not 200 MB depth maps', async () => {
    const user = join(dir, 'wide');
    await mkdir(user);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=16000x16:r=10', '-frames:v', '3', join(user, 'w_%03d.png')]);
    const out = join(dir, 'out-wide');
    const r = await onUserFiles(user, ['analyze', user, '--out', out, '--no-preview', '--device', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const { shape } = decodeNpy(await readFile(join(out, 'depth_000001.npy')));
    // FastDepth's 224 short side gave 224 x 224000 before; now the long side is at most 4 x 224.
    expect(shape[1]).toBeLessThanOrEqual(896);
    expect(shape[0] * shape[1]).toBeLessThan(224 * 224 * 4);
  }, 60_000);

  it('a FIFO or a device as the clip is refused, not waited on', async () => {
    const user = join(dir, 'fifo');
    await mkdir(user);
    const fifo = join(user, 'clip.mp4');
    await exec('mkfifo', [fifo]);
    expectOneLineError(await onUserFiles(user, ['analyze', fifo, '--out', join(dir, 'out-fifo')]), /clip\.mp4 is a named pipe \(FIFO\): give a video file or a folder/);
    expectOneLineError(await onUserFiles(user, ['probe', '/dev/zero']), /\/dev\/zero is a device: give a video file/);
  }, 60_000);

  it('a read-only cache folder is one line saying what to do', async () => {
    const user = join(dir, 'ro');
    await mkdir(user);
    const clipPath = join(user, 'clip.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10', '-frames:v', '3', '-pix_fmt', 'yuv420p', clipPath]);
    const ro = join(dir, 'ro-cache');
    await mkdir(ro);
    const args = ['analyze', clipPath, '--out', join(dir, 'out-ro'), '--cache-dir', ro, '--no-poses'];
    let r: CliResult;
    if (process.getuid?.() === 0) {
      // root writes through permission bits: a read-only mount in a private namespace is what a user meets.
      const before = await snapshot(user);
      const cmd = `mount -t tmpfs -o ro,size=1m tmpfs '${ro}' && exec '${process.execPath}' '${join(REPO_ROOT, 'bin', 'gemdepth.mjs')}' ${args.map((a) => `'${a}'`).join(' ')}`;
      r = await new Promise<CliResult>((res) =>
        execFile('unshare', ['-rm', 'sh', '-c', cmd], { env: { ...process.env, ...env() } }, (err, stdout, stderr) =>
          res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(await snapshot(user)).toEqual(before);
    } else {
      const { chmod } = await import('node:fs/promises');
      await chmod(ro, 0o555);
      r = await onUserFiles(user, args);
    }
    expectOneLineError(r, /the depth cache folder .*ro-cache cannot be written \((EROFS|EACCES|EPERM)\): make it writable, or pick another with --cache-dir or GEMDEPTH_CACHE/);
  }, 60_000);

  it('an image sequence with a gap, or with frames of another size, is said, not renumbered or stretched', async () => {
    const gap = join(dir, 'gap');
    await mkdir(gap);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10', '-frames:v', '5', join(gap, 'f_%03d.png')]);
    await rm(join(gap, 'f_003.png'));
    expectOneLineError(await onUserFiles(gap, ['analyze', gap, '--out', join(dir, 'out-gap'), '--no-poses']), /has a gap: 1 frame\(s\) missing between f_002\.png and f_004\.png/);
    const mixed = join(dir, 'mixed');
    await mkdir(mixed);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10', '-frames:v', '4', join(mixed, 'f_%03d.jpg')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=80x48:r=10', '-frames:v', '1', join(mixed, 'f_005.jpg')]);
    expectOneLineError(await onUserFiles(mixed, ['analyze', mixed, '--out', join(dir, 'out-mixed'), '--no-poses']), /mixes frame sizes: f_005\.jpg is 80x48, f_001\.jpg is 64x48/);
  }, 60_000);

  it('a clip still being written is noticed', async () => {
    const user = join(dir, 'growing');
    await mkdir(user);
    const f = join(user, 'live.ts');
    // A live recording: ffmpeg writes the stream in real time while the engine reads it.
    const writer = spawn(resolveFfmpeg().ffmpeg, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=640x480:r=25', '-t', '60', '-c:v', 'mpeg2video', '-q:v', '2', '-f', 'mpegts', f]);
    try {
      while (((await stat(f).catch(() => null))?.size ?? 0) < 200_000) await new Promise((r) => setTimeout(r, 100));
      const r = await runCli(['analyze', f, '--out', join(dir, 'out-growing'), '--no-poses'], env());
      expectOneLineError(r, /live\.ts changed while it was being read \(another program is still writing it\?\): wait until it is complete/);
    } finally {
      writer.kill('SIGKILL');
    }
  }, 60_000);
});
