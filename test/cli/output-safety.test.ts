import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER } from '../../src-main/util/output-guard.ts';
import { clip } from '../helpers/shared.ts';
import { expectOneLineError, runCli, tempDir } from '../helpers/tools.ts';

/**
 * Nothing the user has is lost: every command that writes a folder or a file is run against folders
 * and files a user already had, and afterwards each of them is byte-identical.
 */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(dir, p), createHash('sha256').update(await readFile(p)).digest('hex'));
    }
  };
  await walk(dir);
  return out;
}

describe('outputs never delete or replace what the user has', () => {
  let root: string;
  let input: string;
  let cache: string;
  /** A user's folder: their own files, one of them in a subfolder. */
  const userFolder = async (name: string) => {
    const d = join(root, name);
    await mkdir(join(d, 'notes'), { recursive: true });
    await writeFile(join(d, 'thesis.txt'), 'years of work\n');
    await writeFile(join(d, 'notes', 'todo.md'), '- back up\n');
    return d;
  };
  const fast = () => ['--start', '0', '--end', '5', '--no-preview', '--cache-dir', cache];

  beforeAll(async () => {
    root = await tempDir();
    cache = join(root, '.cache');
    input = join(root, 'clip.mp4');
    await copyFile(clip('realshort.mp4'), input);
  });

  it('analyze --out into a folder holding the user\'s files is refused and the files stay', async () => {
    const d = await userFolder('mine');
    const before = await snapshot(root);
    const r = await runCli(['analyze', input, '--out', d, ...fast()]);
    expectOneLineError(r, /is not empty and gemdepth did not write it/);
    // --force never replaces a folder gemdepth did not write.
    const f = await runCli(['analyze', input, '--out', d, '--force', ...fast()]);
    expectOneLineError(f, /is not empty and gemdepth did not write it/);
    expect(await snapshot(root)).toEqual(before);
  });

  it('analyze --out . in a folder with files is refused', async () => {
    const d = await userFolder('cwd');
    const before = await snapshot(d);
    const r = await runCli(['analyze', input, '--out', '.', ...fast()], {}, d);
    expectOneLineError(r, /is not empty/);
    expect(await snapshot(d)).toEqual(before);
  });

  it('render --depth-png DIR and --camera-path DIR into the user\'s folders are refused before any work', async () => {
    const png = await userFolder('pngs');
    const cam = await userFolder('cams');
    const before = await snapshot(root);
    const r1 = await runCli(['render', input, '--effect', 'fog', '--out', join(root, 'r1.mp4'), '--depth-png', png, '--start', '0', '--end', '5', '--cache-dir', cache]);
    expectOneLineError(r1, /pngs is not empty and gemdepth did not write it/);
    const r2 = await runCli(['render', input, '--effect', 'fog', '--out', join(root, 'r2.mp4'), '--camera-path', cam, '--force', '--start', '0', '--end', '5', '--cache-dir', cache]);
    expectOneLineError(r2, /cams is not empty and gemdepth did not write it/);
    expect(await snapshot(root)).toEqual(before);
  });

  it('a clip reached through a linked folder is found inside --out (real paths, not strings)', async () => {
    const real = join(root, 'real');
    await mkdir(real);
    await copyFile(input, join(real, 'shot.mp4'));
    await symlink(real, join(root, 'link'));
    const before = await snapshot(real);
    const r = await runCli(['analyze', join(root, 'link', 'shot.mp4'), '--out', real, '--force', ...fast()]);
    expectOneLineError(r, /contains the input/);
    // A hard link to the input is the input, whatever its name.
    await link(join(real, 'shot.mp4'), join(root, 'hard.mp4'));
    const h = await runCli(['render', join(real, 'shot.mp4'), '--effect', 'fog', '--out', join(root, 'hard.mp4'), '--force', '--cache-dir', cache]);
    expectOneLineError(h, /is the input/);
    expect(await snapshot(real)).toEqual(before);
  });

  it('an earlier gemdepth output is replaced only with --force, and never when the user added a file to it', { timeout: 240_000 }, async () => {
    const out = join(root, 'depth');
    const first = await runCli(['analyze', input, '--out', out, ...fast()]);
    expect(first.code, first.stderr).toBe(0);
    const marker = JSON.parse(await readFile(join(out, OUTPUT_MARKER), 'utf8'));
    expect(marker.files).toContain('meta.json');
    expect(marker.files.filter((f: string) => f.endsWith('.npy'))).toHaveLength(6);

    const again = await runCli(['analyze', input, '--out', out, ...fast()]);
    expectOneLineError(again, /holds an earlier gemdepth output: add --force/);

    const forced = await runCli(['analyze', input, '--out', out, '--force', '--start', '0', '--end', '3', '--no-preview', '--cache-dir', cache]);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readdir(out)).filter((f) => f.endsWith('.npy'))).toHaveLength(4);

    await writeFile(join(out, 'my-notes.txt'), 'mine\n');
    const before = await snapshot(out);
    const refused = await runCli(['analyze', input, '--out', out, '--force', ...fast()]);
    expectOneLineError(refused, /holds my-notes\.txt, which gemdepth did not write/);
    expect(await snapshot(out)).toEqual(before);
  });

  it('render --out over an existing file needs --force', { timeout: 240_000 }, async () => {
    const out = join(root, 'mine.mp4');
    await writeFile(out, 'not a video, but mine\n');
    const r = await runCli(['render', input, '--effect', 'fog', '--out', out, '--start', '0', '--end', '5', '--cache-dir', cache]);
    expectOneLineError(r, /mine\.mp4 already exists: add --force/);
    expect(await readFile(out, 'utf8')).toBe('not a video, but mine\n');
    const f = await runCli(['render', input, '--effect', 'fog', '--out', out, '--force', '--start', '0', '--end', '5', '--cache-dir', cache]);
    expect(f.code, f.stderr).toBe(0);
    expect((await stat(out)).size).toBeGreaterThan(1000);
  });

  it('no hidden partial files are left beside the outputs', async () => {
    const left = (await readdir(root)).filter((f) => f.includes('.partial'));
    expect(left).toEqual([]);
  });
});
