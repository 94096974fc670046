import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { depthRangeOf, fromDistance, nearRatioOf, toDistance } from '../../src-main/engine/effects/index.ts';
import { clipDepthRange, RANGE_SAMPLES } from '../../src-main/engine/jobs/depth-range.ts';
import type { AnalysisResult } from '../../src-main/engine/jobs/analyze.ts';
import { DepthLayer, DERIVED_PREFIX } from '../../src-main/engine/cache/layer.ts';

describe('normalised distance for both depth kinds', () => {
  it('metric: linear in metres between the robust near and far', () => {
    const data = Float32Array.from({ length: 1000 }, (_v, i) => 1 + (i / 999) * 9); // 1..10 m
    const r = depthRangeOf({ data, kind: 'metric' });
    expect(r.near).toBeCloseTo(1.18, 1);
    expect(r.far).toBeCloseTo(9.82, 1);
    const s = toDistance(Float32Array.from([0.5, r.near, (r.near + r.far) / 2, r.far, 50]), r);
    expect(Array.from(s).map((v) => +v.toFixed(4))).toEqual([0, 0, 0.5, 1, 1]);
    expect(fromDistance(0.5, r)).toBeCloseTo((r.near + r.far) / 2, 4);
    expect(nearRatioOf(r)).toBeCloseTo(r.near / r.far, 6);
  });

  it('relative inverse depth: large disparity is near, and s is linear in 1/disparity (scene depth)', () => {
    // Disparity of depths 1..10 (scale 3): s must equal the metric mapping of the same scene.
    const depths = Array.from({ length: 1000 }, (_v, i) => 1 + (i / 999) * 9);
    const disp = Float32Array.from(depths, (z) => 3 / z);
    const metric = Float32Array.from(depths);
    const rd = depthRangeOf({ data: disp, kind: 'relative-inverse' });
    const rm = depthRangeOf({ data: metric, kind: 'metric' });
    expect(rd.near).toBeGreaterThan(rd.far);
    const sd = toDistance(disp, rd);
    const sm = toDistance(metric, rm);
    let worst = 0;
    for (let i = 0; i < sd.length; i++) worst = Math.max(worst, Math.abs(sd[i] - sm[i]));
    expect(worst).toBeLessThan(0.02);
    expect(nearRatioOf(rd)).toBeCloseTo(nearRatioOf(rm), 2);
    // Degenerate inputs (zero or negative disparity, NaN) never produce NaN or out-of-range values.
    const weird = toDistance(Float32Array.from([0, -1, NaN, 1e9]), rd);
    for (const v of weird) expect(v >= 0 && v <= 1).toBe(true);
  });
});

describe('one depth range per clip, shared by preview and export', () => {
  // A synthetic analysis whose far plane drifts over the clip: frame i spans 1..(2 + i/100) m.
  const analysis = (n: number) => {
    const reads: number[] = [];
    const a = {
      depthDir: mkdtempSync(join(tmpdir(), 'gemdepth-range-')),
      start: 5,
      end: 5 + n - 1,
      async readDepth(i: number) {
        reads.push(i);
        const far = 2 + (i - 5) / 100;
        return { index: i, width: 100, height: 1, kind: 'metric' as const, data: Float32Array.from({ length: 100 }, (_v, k) => 1 + (k / 99) * (far - 1)) };
      },
    };
    return { a: a as unknown as AnalysisResult, reads };
  };

  it('a short clip reads every frame; a long one at most RANGE_SAMPLES, spread over the whole clip', async () => {
    const short = analysis(40);
    const r = await clipDepthRange(short.a);
    expect(short.reads).toEqual(Array.from({ length: 40 }, (_v, i) => 5 + i));
    expect(r.far).toBeGreaterThan(2.3); // the last frame's far plane counts

    const long = analysis(15000);
    const rl = await clipDepthRange(long.a);
    expect(long.reads.length).toBeLessThanOrEqual(RANGE_SAMPLES);
    expect(Math.min(...long.reads)).toBe(5);
    expect(Math.max(...long.reads)).toBeGreaterThan(5 + 15000 - 60);
    expect(rl.far).toBeGreaterThan(140);
  });

  it('is kept beside the cached depth: the next export reads no depth map; a damaged record is recomputed', async () => {
    const { a, reads } = analysis(40);
    const first = await clipDepthRange(a);
    expect(reads).toHaveLength(40);
    expect(await clipDepthRange(a)).toEqual(first);
    expect(reads).toHaveLength(40);
    const [file] = readdirSync(a.depthDir).filter((n) => n.includes('range-'));
    writeFileSync(join(a.depthDir, file), '{"kind":"metric","near":');
    expect(await clipDepthRange(a)).toEqual(first);
    expect(reads).toHaveLength(80);
    // Well-formed but wrong (no checksum, or one byte flipped): recomputed, never trusted.
    writeFileSync(join(a.depthDir, file), JSON.stringify({ kind: 'metric', near: 0.001, far: 9999 }));
    expect(await clipDepthRange(a)).toEqual(first);
    expect(reads).toHaveLength(120);
    const good = readFileSync(join(a.depthDir, file));
    good[5] ^= 1;
    writeFileSync(join(a.depthDir, file), good);
    expect(await clipDepthRange(a)).toEqual(first);
    expect(reads).toHaveLength(160);
  });

  it('a depth layer that is recomputed drops the ranges derived from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gemdepth-layer-'));
    const layer = await DepthLayer.open(dir, { v: 1 });
    writeFileSync(join(dir, `${DERIVED_PREFIX}range-v1-0-9-of-300.json`), '{}');
    await layer.truncate(5);
    expect(readdirSync(dir).filter((n) => n.startsWith(DERIVED_PREFIX))).toEqual([]);
  });

  it('cancel stops the scan', async () => {
    const { a } = analysis(1000);
    const ac = new AbortController();
    ac.abort();
    await expect(clipDepthRange(a, ac.signal)).rejects.toThrow(/cancelled/);
  });
});
