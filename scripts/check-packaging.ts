/**
 * `npm run check:packaging`: verifies the installer configuration as far as this machine allows.
 * `electron-builder --dir` needs the Electron binary, which cannot be downloaded here, so instead this
 * runs electron-builder's OWN config loader, schema validation and file matchers (app-builder-lib) on
 * electron-builder.yml and electron-builder.cuda.yml, checks every path the config names, and builds a
 * simulated packaged tree (resources/app.asar + app.asar.unpacked/ holding exactly the files the
 * asarUnpack patterns select) in which runtime-paths.ts must find onnxruntime's binding and ffmpeg,
 * which are then loaded/executed from there.
 * Flags: --built also requires dist-main/ and dist-renderer/ (after `npm run build`); --keep keeps the tree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { parseManifest } from '../src-main/engine/infer/manifest.ts';
import { builtinModelDir, bundledFfmpeg, ORT_BINDING, ortBindingDir } from '../src-main/engine/runtime-paths.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

interface FileSet { from?: string; to?: string; filter?: string[] }
type PlatformOptions = { files?: string[] | null; icon?: string; target?: unknown; mimeTypes?: string[] };
export interface BuilderConfig {
  appId?: string;
  productName?: string;
  electronVersion?: string;
  directories?: { buildResources?: string; output?: string };
  files?: FileSet[];
  asar?: boolean;
  asarUnpack?: string | string[];
  fileAssociations?: { ext: string; mimeType?: string; name?: string }[];
  linux?: PlatformOptions;
  win?: PlatformOptions;
  mac?: PlatformOptions;
  [k: string]: unknown;
}
type Filter = (file: string, stat: Stats) => boolean;
interface FileMatcherCtor {
  new (from: string, to: string, macroExpander: (s: string) => string, patterns?: string[]): { addPattern(p: string): void; createFilter(): Filter };
}
const builderConfig = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: { isEnabled: boolean }): Promise<void>;
};
const { FileMatcher, getNodeModuleFileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: FileMatcherCtor;
  getNodeModuleFileMatcher(appDir: string, dest: string, expand: (s: string) => string, platformOptions: PlatformOptions, packager: unknown): { createFilter(): Filter };
};

export type Platform = 'linux' | 'win32' | 'darwin';
const CONFIG_KEY: Record<Platform, 'linux' | 'win' | 'mac'> = { linux: 'linux', win32: 'win', darwin: 'mac' };

/** electron-builder's macro expansion for file patterns, for one target (its own uses the build host's platform). */
const expander = (arch: string) => (s: string) => s.replace(/\$\{arch\}/g, arch).replace(/\$\{platform\}/g, process.platform);

export async function loadBuilderConfig(file: string): Promise<BuilderConfig> {
  const config = await builderConfig.getConfig(ROOT, file, null);
  await builderConfig.validateConfiguration(config, { isEnabled: false });
  return config;
}

/** Would electron-builder copy this node_modules file (given relative to the app dir) into a `platform` build? */
export function nodeModuleFilter(config: BuilderConfig, platform: Platform, arch = 'x64'): (rel: string) => boolean {
  const packager = { config, debugLogger: { isEnabled: false } };
  const m = getNodeModuleFileMatcher(ROOT, join(ROOT, 'out-app'), expander(arch), config[CONFIG_KEY[platform]] ?? {}, packager);
  const filter = m.createFilter();
  // The module copier hands the filter the path relative to the app dir as moduleFullFilePath.
  return (rel) => filter(join(ROOT, rel), Object.assign(fakeFileStat(), { moduleFullFilePath: rel }));
}

function fakeFileStat(): Stats {
  return { isDirectory: () => false, isFile: () => true, isSymbolicLink: () => false } as unknown as Stats;
}

