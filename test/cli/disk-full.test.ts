import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clip, sharedModels } from '../helpers/shared.ts';
import { runCli, tempDir } from '../helpers/tools.ts';

/**
 * A real full disk: a 40 KB tmpfs (mounting needs root, which CI has). Where it cannot be mounted the
 * file says so loudly and its tests are skipped; nothing else is faked.
 */
let disk = '';
let why: string | null = null;
beforeAll(async () => {
  sharedModels();
  disk = join(await tempDir('gemdepth-full-'), 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40k', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (e) {
    why = (e as Error).message.split('\n')[0];
    console.warn(`\n*** SKIPPED: full-disk tests: cannot mount a small tmpfs here (${why}); run them as root (CI does). ***\n`);
  }
});
afterAll(() => {
  if (!why) execFileSync('umount', [disk]);
});

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';
const env = () => ({ GEMDEPTH_MODELS: sharedModels() });

describe('a full disk is a clear error and leaves nothing behind', () => {
  it('render: the encoder hits the full disk; no half-written video is left or reported done', async (ctx) => {
    if (why) return ctx.skip();
    const r = await runCli(['render', clip('realshort.mp4'), '--effect', 'fog', '--out', join(disk, 'out.mp4')], env());
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^gemdepth: error: disk full while (exporting|writing) .*out\.mp4: free space/);
    expect(await readdir(disk)).toEqual([]);
  });

  it('analyze: the outputs do not fit; the output folder is not left half-written', async (ctx) => {
    if (why) return ctx.skip();
    const r = await runCli(['analyze', clip('realshort.mp4'), '--out', join(disk, 'an')], env());
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^gemdepth: error: disk full while .*: free space and run it again/);
    expect(await readdir(disk)).toEqual([]);
  });

  it('analyze: the depth cache is on the full disk; one clear error, not a crash', async (ctx) => {
    if (why) return ctx.skip();
    const out = join(await tempDir('gemdepth-full-out-'), 'an');
    const r = await runCli(['analyze', clip('realshort.mp4'), '--out', out, '--cache-dir', join(disk, 'cache')], env());
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^gemdepth: error: disk full while analysing .*realshort\.mp4 .*cache .*: free space/);
    expect(r.stderr).not.toMatch(/internal error|at async/);
    await expect(readdir(out)).rejects.toThrow();
  });
});
