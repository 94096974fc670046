import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalysis } from '../src-main/engine/jobs/analyze.ts';
const poses = process.argv.includes('--poses');
for (let k = 0; k < 2; k++) {
  const cacheDir = await mkdtemp(join(tmpdir(), 'tl-c-'));
  const out = await mkdtemp(join(tmpdir(), 'tl-o-'));
  const t0 = performance.now();
  const marks: string[] = [];
  let first = -1;
  let last = 0;
  await runAnalysis({ input: '/work/shared/clips/cockatoo.mp4', out: join(out, 'a'), poses, cacheDir, device: 'cpu' }, {
    onProgress: (p) => {
      const t = performance.now() - t0;
      if (p.done >= 1 && first < 0) first = t;
      if (p.done === 140) marks.push(`half ${t.toFixed(0)}`);
      last = t;
    },
  });
  const end = performance.now() - t0;
  console.log(`run ${k}: first frame out ${first.toFixed(0)} ms, ${marks.join(' ')}, last progress ${last.toFixed(0)}, end ${end.toFixed(0)} ms`);
  await rm(cacheDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
}
