import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadBuilderConfig, nodeModuleFilter, runPackagingChecks } from '../../scripts/check-packaging.ts';
import { ICON_SIZES, renderIcon } from '../../scripts/make-icons.ts';
import { REPO_ROOT } from '../helpers/shared.ts';

const ORT = 'node_modules/onnxruntime-node/bin/napi-v6';

describe('installer configuration', () => {
  it('passes every check of npm run check:packaging', async () => {
    const checks = await runPackagingChecks();
    const failed = checks.filter((c) => !c.ok && !c.warnOnly).map((c) => `${c.what} (${c.detail ?? ''})`);
    expect(failed).toEqual([]);
    expect(checks.filter((c) => c.ok).length).toBeGreaterThan(25);
  });

  it('keeps the CUDA provider in the CUDA flavour only', async () => {
    const cpu = nodeModuleFilter(await loadBuilderConfig('electron-builder.yml'), 'linux');
    const cuda = nodeModuleFilter(await loadBuilderConfig('electron-builder.cuda.yml'), 'linux');
    const lib = `${ORT}/linux/x64/libonnxruntime_providers_cuda.so`;
    expect([cpu(lib), cuda(lib)]).toEqual([false, true]);
    expect([cpu(`${ORT}/linux/x64/libonnxruntime.so.1`), cuda(`${ORT}/linux/x64/libonnxruntime.so.1`)]).toEqual([true, true]);
    expect(cuda(`${ORT}/darwin/arm64/libonnxruntime.1.dylib`)).toBe(false);
  });

  it('ships the icons the project script draws', () => {
    for (const s of [ICON_SIZES[0], 64]) {
      const committed = PNG.sync.read(readFileSync(join(REPO_ROOT, 'assets', 'icons', `${s}x${s}.png`)));
      expect(Buffer.from(committed.data).equals(Buffer.from(renderIcon(s).data))).toBe(true);
    }
  });
});
