/** npm run eval -- DATASET_DIR [--limit N] [--default-fov [--no-self-calibration] [--refine-focal]] [--width W] [--no-mvs] [--no-scale] [--no-fusion] [--no-unit-transfer] [--as-relative]: accuracy table for the geometry pipeline. */
import { Command } from 'commander';
import { formatEvalTable, runEval } from './eval/run-eval.ts';
import { isUserError } from '../src-main/common/errors.ts';

const program = new Command()
  .name('eval')
  .argument('<dataset>', 'folder with frames/, gt_depth/, gt_poses.txt, K.txt (see research/convert-dataset.ts)')
  .option('--limit <n>', 'first N frames only', (v) => parseInt(v, 10))
  .option('--model <id>', 'per-frame model manifest id', 'fastdepth')
  .option('--cap <m>', 'max valid GT depth in metres', parseFloat)
  .option('--width <px>', 'analysis width', (v) => parseInt(v, 10))
  .option('--default-fov', 'ignore K.txt: estimate the field of view from the footage, as analyze does when none is given')
  .option('--refine-focal', 'with --default-fov: refine the estimate along the shot in the window bundle adjustment (opt-in)')
  .option('--no-self-calibration', 'with --default-fov: keep the default 60 degrees instead of estimating it')
  .option('--no-mvs', 'skip the opt-in multi-view refinement row (times the default pipeline)')
  .option('--no-scale', 'leave a metric model\'s scale frame by frame, chain a relative model\'s (what the scale smoother adds)')
  .option('--no-fusion', 'leave out the fusion of each frame with its posed neighbours (what it adds)')
  .option('--no-unit-transfer', 'let each keyframe restart in its own model depth\'s units (what the unit transfer adds)')
  .option('--as-relative', 'feed the metric model to the pipeline as relative disparity (random scale and shift per frame)')
  .option('--json', 'print the result as JSON too')
  .action(async (dir: string, o) => {
    const r = await runEval(dir, {
      limit: o.limit, model: o.model, cap: o.cap, analysisWidth: o.width, defaultFov: o.defaultFov, selfCalibrate: o.selfCalibration, refineFocal: o.refineFocal, mvs: o.mvs, scale: o.scale, fusion: o.fusion, unitTransfer: o.unitTransfer, asRelative: o.asRelative,
      onFrame: (d, n) => { if (process.stderr.isTTY) process.stderr.write(`\r${d}/${n}`); },
    });
    if (process.stderr.isTTY) process.stderr.write('\r');
    console.log(formatEvalTable(r));
    if (o.json) console.log(JSON.stringify(r));
  });

program.parseAsync().catch((e) => {
  console.error(isUserError(e) ? `error: ${e.message}` : e);
  process.exit(1);
});
