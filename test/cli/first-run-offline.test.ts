import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src-main/engine/encode/npy.ts';
import { ffmpeg, ffprobeJson, runCli, tempDir } from '../helpers/tools.ts';

/**
 * A newcomer's first two commands on a fresh install: no ../shared, no model in GEMDEPTH_MODELS or the user's
 * model folder, an empty cache. The clip is the user's own (made here by ffmpeg, nothing from ../shared), and
 * the built-in int8 FastDepth (models/fastdepth-int8.onnx) is what makes `analyze` and `render` work.
 */
describe('first run with no shared data and no installed model', () => {
  let dir: string;
  let env: Record<string, string>;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir('gemdepth-offline-');
    for (const d of ['models', 'data', 'cache']) await mkdir(join(dir, d));
    env = {
      GEMDEPTH_SHARED: join(dir, 'no-shared-here'),
      GEMDEPTH_MODELS: join(dir, 'models'),
      XDG_DATA_HOME: join(dir, 'data'),
      GEMDEPTH_CACHE: join(dir, 'cache'),
    };
    input = join(dir, 'MY_CLIP.mp4');
    // 16 frames of a moving test pattern with a gradient: the user's own footage, shared-independent.
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=8:duration=2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', input]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists the built-in model as built in, and fastdepth as running it', async () => {
    const r = await runCli(['models', 'list'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fastdepth-int8 .* built in: .*models[\\/]fastdepth-int8\.onnx$/m);
    expect(r.stdout).toMatch(/^fastdepth .* runs the built-in fastdepth-int8 instead/m);
    expect(r.stderr).not.toMatch(/no depth model installed/);
  });

  it('gemdepth analyze MY_CLIP.mp4 writes depth with the built-in model', async () => {
    const out = join(dir, 'analysis');
    const r = await runCli(['analyze', input, '--out', out], env);
    expect(r.stderr).toMatch(/analyzed 16 frames .* with fastdepth-int8/);
    expect(r.code).toBe(0);
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8'));
    expect(meta.model.id).toBe('fastdepth-int8');
    expect(meta.frameCount).toBe(16);
    const names = (await readdir(out)).filter((n) => n.endsWith('.npy')).sort();
    expect(names).toHaveLength(16);
    const d = decodeNpy(await readFile(join(out, names[8])));
    let lo = Infinity, hi = -Infinity;
    for (const v of d.data) {
      expect(Number.isFinite(v) && v > 0).toBe(true);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // A real network's depth varies over the picture; a constant map would mean nothing ran.
    expect(hi / lo).toBeGreaterThan(1.5);
    expect((await readdir(join(dir, 'cache'))).length).toBeGreaterThan(0);
  });

  it('gemdepth render MY_CLIP.mp4 --effect fog exports every frame', async () => {
    const out = join(dir, 'fog.mp4');
    const r = await runCli(['render', input, '--effect', 'fog', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    const probe = await ffprobeJson(out, ['-count_frames', '-show_streams']);
    const v = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect(Number(v.nb_read_frames)).toBe(16);
    expect([v.width, v.height]).toEqual([320, 240]);
  });
});
