import { readFileSync } from 'node:fs';

/**
 * Whether onnxruntime's fused int8 kernels give a quantised (QDQ) model's depth as its float form does on
 * this CPU. On x86 without VNNI (AVX2 only) they sum u8 x s8 products in saturating 16-bit lanes: the
 * built-in int8 FastDepth's depth then moved from the fp32 model's by up to 6% in scale (pearson 0.88 on a
 * real frame) against 1% in float (`test/engine/embedded-model.test.ts`). ARM's dot products and x86's
 * VNNI do not saturate. Where this cannot be read (x86 off Linux), the float path is taken: depth must not
 * depend on the CPU; it costs that model about twice its CPU time a frame.
 */
export function fusedInt8Exact(arch = process.arch, cpuinfo = linuxCpuFlags()): boolean {
  if (arch === 'arm64') return true;
  if (arch !== 'x64' || cpuinfo === null) return false;
  return /\b(avx512_vnni|avx_vnni)\b/.test(cpuinfo);
}

function linuxCpuFlags(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:.*$/m)?.[0] ?? null;
  } catch {
    return null;
  }
}
