import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src-main/util/worker-entry.ts';
import { endWorker } from '../../src-main/util/worker-messages.ts';

// A worker of the engine's own (the focal search's), started as the analysis starts it.
const base = pathToFileURL(join(import.meta.dirname, '..', '..', 'src-main', 'engine', 'geometry', 'focal-thread.ts')).href;

describe('endWorker', () => {
  it('lets a worker exit on its own (exit code 0; terminate() would give 1), and is a no-op once it has', async () => {
    const w = startWorker(base, './focal-worker.ts', { bundle: true });
    const code = new Promise<number>((resolve) => w.once('exit', resolve));
    await new Promise((resolve) => w.once('online', resolve));
    await endWorker(w);
    expect(await code).toBe(0);
    await endWorker(w);
  });

});
