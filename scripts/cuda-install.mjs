#!/usr/bin/env node
/* global process, console */
/**
 * `npm run cuda:install`: fetches onnxruntime-node's CUDA 12 execution provider, which the normal
 * install skips (.npmrc: onnxruntime-node-install=skip) so that `npm install` never needs NuGet.
 *
 * It runs onnxruntime-node's own installer (node_modules/onnxruntime-node/script/install.js) with
 * ONNXRUNTIME_NODE_INSTALL=cuda12, which downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from nuget.org and
 * puts libonnxruntime_providers_{cuda,shared,tensorrt}.so beside the binding. Linux x64 only: that is
 * the one platform onnxruntime-node publishes a CUDA provider for. At run time the NVIDIA driver, the
 * CUDA 12 runtime and cuDNN 9 must be installed too; `gemdepth analyze` then reports "cuda" as device.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const fail = (msg) => {
  console.error(`cuda:install: ${msg}`);
  process.exit(1);
};

if (`${process.platform}/${process.arch}` !== 'linux/x64') {
  fail(`onnxruntime-node has a CUDA provider for Linux x64 only (this is ${process.platform}/${process.arch}); GemDepth Studio runs on the CPU here.`);
}
let root;
try {
  root = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  fail('onnxruntime-node is not installed: run npm install first.');
}
const binDir = join(root, 'bin', 'napi-v6', 'linux', 'x64');
const provider = join(binDir, 'libonnxruntime_providers_cuda.so');
if (existsSync(provider)) {
  console.log(`cuda:install: the CUDA provider is already installed (${provider}).`);
  process.exit(0);
}

console.log('cuda:install: downloading the onnxruntime CUDA 12 provider from nuget.org (about 300 MB)...');
const r = spawnSync(process.execPath, [join(root, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'], {
  cwd: root,
  stdio: 'inherit',
  // The flag on the command line wins, but .npmrc's skip reaches the child through npm's environment.
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', npm_config_onnxruntime_node_install: 'cuda12' },
});
if (r.status !== 0 || !existsSync(provider)) {
  fail(
    `the CUDA provider could not be installed (${r.error?.message ?? `exit code ${r.status}`}). ` +
      'It needs https://api.nuget.org to be reachable (set GLOBAL_AGENT_HTTPS_PROXY for a proxy). ' +
      'Nothing else changed: GemDepth Studio keeps running on the CPU.',
  );
}
console.log(`cuda:install: done (${provider}). Needs the NVIDIA driver, CUDA 12 and cuDNN 9 runtime libraries; check with: gemdepth analyze CLIP --out DIR --device cuda`);
