import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clip } from '../helpers/shared.ts';
import { expectOneLineError, ffmpeg, runCli, tempDir } from '../helpers/tools.ts';

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');


describe('CLI bad input', () => {
  let dir: string;
  let input: string;
  let inputHash: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.mp4');
    await copyFile(clip('realshort.mp4'), input);
    inputHash = await sha(input);
  });
  const outputsLeft = async (sub: string) => (await readdir(join(dir, sub)).catch(() => [])).length;

  it('--with-images without --camera-path', async () => {
    const r = await runCli(['render', input, '--effect', 'fog', '--out', join(dir, 'wi.mp4'), '--with-images']);
    expectOneLineError(r, /--with-images needs --camera-path/);
    expect(await sha(input)).toBe(inputHash);
  });

  it('missing input file', async () => {
    const r = await runCli(['analyze', join(dir, 'nope.mp4'), '--out', join(dir, 'o1')]);
    expectOneLineError(r, /input not found: .*nope\.mp4/);
    expect(await outputsLeft('o1')).toBe(0);
  });

  it('a file that is not media', async () => {
    const f = join(dir, 'text.mov');
    await writeFile(f, 'hello\n'.repeat(100));
    const r = await runCli(['analyze', f, '--out', join(dir, 'o2')]);
    expectOneLineError(r, /not a media file ffmpeg can read/);
  });

  it('a clip with no video stream', async () => {
    const f = join(dir, 'tone.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', f]);
    const r = await runCli(['render', f, '--effect', 'fog', '--out', join(dir, 'o3.mp4')]);
    expectOneLineError(r, /no video stream/);
    expect(await readdir(dir)).not.toContain('o3.mp4');
  });

  it('a truncated file', async () => {
    const f = join(dir, 'cut.mp4');
    const full = await readFile(clip('cockatoo.mp4'));
    await writeFile(f, full.subarray(0, full.length >> 1));
    const r = await runCli(['analyze', f, '--out', join(dir, 'o4')]);
    expectOneLineError(r, /truncated or corrupt/);
    expect(await outputsLeft('o4')).toBe(0);
  });

  it('an output folder that cannot be written', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    const r = await runCli(['analyze', input, '--out', join(blocker, 'sub')]);
    expectOneLineError(r, /cannot write .*a-file.* is not a folder/);
  });

  it('OUT equal to INPUT never touches the input', async () => {
    const r = await runCli(['render', input, '--effect', 'fog', '--out', input]);
    expectOneLineError(r, /is the input/);
    expect(await sha(input)).toBe(inputHash);
  });

  it('an unknown model', async () => {
    const r = await runCli(['analyze', input, '--out', join(dir, 'o5'), '--model', 'no-such-model']);
    expectOneLineError(r, /no-such-model/);
    expect(await outputsLeft('o5')).toBe(0);
  });

  it('an unknown effect parameter', async () => {
    const r = await runCli(['render', input, '--effect', 'fog:thickness=3', '--out', join(dir, 'o6.mp4')]);
    expectOneLineError(r, /thickness/);
    expect(await readdir(dir)).not.toContain('o6.mp4');
  });

  it('an unknown effect', async () => {
    const r = await runCli(['render', input, '--effect', 'sparkle', '--out', join(dir, 'o7.mp4')]);
    expectOneLineError(r, /sparkle/);
  });

  it('a frame range outside the clip', async () => {
    await mkdir(join(dir, 'o8'), { recursive: true });
    const r = await runCli(['analyze', input, '--out', join(dir, 'o8'), '--start', '30', '--end', '99']);
    expectOneLineError(r, /end frame 99 is outside/);
    expect(await outputsLeft('o8')).toBe(0);
  });

  it('the input is never modified by any of the above', async () => {
    expect(await sha(input)).toBe(inputHash);
  });
});
