import { describe, expect, it } from 'vitest';
import { createGeometryStage, type GeometryOutput } from '../../src-main/engine/geometry/stage.ts';
import { intrinsicsFor } from '../../src-main/common/camera/intrinsics.ts';
import { corruptDepth, poseYaw, renderRoom } from './synthetic.ts';
import { quantize } from '../../src-main/common/quantize.ts';
import { colorizeDepth, depthRange } from '../../src-main/common/effects/colormap.ts';
import { toInverseDepth } from '../../src-main/common/depth.ts';
import type { OutputExtras } from '../../src-main/engine/geometry/driver/frame-output.ts';

// The frame output reuses its work planes from frame to frame: what it hands out must never be one of
// them (a later frame would overwrite an earlier frame's depth while the cache or the .npy writer holds it).
const K = intrinsicsFor(160, 120, { fovDeg: 70 });

async function run(o: { temporal: boolean; keepAligned: boolean; outputThread?: boolean; outputExtras?: OutputExtras }) {
  const stage = createGeometryStage({ intrinsics: K, analysisWidth: 160, mvs: false, ...o });
  const kept: { out: GeometryOutput; depth: Float32Array; aligned?: Float32Array; quantized?: Uint16Array; preview?: Uint8Array }[] = [];
  const take = (outs: GeometryOutput[]) => {
    for (const out of outs) {
      kept.push({ out, depth: out.depth.data.slice(), aligned: out.aligned?.data.slice(), quantized: out.quantized?.data.slice(), preview: out.preview?.slice() });
      // Given back at once (as the analysis does once written): later frames' extras are made in them.
      if (out.quantized || out.preview) stage.recycle(out.quantized ? [out.quantized.data] : [], out.preview ? [out.preview] : []);
    }
  };
  for (let i = 0; i < 10; i++) {
    const f = renderRoom(poseYaw(0.01 * i, [0.05 * i, 0, 0.04 * i]), K, i);
    // Failed pixels (corruptDepth) take the hole-filling path of the output as well.
    take(await stage.push({ index: i, rgb: f.rgb, depth: corruptDepth(f.depth, i) }));
  }
  take(await stage.flush());
  return kept;
}

describe('geometry output buffers', () => {
  for (const temporal of [true, false]) {
    it(`each frame's depth is its own and stays as handed out (temporal ${temporal}, aligned kept)`, async () => {
      const kept = await run({ temporal, keepAligned: true });
      expect(kept.map((k) => k.out.index)).toEqual(Array.from({ length: 10 }, (_v, i) => i));
      const buffers = new Set<ArrayBufferLike>();
      for (const k of kept) {
        expect(k.out.depth.data).toEqual(k.depth);
        expect(k.out.aligned!.data).toEqual(k.aligned);
        buffers.add(k.out.depth.data.buffer);
        buffers.add(k.out.aligned!.data.buffer);
      }
      expect(buffers.size).toBe(2 * kept.length);
      // And the frames differ (the check above would hold trivially on a constant output).
      expect(kept[0].depth).not.toEqual(kept[9].depth);
    });
  }

  // The thread writes each output into its own copy of the model's depth (output-serve.ts), with the
  // temporal filter and without.
  it.each([true, false])('the output thread makes the same outputs, bit for bit, in order (temporal %s)', async (temporal) => {
    const here = await run({ temporal, keepAligned: true });
    const there = await run({ temporal, keepAligned: true, outputThread: true });
    expect(there.map((k) => k.out.index)).toEqual(here.map((k) => k.out.index));
    for (let i = 0; i < here.length; i++) {
      expect(there[i].out.depth.data).toEqual(here[i].out.depth.data);
      expect(there[i].out.aligned!.data).toEqual(here[i].out.aligned!.data);
      expect(there[i].out.pose).toEqual(here[i].out.pose);
      expect([there[i].out.confidence, there[i].out.shotId]).toEqual([here[i].out.confidence, here[i].out.shotId]);
    }
  });

  // The cache's quantised form and the preview's colours made on the output thread (outputExtras), in
  // arrays given back frame after frame: what the analysis's thread made from the same depth before.
  it('the output thread quantises and colour-maps each output as the caller would', async () => {
    const kept = await run({ temporal: true, keepAligned: false, outputThread: true, outputExtras: { quantize: true, preview: true } });
    expect(kept.length).toBe(10);
    const first = kept[0].depth;
    const range = depthRange(toInverseDepth(first, kept[0].out.depth.kind));
    for (const k of kept) {
      const q = quantize(k.depth);
      expect([k.out.quantized!.offset, k.out.quantized!.scale]).toEqual([q.offset, q.scale]);
      expect(k.quantized).toEqual(q.data);
      expect(k.preview).toEqual(colorizeDepth(k.depth, k.out.depth.width, k.out.depth.height, k.out.depth.kind, range));
    }
    expect(kept[0].preview).not.toEqual(kept[9].preview);
    const none = await run({ temporal: true, keepAligned: false, outputThread: true });
    expect(none.every((k) => k.out.quantized === undefined && k.out.preview === undefined)).toBe(true);
  });
});
