import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModelDir, bundledFfmpeg, ORT_BINDING, ortBindingDir, ortCudaProvider, packagedResourcesPath, unpackedPath } from '../../src-main/engine/runtime-paths.ts';
import { asarUnpackFilter, loadBuilderConfig, simulatePackagedLayout, type BuilderConfig } from '../../scripts/check-packaging.ts';
import { REPO_ROOT } from '../helpers/shared.ts';

let config: BuilderConfig;
let resourcesPath: string;
const inUnpacked = (p: string | null) => !!p && p.startsWith(join(resourcesPath, 'app.asar.unpacked') + sep);

beforeAll(async () => {
  // The layout comes from electron-builder's own loader and matchers applied to electron-builder.yml.
  config = await loadBuilderConfig('electron-builder.yml');
  resourcesPath = simulatePackagedLayout(config).resourcesPath;
});
afterAll(() => rmSync(dirname(resourcesPath), { recursive: true, force: true }));

describe('runtime paths', () => {
  it('rewrites app.asar paths to app.asar.unpacked, once', () => {
    expect(unpackedPath('/opt/GemDepth Studio/resources/app.asar/node_modules/x/ffmpeg')).toBe('/opt/GemDepth Studio/resources/app.asar.unpacked/node_modules/x/ffmpeg');
    expect(unpackedPath('C:\\GemDepth\\resources\\app.asar\\node_modules\\x.node')).toBe('C:\\GemDepth\\resources\\app.asar.unpacked\\node_modules\\x.node');
    expect(unpackedPath('/r/app.asar.unpacked/a')).toBe('/r/app.asar.unpacked/a');
    expect(unpackedPath('/home/u/app.asarx/a')).toBe('/home/u/app.asarx/a');
  });

  it('finds onnxruntime and ffmpeg in the dev tree', () => {
    const dir = ortBindingDir({ resourcesPath: null });
    expect(dir).toBe(join(REPO_ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch));
    const tools = bundledFfmpeg({ resourcesPath: null });
    expect(tools.ffmpeg).toMatch(/node_modules/);
    expect(tools.ffprobe).toMatch(/node_modules/);
    // The CPU install here has no CUDA provider (.npmrc skips it).
    expect(ortCudaProvider({ resourcesPath: null })).toBeNull();
  });

  it('finds the onnxruntime binding in a simulated packaged layout, and it loads from there', () => {
    const dir = ortBindingDir({ resourcesPath });
    expect(inUnpacked(dir)).toBe(true);
    // A separate process, so this test's own onnxruntime does not mask a missing neighbour library.
    const script = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(dir!, ORT_BINDING))});process.stdout.write(typeof m.exports.InferenceSession)`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('function');
  });

  it('finds ffmpeg and ffprobe in a simulated packaged layout, and they run from there', () => {
    const tools = bundledFfmpeg({ resourcesPath });
    expect(inUnpacked(tools.ffmpeg)).toBe(true);
    expect(inUnpacked(tools.ffprobe)).toBe(true);
    expect(execFileSync(tools.ffmpeg!, ['-version'], { encoding: 'utf8' })).toMatch(/^ffmpeg version/);
    expect(execFileSync(tools.ffprobe!, ['-version'], { encoding: 'utf8' })).toMatch(/^ffprobe version/);
  });

  it('finds the built-in model in the dev tree and unpacked in a simulated packaged layout', () => {
    expect(builtinModelDir({ resourcesPath: null })).toBe(join(REPO_ROOT, 'models'));
    const packed = join(builtinModelDir({ resourcesPath }), 'fastdepth-int8.onnx');
    expect(inUnpacked(packed)).toBe(true);
    expect(existsSync(packed)).toBe(true);
  });

  it('finds nothing when asarUnpack misses the native files (the check can fail)', () => {
    const broken = { ...config, asarUnpack: ['**/node_modules/@ffprobe-installer/*-*/**'] };
    expect(asarUnpackFilter(broken)(`node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/${ORT_BINDING}`)).toBe(false);
    const sim = simulatePackagedLayout(broken);
    try {
      expect(ortBindingDir({ resourcesPath: sim.resourcesPath })).toBeNull();
      expect(bundledFfmpeg({ resourcesPath: sim.resourcesPath }).ffmpeg).toBeNull();
      expect(inUnpacked(bundledFfmpeg({ resourcesPath: sim.resourcesPath }).ffprobe)).toBe(false);
    } finally {
      rmSync(dirname(sim.resourcesPath), { recursive: true, force: true });
    }
  });

  it('takes the layout from process.resourcesPath only when an app.asar lies there', () => {
    const proc = process as { resourcesPath?: string };
    expect(packagedResourcesPath()).toBeNull();
    try {
      proc.resourcesPath = REPO_ROOT; // no app.asar: still the dev tree
      expect(packagedResourcesPath()).toBeNull();
      proc.resourcesPath = resourcesPath;
      expect(packagedResourcesPath()).toBe(resourcesPath);
      expect(inUnpacked(ortBindingDir())).toBe(true);
      expect(inUnpacked(bundledFfmpeg().ffmpeg)).toBe(true);
    } finally {
      delete proc.resourcesPath;
    }
  });
});
