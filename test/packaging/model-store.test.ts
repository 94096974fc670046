import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256File } from '../../src-main/util/file-hash.ts';
import { importModel } from '../../src-main/engine/model-manager/import.ts';
import { licenceNotice } from '../../src-main/engine/model-manager/licence.ts';
import { FIRST_RUN_HINT, listModels, removeModel } from '../../src-main/engine/model-manager/store.ts';
import { getManifest } from '../../src-main/engine/infer/manifest.ts';
import { UserError } from '../../src-main/common/errors.ts';
import { REPO_ROOT, sharedModels } from '../helpers/shared.ts';

const run = promisify(execFile);
const fastdepthFile = () => join(sharedModels(), 'fastdepth', 'fastdepth-224.onnx');
let dir: string;
let cacheDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gemdepth-models-'));
  cacheDir = await mkdtemp(join(tmpdir(), 'gemdepth-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

describe('model import, listing and removal', () => {
  it('imports a real ONNX file after checking checksum and I/O with onnxruntime', async () => {
    const r = await importModel(fastdepthFile(), 'fastdepth', { dir, cacheDir });
    expect(r.path).toBe(join(dir, 'fastdepth-224.onnx'));
    expect(r.io).toEqual({ T: null, height: 224, width: 224 });
    expect(await sha256File(r.path)).toBe(await sha256File(fastdepthFile()));

    const listed = (await listModels({ dir })).find((s) => s.manifest.id === 'fastdepth')!;
    expect(listed.installedAt).toBe(r.path);
    expect(listed.removable).toBe(true);

    expect(await removeModel('fastdepth', { dir })).toEqual([r.path]);
    expect(existsSync(r.path)).toBe(false);
  });

  it('refuses a file that is not the published one, and installs nothing', async () => {
    const other = join(sharedModels(), 'fastdepth', 'fastdepth-dynamic.onnx');
    const err = await importModel(other, 'fastdepth', { dir, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('ECHECKSUM');
    expect(existsSync(join(dir, 'fastdepth-224.onnx'))).toBe(false);
  });

  it('refuses a model whose inputs do not fit the manifest, naming expected and found', async () => {
    const err = await importModel(fastdepthFile(), 'gemdepth', { dir, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/expected input 'images', found 'input'/);
    expect(existsSync(join(dir, 'gemdepth.onnx'))).toBe(false);
  });

  it('rejects a non-ONNX path and an unknown model id with one line', async () => {
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'x');
    await expect(importModel(txt, 'fastdepth', { dir, cacheDir })).rejects.toThrow(/expected an \.onnx file/);
    const copy = join(dir, 'm.onnx');
    await copyFile(fastdepthFile(), copy);
    await expect(importModel(copy, 'no-such-model', { dir, cacheDir })).rejects.toThrow(/unknown model 'no-such-model'/);
  });

  it('never removes a model outside its own folder', async () => {
    const err = await removeModel('fastdepth', { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/does not manage|not installed/);
    expect(existsSync(fastdepthFile())).toBe(true);
  });

  it('says non-commercial weights are non-commercial', async () => {
    expect(licenceNotice(await getManifest('gemdepth'))).toMatch(/CC-BY-NC-4\.0: NON-COMMERCIAL use only/);
    expect(licenceNotice(await getManifest('fastdepth'))).toMatch(/commercial use allowed/);
  });
});

describe('first run', () => {
  it('the CLI says in one line what to do when no model is installed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'gemdepth-empty-'));
    const env = { ...process.env, GEMDEPTH_MODELS: join(empty, 'models'), GEMDEPTH_SHARED: empty, XDG_DATA_HOME: join(empty, 'data'), HOME: empty };
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'gemdepth.mjs'), 'models', 'list'], { env, cwd: REPO_ROOT });
    await rm(empty, { recursive: true, force: true });
    expect(stdout).toMatch(/^fastdepth .*not installed/m);
    expect(stdout).toMatch(/gemdepth .*CC-BY-NC-4\.0, NON-COMMERCIAL/);
    expect(stderr.trim()).toBe(`gemdepth: ${FIRST_RUN_HINT}`);
  });
});
