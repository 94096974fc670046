import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAnalysis } from '../../src-main/engine/jobs/analyze.ts';
import { clip } from '../helpers/shared.ts';

describe('field of view of real footage', () => {
  let tmp = '';
  afterAll(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

  // realshort.mp4: a handheld pan over a desk (a phone's lens; COLMAP's own estimate is 56 degrees).
  it('a handheld clip gets an estimate in a phone camera\'s range, with confidence, not the default', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'gemdepth-fov-'));
    const r = await runAnalysis({ input: clip('realshort.mp4'), cacheDir: join(tmp, 'cache'), preview: false, device: 'cpu' });
    expect(r.camera.source).toBe('estimated');
    expect(r.camera.fovDeg).toBeGreaterThan(50);
    expect(r.camera.fovDeg).toBeLessThan(70);
    expect(r.camera.confidence).toBeGreaterThan(0.5);
    expect(r.camera.fx).toBeCloseTo(r.camera.width / 2 / Math.tan((r.camera.fovDeg * Math.PI) / 360), 3);
  }, 300_000);
});
