import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared.ts';

// Each layer rule of eslint.config.js, tried on a file that breaks it (and on one that keeps it), so the
// rule is known to fail where it should. The files are linted as text at the path they would have.
const eslint = new ESLint({ cwd: REPO_ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

const cases: [string, string, string, RegExp][] = [
  ['common imports node', 'src-main/common/bad.ts', "import { readFile } from 'node:fs/promises';\nexport const f = readFile;", /no node builtins/],
  ['common imports a bare builtin', 'src-main/common/bad.ts', "import { join } from 'path';\nexport const f = join;", /no node builtins/],
  ['common imports the engine', 'src-main/common/effects/bad.ts', "export { kernelsFor } from '../../engine/effects/wasm-kernels.ts';", /imports nothing of ours outside common/],
  ['the renderer imports the engine', 'src-renderer/preview/bad.ts', "import { applyStack } from '../../src-main/engine/effects/apply.ts';\nexport const f = applyStack;", /imports only src-main\/common/],
  ['the renderer imports the app layer', 'src-renderer/bad.ts', "import type { JobManager } from '../src-main/app/jobs.ts';\nexport type J = JobManager;", /imports only src-main\/common/],
  ['the renderer imports node', 'src-renderer/bad.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;", /no node builtins/],
  ['the engine imports the app layer', 'src-main/engine/jobs/bad.ts', "import { createJobManager } from '../../app/jobs.ts';\nexport const f = createJobManager;", /below the app layer/],
  ['the engine imports the CLI', 'src-main/engine/model-manager/bad.ts', "import { formatEta } from '../../cli/progress-line.ts';\nexport const f = formatEta;", /below the app layer/],
  ['util imports the shell', 'src-main/util/bad.ts', "export * from '../shell/policy.ts';", /below the app layer/],
  ['the engine imports research', 'src-main/engine/geometry/bad.ts', "import { scorePoses } from '../../../research/eval/metrics.ts';\nexport const f = scorePoses;", /not part of the product/],
  ['the app layer imports the CLI', 'src-main/app/bad.ts', "import { formatEta } from '../cli/progress-line.ts';\nexport const f = formatEta;", /never imports them/],
  ['the app layer imports the shell', 'src-main/app/bad.ts', "export * from '../shell/policy.ts';", /never imports them/],
  ['a script imports research', 'scripts/bad.ts', "import { runEval } from '../research/eval/run-eval.ts';\nexport const f = runEval;", /not part of the product/],
  ['the engine imports electron', 'src-main/engine/bad.ts', "import { app } from 'electron';\nexport const a = app;", /only src-main\/shell imports electron/],
  ['the app layer imports electron', 'src-main/app/bad.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;", /only src-main\/shell imports electron/],
  ['infer imports the cache', 'src-main/engine/infer/bad.ts', "import type { DepthLayer } from '../cache/layer.ts';\nexport type L = DepthLayer;", /data flows decode -> preprocess/],
  ['infer imports the stitcher', 'src-main/engine/infer/bad.ts', "import { WindowStitcher } from '../stitch/stitcher.ts';\nexport const f = WindowStitcher;", /infer\/ imports only the stages before it/],
  ['preprocess imports the session', 'src-main/engine/preprocess/bad.ts', "import { loadModel } from '../infer/session.ts';\nexport const f = loadModel;", /preprocess\/ imports only the stages before it/],
  ['a stage imports the jobs', 'src-main/engine/geometry/bad.ts', "import { runAnalysis } from '../jobs/analyze.ts';\nexport const f = runAnalysis;", /jobs\/ wires them/],
  ['decode imports encode', 'src-main/engine/decode/bad.ts', "export * from '../encode/npy.ts';", /decode\/ imports only the stages before it/],
];

describe('layer lint', () => {
  it.each(cases)('refuses: %s', async (_name, file, code, why) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(why);
  });

  it('allows what the layers allow', async () => {
    expect(await layerErrors('src-renderer/ok.ts', "import { toDistance } from '../src-main/common/effects/distance.ts';\nexport const f = toDistance;")).toEqual([]);
    expect(await layerErrors('src-main/engine/ok.ts', "import { UserError } from '../common/errors.ts';\nimport { readFile } from 'node:fs/promises';\nexport const f = [UserError, readFile];")).toEqual([]);
    expect(await layerErrors('src-main/cli/ok.ts', "import { createJobManager } from '../app/jobs.ts';\nexport const f = createJobManager;")).toEqual([]);
    expect(await layerErrors('src-main/engine/preprocess/ok.ts', "import type { ModelManifest } from '../infer/manifest.ts';\nexport type M = ModelManifest;")).toEqual([]);
    expect(await layerErrors('src-main/engine/encode/ok.ts', "import { resolveFfmpeg } from '../decode/ffmpeg-path.ts';\nexport const f = resolveFfmpeg;")).toEqual([]);
    expect(await layerErrors('src-main/engine/jobs/ok.ts', "import { WindowStitcher } from '../stitch/stitcher.ts';\nexport const f = WindowStitcher;")).toEqual([]);
    expect(await layerErrors('src-main/shell/ok.ts', "import { app } from 'electron';\nexport const a = app;")).toEqual([]);
    expect(await layerErrors('test/research/ok.test.ts', "import { scorePoses } from '../../research/eval/metrics.ts';\nexport const f = scorePoses;")).toEqual([]);
  });
});
