/**
 * Where the native parts live at run time, in the dev tree and in a packaged app.
 *
 * electron-builder packs the app into resources/app.asar, but native code cannot be loaded or executed
 * from inside an archive: electron-builder.yml unpacks onnxruntime-node's binaries and the ffmpeg/ffprobe
 * executables to resources/app.asar.unpacked/ (same relative paths). Electron's module loader maps
 * `require` of an unpacked file by itself, but anything we spawn or stat ourselves must use the real
 * path. Plain Node: never imports electron (process.resourcesPath is read as a plain property).
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** A path that points into app.asar, rewritten to its unpacked twin; other paths unchanged. */
export function unpackedPath(p: string): string {
  return p.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

export interface LayoutOptions {
  /**
   * The packaged app's resources folder (Electron's process.resourcesPath). Default: taken from the
   * process when it is a packaged app; null means the dev tree (node_modules beside the sources).
   */
  resourcesPath?: string | null;
  platform?: NodeJS.Platform;
  arch?: string;
}

/** process.resourcesPath when this process is a packaged app (an app.asar lies there), else null. */
export function packagedResourcesPath(): string | null {
  const res = (process as { resourcesPath?: string }).resourcesPath;
  return res && existsSync(join(res, 'app.asar')) ? res : null;
}

function layout(o: LayoutOptions) {
  const resourcesPath = o.resourcesPath === undefined ? packagedResourcesPath() : o.resourcesPath;
  return { resourcesPath, platform: o.platform ?? process.platform, arch: o.arch ?? process.arch };
}

/** The node_modules folder the app's packages are in: unpacked resources when packaged, else resolved. */
function packageRoot(name: string, o: LayoutOptions): string | null {
  const { resourcesPath } = layout(o);
  if (resourcesPath) {
    const dir = join(resourcesPath, 'app.asar.unpacked', 'node_modules', ...name.split('/'));
    return existsSync(dir) ? dir : null;
  }
  try {
    return unpackedPath(dirname(require.resolve(`${name}/package.json`)));
  } catch {
    return null;
  }
}

/**
 * The folder of the models that ship with the app (models/fastdepth-int8.onnx beside the manifests): the
 * repository's models/ in the dev tree, app.asar.unpacked/models/ when packaged (onnxruntime reads the file
 * natively, so it cannot stay inside the archive; electron-builder.yml unpacks it).
 */
export function builtinModelDir(o: LayoutOptions = {}): string {
  const { resourcesPath } = layout(o);
  if (resourcesPath) return join(resourcesPath, 'app.asar.unpacked', 'models');
  return unpackedPath(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models'));
}

export const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const ORT_BINDING = 'onnxruntime_binding.node';

/** Folder of onnxruntime-node's native binding (and libonnxruntime, and the CUDA provider when installed). */
export function ortBindingDir(o: LayoutOptions = {}): string | null {
  const { platform, arch } = layout(o);
  const root = packageRoot('onnxruntime-node', o);
  if (!root) return null;
  const dir = join(root, 'bin', 'napi-v6', platform, arch);
  return existsSync(join(dir, ORT_BINDING)) ? dir : null;
}

/** onnxruntime-node's CUDA provider library, if installed (npm run cuda:install, or the CUDA build). */
export function ortCudaProvider(o: LayoutOptions = {}): string | null {
  const dir = ortBindingDir(o);
  if (!dir) return null;
  const { platform } = layout(o);
  const lib = join(dir, platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
  return existsSync(lib) ? lib : null;
}

export interface BundledTools {
  ffmpeg: string | null;
  ffprobe: string | null;
  /** Which package each came from. */
  source: { ffmpeg: 'ffmpeg-static' | '@ffmpeg-installer' | null; ffprobe: '@ffprobe-installer' | 'beside-ffmpeg' | null };
}

/**
 * The ffmpeg/ffprobe executables shipped inside the app's node_modules (ffmpeg-static when its binary was
 * downloaded, else @ffmpeg-installer's per-platform package; ffprobe from @ffprobe-installer), looked up
 * by file layout only, so it works in a simulated packaged tree without Electron's asar support.
 */
export function bundledFfmpeg(o: LayoutOptions = {}): BundledTools {
  const { platform, arch } = layout(o);
  const exe = (n: string) => (platform === 'win32' ? `${n}.exe` : n);
  const tag = `${platform}-${arch}`;
  const found = <S extends string>(pairs: [S, string | null][]): [S, string] | null => {
    for (const [source, p] of pairs) if (p && existsSync(p) && isExecutable(p)) return [source, p];
    return null;
  };
  const staticRoot = packageRoot('ffmpeg-static', o);
  const installerRoot = packageRoot(`@ffmpeg-installer/${tag}`, o);
  const probeRoot = packageRoot(`@ffprobe-installer/${tag}`, o);
  const ff = found<'ffmpeg-static' | '@ffmpeg-installer'>([
    ['ffmpeg-static', staticRoot && join(staticRoot, exe('ffmpeg'))],
    ['@ffmpeg-installer', installerRoot && join(installerRoot, exe('ffmpeg'))],
  ]);
  const probe = found<'@ffprobe-installer' | 'beside-ffmpeg'>([
    ['@ffprobe-installer', probeRoot && join(probeRoot, exe('ffprobe'))],
    ['beside-ffmpeg', ff && join(dirname(ff[1]), exe('ffprobe'))],
  ]);
  return {
    ffmpeg: ff?.[1] ?? null,
    ffprobe: probe?.[1] ?? null,
    source: { ffmpeg: ff?.[0] ?? null, ffprobe: probe?.[0] ?? null },
  };
}
