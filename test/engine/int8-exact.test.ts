import { describe, expect, it } from 'vitest';
import { fusedInt8Exact } from '../../src-main/engine/infer/int8-exact.ts';

describe("onnxruntime's fused int8 kernels", () => {
  it('are used only where they do not saturate: ARM, x86 with VNNI; never on an x86 CPU that cannot be read', () => {
    expect(fusedInt8Exact('arm64', null)).toBe(true);
    expect(fusedInt8Exact('x64', 'flags : fpu sse2 avx avx2 fma')).toBe(false);
    expect(fusedInt8Exact('x64', 'flags : fpu avx2 avx512f avx512_vnni')).toBe(true);
    expect(fusedInt8Exact('x64', 'flags : fpu avx2 avx_vnni')).toBe(true);
    expect(fusedInt8Exact('x64', null)).toBe(false);
  });
});
