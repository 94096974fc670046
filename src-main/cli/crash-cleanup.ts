import type { Command } from 'commander';
import { defaultCacheDir } from '../engine/cache/paths.ts';
import { removeStalePartials } from '../util/stale-partials.ts';

const OUTPUT_OPTIONS = ['out', 'depthPng', 'depthMkv', 'cameraPath', 'pointcloud'];

/**
 * Before a job starts, what an earlier job killed outright (kill -9) left in the cache and beside this
 * job's outputs is removed (hidden `.partial` files of processes that are gone).
 */
export function registerCrashCleanup(program: Command): void {
  program.hook('preAction', async (_program, action) => {
    if (!['analyze', 'render'].includes(action.name())) return;
    const o = action.opts<Record<string, unknown>>();
    const outputs = OUTPUT_OPTIONS.map((k) => o[k]).filter((v): v is string => typeof v === 'string');
    const cacheDir = typeof o.cacheDir === 'string' ? o.cacheDir : defaultCacheDir();
    await removeStalePartials({ cacheDir, outputs }).catch(() => []);
  });
}
