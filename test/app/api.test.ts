import { afterAll, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../src-main/app/engine-api.ts';
import { dispatch } from '../../src-main/app/dispatch.ts';
import { createJobManager } from '../../src-main/app/jobs.ts';
import { readFrame } from '../../src-main/engine/decode/frame-reader.ts';
import { probe } from '../../src-main/engine/decode/probe.ts';
import { CancelledError, UserError } from '../../src-main/common/errors.ts';
import { clip } from '../helpers/shared.ts';

const api = createEngineApi();
afterAll(() => api.dispose());

describe('engine API: validation at the front door', () => {
  it('refuses unknown methods, relative paths, extra fields and bad indices, in words', async () => {
    expect(await dispatch(api, 'rmrf', {})).toMatchObject({ ok: false, error: { kind: 'bug', message: /unknown API method/ } });
    expect(await dispatch(api, 'getFrame', { path: 'clips/a.mp4', index: 0 })).toMatchObject({ ok: false, error: { kind: 'user', message: /path: must be an absolute path/ } });
    expect(await dispatch(api, 'getFrame', { path: clip('realshort.mp4'), index: -1 })).toMatchObject({ ok: false, error: { kind: 'user' } });
    expect(await dispatch(api, 'getFrame', { path: clip('realshort.mp4'), index: 0, evil: true })).toMatchObject({ ok: false, error: { kind: 'user', message: /evil|unrecognized/i } });
    expect(await dispatch(api, 'startExport', { input: clip('realshort.mp4'), out: clip('realshort.mp4'), effects: [] })).toMatchObject({
      ok: false,
      error: { kind: 'user', message: /is the input/ },
    });
    expect(await dispatch(api, 'getFrame', { path: clip('realshort.mp4'), index: 36 })).toMatchObject({ ok: false, error: { kind: 'user', message: /past the end/ } });
  });
});

describe('engine API: media', () => {
  it('imports a clip with its fingerprint and size', async () => {
    const r = await dispatch(api, 'importMedia', { path: clip('realshort.mp4') });
    expect(r.ok).toBe(true);
    const v = (r as { value: Awaited<ReturnType<typeof api.importMedia>> }).value;
    expect(v.clip).toMatchObject({ width: 320, height: 240, frameCount: 36, in: 0, out: 35 });
    expect(v.clip.fingerprint?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves frame-accurate RGB frames, whether reached by seeking, stepping or jumping back', async () => {
    const info = await probe(clip('realshort.mp4'));
    const check = async (index: number) => {
      const f = await api.getFrame({ path: info.path, index });
      const ref = await readFrame(info, index);
      expect(f.index).toBe(index);
      expect([f.width, f.height]).toEqual([320, 240]);
      expect(Buffer.compare(Buffer.from(f.data), Buffer.from(ref.data))).toBe(0);
    };
    await check(20);
    await check(21); // sequential reader
    await check(25); // short skip forward
    await check(3); // jump back: new seek
    // Other codecs and containers ffmpeg decodes (MPEG-2 in MPEG-PS, the AVI sample) are just as exact.
    for (const [name, index] of [['cityCC0.mpg', 120], ['tree.avi', 40]] as const) {
      const other = await probe(clip(name));
      const f = await api.getFrame({ path: other.path, index });
      const ref = await readFrame(other, index);
      expect(f.index).toBe(index);
      expect(Buffer.compare(Buffer.from(f.data), Buffer.from(ref.data))).toBe(0);
    }
    const small = await api.getFrame({ path: info.path, index: 5, maxWidth: 160 });
    expect([small.width, small.height]).toEqual([160, 120]);
  });
});

describe('job manager', () => {
  it('reports progress, ends in done / error (in words) / cancelled', async () => {
    const jobs = createJobManager();
    const events: string[] = [];
    jobs.on((e) => events.push(`${e.type}:${e.job.state}`));
    const ok = jobs.start('analysis', 'ok', '/x', async (c) => {
      for (let i = 1; i <= 3; i++) c.onProgress?.({ stage: 's', done: i, total: 3, fps: 1, etaSeconds: 0 });
      return 42;
    });
    expect((await jobs.wait(ok.id)).result).toBe(42);
    const bad = jobs.start('export', 'bad', '/y', async () => {
      throw new UserError('disk full: free some space');
    });
    expect(await jobs.wait(bad.id)).toMatchObject({ state: 'error', error: 'disk full: free some space' });
    const slow = jobs.start('export', 'slow', '/z', (c) => new Promise((_r, rej) => c.signal!.addEventListener('abort', () => rej(new CancelledError()))));
    expect(jobs.cancel(slow.id)).toBe(true);
    expect((await jobs.wait(slow.id)).state).toBe('cancelled');
    expect(jobs.cancel(slow.id)).toBe(false);
    expect(events).toContain('progress:running');
    expect(events.filter((e) => e.startsWith('state:'))).toEqual(['state:running', 'state:done', 'state:running', 'state:error', 'state:running', 'state:cancelled']);
  });
});
