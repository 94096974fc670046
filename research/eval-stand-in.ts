/**
 * npm run eval:stand-in -- DATASET_DIR [--row SPEC ...] [--limit N] [--mvs]
 *
 * What would reach the targets: the pipeline run on stand-in "models" made from the dataset's ground truth
 * with set errors (research/eval/stand-in.ts), one row per error mix, scored like `npm run eval`. A SPEC is
 * comma-separated knobs, e.g. "blur=2,jitter=0.15,wobble=0.1,compress=0.5"; "none" is the ground truth at the
 * model's grid. Diagnostic only: the product never reads ground truth.
 */
import { Command } from 'commander';
import { runEval } from './eval/run-eval.ts';
import { openStandInModel, type StandInErrors } from './eval/stand-in.ts';
import { isUserError, UserError } from '../src-main/common/errors.ts';

const DEFAULT_ROWS = ['none', 'blur=2', 'blur=2,jitter=0.15', 'blur=2,jitter=0.15,wobble=0.15', 'blur=2,jitter=0.15,wobble=0.15,compress=0.75', 'blur=2,jitter=0.15,wobble=0.15,compress=0.5'];
const KNOBS = ['blur', 'jitter', 'compress', 'wobble'] as const;

function parseSpec(spec: string): StandInErrors {
  if (spec === 'none') return {};
  const e: StandInErrors = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    const x = Number(v);
    if (!(KNOBS as readonly string[]).includes(k) || !Number.isFinite(x)) {
      throw new UserError(`--row ${spec}: each part is KNOB=NUMBER with KNOB one of ${KNOBS.join(', ')} (or the whole row "none")`);
    }
    e[k as (typeof KNOBS)[number]] = x;
  }
  return e;
}

const program = new Command()
  .name('eval:stand-in')
  .argument('<dataset>', 'folder in the eval layout (see research/convert-dataset.ts)')
  .option('--row <spec>', 'one error mix (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--limit <n>', 'first N frames only', (v) => parseInt(v, 10))
  .option('--mvs', 'also run the opt-in multi-view refinement (slow)')
  .action(async (dir: string, o: { row: string[]; limit?: number; mvs?: boolean }) => {
    const rows = o.row.length ? o.row : DEFAULT_ROWS;
    const specs = rows.map(parseSpec);
    const f = (x: number, d = 3) => x.toFixed(d).padStart(6);
    console.log(`| ${'stand-in errors'.padEnd(46)} | model: AbsRel | delta1 |    TAE | pipeline: AbsRel | delta1 |    TAE | ATE % path |`);
    console.log(`| ${'-'.repeat(46)} | ------------- | ------ | ------ | ---------------- | ------ | ------ | ---------- |`);
    for (let i = 0; i < rows.length; i++) {
      const r = await runEval(dir, { limit: o.limit, mvs: !!o.mvs, source: (ds) => openStandInModel(ds, specs[i]) });
      const ate = (100 * r.poses.ate) / Math.max(1e-9, r.poses.pathLength);
      console.log(`| ${rows[i].padEnd(46)} | ${f(r.perFrame.absRel).padStart(13)} | ${f(r.perFrame.delta1)} | ${f(r.perFrame.tae, 2)} | ${f(r.full.absRel).padStart(16)} | ${f(r.full.delta1)} | ${f(r.full.tae, 2)} | ${f(ate, 2).padStart(10)} |`);
    }
    console.log('targets (issue 4): AbsRel <= 0.30, delta1 >= 0.55, TAE <= 1.5; "pipeline" is what analyze writes' + (o.mvs ? ' with MVS' : ' (default)'));
  });

program.parseAsync().catch((e) => {
  console.error(isUserError(e) ? `error: ${e.message}` : e);
  process.exit(1);
});
