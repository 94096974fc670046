import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type DeviceRequest = 'auto' | 'cpu' | 'cuda';

export interface CudaAvailability {
  provider: boolean;
  gpu: boolean;
  /** Why CUDA cannot run, when it cannot. */
  why: string | null;
}

const require = createRequire(import.meta.url);

/** onnxruntime-node's CUDA provider is a separate download (skipped by .npmrc): look for its library. */
function cudaProviderInstalled(): boolean {
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json')).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(dir, lib));
  } catch {
    return false;
  }
}

function nvidiaGpuPresent(): boolean {
  if (process.platform === 'linux') return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
  // Windows has no cheap device file: the provider's own start-up decides (and falls back on failure).
  return process.platform === 'win32';
}

export function cudaAvailability(): CudaAvailability {
  if (process.platform === 'darwin') return { provider: false, gpu: false, why: 'CUDA is not available on macOS' };
  const provider = cudaProviderInstalled();
  const gpu = nvidiaGpuPresent();
  const why = !provider ? 'CUDA provider not installed: run npm run cuda:install' : !gpu ? 'no NVIDIA GPU found' : null;
  return { provider, gpu, why };
}

export interface ProviderPlan {
  /** Providers to try, in order. */
  order: ('cuda' | 'cpu')[];
  /** The reason shown next to the device, e.g. "CUDA provider not installed: run npm run cuda:install". */
  reason: string;
}

export function planProviders(req: DeviceRequest = 'auto'): ProviderPlan {
  if (req === 'cpu') return { order: ['cpu'], reason: 'requested' };
  const cuda = cudaAvailability();
  if (req === 'cuda') {
    // An explicit request still tries, so a user sees the provider's own error as the warning.
    return { order: ['cuda', 'cpu'], reason: cuda.why ?? 'requested' };
  }
  return cuda.why ? { order: ['cpu'], reason: cuda.why } : { order: ['cuda', 'cpu'], reason: 'CUDA provider and NVIDIA GPU found' };
}