/** Would asarUnpack put this file (relative to the app dir) into app.asar.unpacked? */
export function asarUnpackFilter(config: BuilderConfig, arch = 'x64'): (rel: string) => boolean {
  const patterns = ([] as string[]).concat(config.asarUnpack ?? []);
  const filter = new FileMatcher(ROOT, join(ROOT, 'out-app'), expander(arch), patterns).createFilter();
  return (rel) => filter(join(ROOT, rel), Object.assign(fakeFileStat(), { moduleFullFilePath: rel }));
}

/** Would electron-builder's top-level `files` patterns put this app file (relative to the repo root) into the app? */
export function appFileFilter(config: BuilderConfig): (rel: string) => boolean {
  const patterns = (config.files ?? []).flatMap((s) => s.filter ?? []);
  const filter = new FileMatcher(ROOT, join(ROOT, 'out-app'), expander('x64'), patterns).createFilter();
  return (rel) => filter(join(ROOT, rel), fakeFileStat());
}

/** The model files that ship inside the app (models/*.onnx), relative to the repo root. */
export function builtinModelFiles(): string[] {
  const dir = join(ROOT, 'models');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.onnx')).map((n) => `models/${n}`) : [];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The real files of the packages whose native parts must be unpacked, relative to the repo root. */
export function nativeCandidates(): string[] {
  const pkgs = ['onnxruntime-node/bin', 'ffmpeg-static', '@ffmpeg-installer', '@ffprobe-installer'];
  return pkgs
    .map((p) => join(ROOT, 'node_modules', p))
    .filter((p) => existsSync(p))
    .flatMap((p) => walk(p))
    .map((p) => relative(ROOT, p).split(sep).join('/'));
}

/**
 * A packaged app's resources folder as electron-builder lays it out: an app.asar (a placeholder: only its
 * presence matters to the runtime) and app.asar.unpacked/ with every file the asarUnpack patterns select,
 * hard-linked (copied across file systems) so that loaders resolve neighbours ($ORIGIN) inside the tree.
 */
export function simulatePackagedLayout(config: BuilderConfig, into = mkdtempSync(join(tmpdir(), 'gemdepth-pkg-'))): { resourcesPath: string; files: string[] } {
  const resourcesPath = join(into, 'resources');
  mkdirSync(resourcesPath, { recursive: true });
  writeFileSync(join(resourcesPath, 'app.asar'), '');
  const unpack = asarUnpackFilter(config);
  const ship = nodeModuleFilter(config, process.platform as Platform, process.arch);
  const shipApp = appFileFilter(config);
  const files = [...nativeCandidates().filter((rel) => unpack(rel) && ship(rel)), ...builtinModelFiles().filter((rel) => unpack(rel) && shipApp(rel))];
  for (const rel of files) {
    const dest = join(resourcesPath, 'app.asar.unpacked', rel);
    mkdirSync(dirname(dest), { recursive: true });
    try {
      linkSync(join(ROOT, rel), dest);
    } catch {
      copyFileSync(join(ROOT, rel), dest);
    }
  }
  return { resourcesPath, files };
}

export interface Check { ok: boolean; what: string; detail?: string; warnOnly?: boolean }

function pngSize(path: string): [number, number] | null {
  try {
    const png = PNG.sync.read(readFileSync(path));
    return [png.width, png.height];
  } catch {
    return null;
  }
}

export async function runPackagingChecks(o: { built?: boolean; keep?: boolean } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (ok: boolean, what: string, detail?: string, warnOnly = false) => checks.push({ ok, what, detail, warnOnly });

  // 1. Both configs load through electron-builder and pass its JSON schema.
  const configs: Record<string, BuilderConfig> = {};
  for (const f of ['electron-builder.yml', 'electron-builder.cuda.yml']) {
    try {
      configs[f] = await loadBuilderConfig(f);
      add(true, `${f} parses and passes electron-builder's schema`);
    } catch (e) {
      add(false, `${f} parses and passes electron-builder's schema`, (e as Error).message.split('\n')[0]);
    }
  }
  const base = configs['electron-builder.yml'];
  const cuda = configs['electron-builder.cuda.yml'];
  if (!base) return checks;

  // 2. Identity, Electron version.
  add(!!base.appId && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(base.appId), 'appId is a reverse-DNS id', base.appId);
  add(base.productName === 'GemDepth Studio', 'productName', base.productName);
  const electronPkg = join(ROOT, 'node_modules', 'electron', 'package.json');
  const electronVersion = existsSync(electronPkg) ? (JSON.parse(readFileSync(electronPkg, 'utf8')) as { version: string }).version : null;
  add(!!electronVersion && (base.electronVersion === undefined || base.electronVersion === electronVersion), 'Electron version comes from the installed electron package', `electron ${electronVersion ?? 'not installed'}${base.electronVersion ? `, config pins ${base.electronVersion}` : ''}`);

  // 3. Every path the config names exists.
  const res = join(ROOT, base.directories?.buildResources ?? 'build');
  add(existsSync(res), 'buildResources folder exists', relative(ROOT, res));
  const iconSizes = (p: string, min: number) => {
    const size = pngSize(p);
    add(!!size && size[0] === size[1] && size[0] >= min, `${relative(ROOT, p)} is a square PNG >= ${min}px`, size ? `${size[0]}x${size[1]}` : 'missing or not a PNG');
  };
  iconSizes(join(res, base.win?.icon ?? 'icon.png'), 256);
  iconSizes(join(res, base.mac?.icon ?? 'icon.png'), 512);
  const linuxIcons = join(res, base.linux?.icon ?? 'icons');
  const sizes = existsSync(linuxIcons) ? readdirSync(linuxIcons).filter((n) => /^\d+x\d+\.png$/.test(n)) : [];
  const badSizes = sizes.filter((n) => {
    const s = pngSize(join(linuxIcons, n));
    return !s || `${s[0]}x${s[1]}.png` !== n;
  });
  add(sizes.length >= 4 && sizes.includes('512x512.png') && badSizes.length === 0, 'Linux icon set: NxN.png files of their named size, up to 512', `${sizes.length} files${badSizes.length ? `, wrong: ${badSizes.join(', ')}` : ''}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main?: string; name?: string; version?: string };
  add(!!pkg.main && !!pkg.name && !!pkg.version, 'package.json has name, version and main', pkg.main);

  const patterns = (base.files ?? []).flatMap((s) => s.filter ?? []).filter((p) => !p.startsWith('!'));
  for (const p of patterns) {
    const top = p.split('/')[0];
    if (p === 'package.json') continue;
    if (top.includes('*')) {
      add(false, `files pattern ${p} names a folder`, 'use an explicit top folder');
      continue;
    }
    if (p === 'models/*.json') {
      const dir = join(ROOT, 'models');
      const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
      const bad = names.filter((n) => {
        try {
          parseManifest(JSON.parse(readFileSync(join(dir, n), 'utf8')), n);
          return false;
        } catch {
          return true;
        }
      });
      add(names.length > 0 && bad.length === 0, `files ${p}: every shipped manifest is valid`, `${names.length} manifests${bad.length ? `, invalid: ${bad.join(', ')}` : ''}`);
      continue;
    }
    const exists = existsSync(join(ROOT, top));
    add(exists, `files ${p}: ${top}/ exists`, exists ? undefined : 'not built yet: run npm run build (required with --built)', !o.built);
  }
  if (existsSync(join(ROOT, 'dist-main')) && pkg.main) add(existsSync(join(ROOT, pkg.main)), `package.json main ${pkg.main} is in the build`);

  // 4. File associations.
  const assoc = base.fileAssociations ?? [];
  const gd = assoc.find((a) => a.ext === 'gdproj');
  add(!!gd && gd.mimeType === 'application/x-gemdepth-project', 'file association .gdproj -> application/x-gemdepth-project');
  add(!!base.linux?.mimeTypes?.includes('application/x-gemdepth-project'), 'Linux desktop entry declares the project MIME type');

  // 5. asarUnpack selects the real native files; the node_modules filters keep the right ones per platform.
  add(base.asar !== false, 'asar is on');
  const unpack = asarUnpackFilter(base);
  const candidates = nativeCandidates();
  const natives = candidates.filter((r) => /onnxruntime_binding\.node$|libonnxruntime\.so\.1$|\/ffmpeg$|\/ffprobe$|onnxruntime\.dll$|\.dylib$/.test(r));
  const missed = natives.filter((r) => !unpack(r));
  add(natives.length > 0 && missed.length === 0, 'asarUnpack covers every onnxruntime/ffmpeg native file in node_modules', missed.length ? `not unpacked: ${missed.join(', ')}` : `${natives.length} files`);
  for (const p of ([] as string[]).concat(base.asarUnpack ?? [])) {
    const m = new FileMatcher(ROOT, join(ROOT, 'out-app'), expander('x64'), [p]).createFilter();
    const hits = [...candidates, ...builtinModelFiles()].filter((r) => m(join(ROOT, r), Object.assign(fakeFileStat(), { moduleFullFilePath: r })));
    const optional = p.includes('ffmpeg-static');
    add(hits.length > 0, `asarUnpack ${p} matches installed files`, hits.length ? `${hits.length} files` : optional ? 'ffmpeg-static has no binary here (its download is disabled); fine when present' : 'matches nothing', optional);
  }
  const ort = 'node_modules/onnxruntime-node/bin/napi-v6';
  const cudaLib: Record<Platform, string> = { linux: 'linux/x64/libonnxruntime_providers_cuda.so', win32: 'win32/x64/onnxruntime_providers_cuda.dll', darwin: 'darwin/arm64/libonnxruntime_providers_cuda.so' };
  for (const platform of ['linux', 'win32', 'darwin'] as Platform[]) {
    const arch = platform === 'darwin' ? 'arm64' : 'x64';
    const keep = nodeModuleFilter(base, platform, arch);
    const own = candidates.filter((r) => r.startsWith(`${ort}/${platform}/${arch}/`));
    const foreign = candidates.filter((r) => r.startsWith(`${ort}/`) && !r.startsWith(`${ort}/${platform}/`));
    add(own.length > 0 && own.every(keep) && !foreign.some(keep), `${platform} build ships its own onnxruntime binaries only`, `${own.filter(keep).length} kept, ${foreign.filter(keep).length} foreign kept`);
    if (platform !== 'darwin') add(!keep(`${ort}/${cudaLib[platform]}`), `${platform} CPU build leaves the CUDA provider out`);
  }
  if (cuda) {
    const keep = nodeModuleFilter(cuda, 'linux', 'x64');
    add(keep(`${ort}/${cudaLib.linux}`) && keep(`${ort}/linux/x64/libonnxruntime_providers_shared.so`), 'CUDA flavour (electron-builder.cuda.yml) ships the CUDA provider');
    add(!keep(`${ort}/win32/x64/onnxruntime.dll`), 'CUDA flavour still leaves other OSes\' binaries out');
    add(cuda.productName !== base.productName, 'CUDA flavour has its own product name', cuda.productName);
  }

  // 5b. The built-in depth model ships, unpacked (onnxruntime reads it natively), with its licence notices.
  const shipApp = appFileFilter(base);
  const models = builtinModelFiles();
  add(models.length > 0 && models.every(shipApp), 'files ships the built-in model(s) in models/', models.join(', ') || 'no models/*.onnx');
  add(models.length > 0 && models.every(unpack), 'asarUnpack unpacks the built-in model(s)', models.filter((m) => !unpack(m)).join(', ') || `${models.length} files`);
  const notices = ['models/LICENSES/NOTICE.md', 'models/LICENSES/FastDepth-MIT.txt', 'models/LICENSES/Apache-2.0.txt'];
  add(notices.every((n) => existsSync(join(ROOT, n)) && shipApp(n)), 'files ships the built-in model\'s licence notices (MIT and Apache-2.0)', notices.filter((n) => !existsSync(join(ROOT, n)) || !shipApp(n)).join(', ') || undefined);

  // 6. Runtime resolution in a simulated packaged tree, then really load/execute from it.
  const sim = simulatePackagedLayout(base);
  try {
    const inTree = (p: string | null) => !!p && resolve(p).startsWith(join(sim.resourcesPath, 'app.asar.unpacked') + sep);
    const bindingDir = ortBindingDir({ resourcesPath: sim.resourcesPath });
    add(inTree(bindingDir), 'packaged layout: onnxruntime binding found in app.asar.unpacked', bindingDir ?? 'not found');
    if (bindingDir) {
      const script = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(bindingDir, ORT_BINDING))});process.stdout.write(Object.keys(m.exports).join(','))`;
      try {
        const keys = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
        add(keys.includes('InferenceSession'), 'packaged layout: the unpacked binding loads with its libonnxruntime beside it', keys);
      } catch (e) {
        add(false, 'packaged layout: the unpacked binding loads with its libonnxruntime beside it', (e as Error).message.split('\n')[0]);
      }
    }
    const modelDir = builtinModelDir({ resourcesPath: sim.resourcesPath });
    const inDir = models.map((m) => join(modelDir, basename(m)));
    add(models.length > 0 && inDir.every((m) => inTree(m) && existsSync(m)), 'packaged layout: the built-in model is in app.asar.unpacked/models', inDir.join(', '));
    if (bindingDir && inDir.length && existsSync(inDir[0])) {
      // onnxruntime really opens it from there (in a child process: the binding of the simulated tree).
      const script = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(bindingDir, ORT_BINDING))});` +
        `m.exports.initOrtOnce(3,require('onnxruntime-common').Tensor,true);const s=new m.exports.InferenceSession();` +
        `s.loadModel(${JSON.stringify(inDir[0])},{});process.stdout.write(JSON.stringify(s.inputMetadata.map((x)=>x.name)))`;
      try {
        const names = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });
        add(names.includes('input'), 'packaged layout: onnxruntime opens the built-in model from there', names);
      } catch (e) {
        add(false, 'packaged layout: onnxruntime opens the built-in model from there', (e as Error).message.split('\n')[0]);
      }
    }
    const tools = bundledFfmpeg({ resourcesPath: sim.resourcesPath });
    add(inTree(tools.ffmpeg), 'packaged layout: ffmpeg found in app.asar.unpacked', `${tools.ffmpeg ?? 'not found'} (${tools.source.ffmpeg})`);
    add(inTree(tools.ffprobe), 'packaged layout: ffprobe found in app.asar.unpacked', tools.ffprobe ?? 'not found');
    for (const [name, exe] of [['ffmpeg', tools.ffmpeg], ['ffprobe', tools.ffprobe]] as const) {
      if (!exe) continue;
      try {
        const v = execFileSync(exe, ['-version'], { encoding: 'utf8', timeout: 30_000 }).split('\n')[0];
        add(/version/.test(v), `packaged layout: ${name} runs from there`, v);
      } catch (e) {
        add(false, `packaged layout: ${name} runs from there`, (e as Error).message.split('\n')[0]);
      }
    }
  } finally {
    if (!o.keep) rmSync(dirname(sim.resourcesPath), { recursive: true, force: true });
    else add(true, 'simulated tree kept', sim.resourcesPath);
  }
  return checks;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const checks = await runPackagingChecks({ built: process.argv.includes('--built'), keep: process.argv.includes('--keep') });
  for (const c of checks) {
    const mark = c.ok ? 'ok  ' : c.warnOnly ? 'warn' : 'FAIL';
    console.log(`${mark}  ${c.what}${c.detail ? `  (${c.detail})` : ''}`);
  }
  const failed = checks.filter((c) => !c.ok && !c.warnOnly);
  console.log(failed.length ? `\n${failed.length} packaging check(s) failed` : `\nall ${checks.length} packaging checks passed`);
  process.exit(failed.length ? 1 : 0);
}


