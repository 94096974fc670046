import { type Command, InvalidArgumentError, Option } from 'commander';
import type { GeometryRequest } from '../common/api/geometry.ts';

export function intArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number >= 0`);
    return n;
  };
}

export function numArg(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= min) throw new InvalidArgumentError(`${name} must be a number > ${min}`);
    return n;
  };
}

export const deviceOption = () =>
  new Option('--device <device>', 'where the depth model runs').choices(['auto', 'cpu', 'cuda']).default('auto');

/**
 * Ctrl-C, SIGTERM (kill, a service manager stopping) and SIGHUP (the terminal closed) cancel the job
 * cleanly: partial outputs are removed, the cache stays usable, exit 130. A second signal exits at once.
 */
let cancelRequested = false;
/** Whether the user asked to cancel: whatever error the stopping job then raises, it was a cancel. */
export const wasCancelled = () => cancelRequested;

export function cancelOnSigint(): AbortController {
  const ac = new AbortController();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    for (const s of signals) process.removeListener(s, onSignal);
    // The terminal may be gone (SIGHUP): a failed write must not stop the cancel.
    const said = sig === 'SIGINT' ? 'Ctrl-C' : sig;
    process.stderr.write(`\ncancelling on ${said} (again to force quit)...\n`, () => {});
    cancelRequested = true;
    ac.abort();
    for (const s of signals) process.once(s, () => process.exit(130));
  };
  for (const s of signals) process.once(s, onSignal);
  return ac;
}

/** Flags that pick the analysis (geometry settings): the same on `analyze` and `render`, so a render reads what analyze wrote. */
export interface GeometryFlags {
  multiview?: boolean;
  fusion: boolean;
  fov?: number;
  focal?: number;
}

export function addGeometryOptions(cmd: Command): Command {
  return cmd
    .option('--multiview', 'refine depth shape by multi-view stereo against neighbouring frames (slow)')
    .option('--no-fusion', 'leave each frame\'s depth unfused with its neighbours\' (footage dominated by moving things)')
    .option('--fov <degrees>', 'horizontal field of view of the camera', numArg('--fov'))
    .option('--focal <pixels>', 'focal length in pixels at the source resolution', numArg('--focal'));
}

/** The flags as the app's geometry request (common/api/geometry.ts), the one the app's analyses take. */
export function geometryFrom(o: GeometryFlags): GeometryRequest {
  return { multiview: o.multiview, fusion: o.fusion, fovDeg: o.fov, focalPx: o.focal };
}
