import { setFlagsFromString } from 'node:v8';

/**
 * V8's compiler settings for the engine's work, set once where a front end starts (the CLI, the Electron
 * shell, the bench and profile scripts). V8's flags are the process's: the worker threads started later
 * (model, output fusion, effects) run under them too.
 *
 * The interrupt budget (bytecode a function runs between V8's checks whether to optimise it) is four
 * times V8's default. At the default, an analysis had TurboFan compile hundreds of functions that ran
 * only a few times (start-up, per-shot and per-keyframe code) and compile the hot kernels early, before
 * their later branches had run, then throw that code away and compile it again: on 2 cores the
 * compiler threads took about an eighth of the analysis's CPU. With four times the budget a function
 * is optimised once it has clearly run hot; the per-frame kernels still are within the first frames.
 * See docs/measurements.md "Stop 34 (misc)".
 */
const FLAGS = ['--interrupt-budget=270336'];

let done = false;

export function tuneV8(): void {
  if (done) return;
  done = true;
  for (const f of FLAGS) setFlagsFromString(f);
}
