import { copyFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { withAtomicFile } from '../../util/atomic.ts';
import { UserError } from '../../common/errors.ts';
import { cachedSha256 } from '../../util/file-hash.ts';
import { getManifest } from '../infer/manifest.ts';
import { loadModel } from '../infer/session.ts';
import { installDir } from './store.ts';

export interface ImportOptions {
  dir?: string;
  manifestDir?: string;
  /** Where the engine remembers file hashes (tests point it at a temp folder). */
  cacheDir?: string;
}

export interface ImportResult {
  path: string;
  sha256: string;
  /** The file's I/O as onnxruntime reads it, checked against the manifest. */
  io: { T: number | null; height: number | null; width: number | null };
  replaced: boolean;
}

/**
 * Installs a user's own ONNX file as the model a manifest describes. The file is checked before
 * anything is copied: the published checksum when the manifest has one, then the graph's input and
 * output names, ranks and sizes as onnxruntime reads them, so a wrong export fails here, not mid-analysis.
 */
export async function importModel(file: string, id: string, o: ImportOptions = {}): Promise<ImportResult> {
  const src = resolve(file);
  const st = await stat(src).catch(() => null);
  if (!st?.isFile()) throw new UserError(`cannot import ${file}: no such file`, 'ENOENT');
  if (extname(src).toLowerCase() !== '.onnx') throw new UserError(`cannot import ${file}: expected an .onnx file`, 'EMODELTYPE');
  const m = await getManifest(id, o.manifestDir);
  const expected = m.sha256 ?? m.download?.sha256;
  const sha256 = await cachedSha256(src, o.cacheDir, expected);
  if (expected && sha256 !== expected) {
    throw new UserError(`${file} is not the published ${m.id} file: sha256 ${sha256}, expected ${expected}; nothing was imported`, 'ECHECKSUM');
  }
  // threads: 1 keeps the check light on a busy machine; CPU because validation needs no GPU.
  const model = await loadModel(m, { path: src, device: 'cpu', threads: 1, cacheDir: o.cacheDir });
  const io = { T: model.io.T, height: model.io.height, width: model.io.width };
  await model.close();

  const dir = o.dir ?? installDir();
  const dest = join(dir, m.file);
  if (resolve(dest) === src) return { path: dest, sha256, io, replaced: false };
  const replaced = await stat(dest).then(() => true, () => false);
  try {
    await withAtomicFile(dest, (tmp) => copyFile(src, tmp));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new UserError(`disk full while copying ${file} into ${dir}: free ${(st.size / 1e6).toFixed(0)} MB and try again`, 'ENOSPC');
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UserError(`cannot write to the model folder ${dir} (${code}): set GEMDEPTH_MODELS to a writable folder`, code);
    throw e;
  }
  return { path: dest, sha256, io, replaced };
}
