import { type Command, InvalidArgumentError, Option } from 'commander';
import type { GeometrySettings } from '../engine/jobs/analyze.ts';

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

/** Ctrl-C cancels the job cleanly (outputs stay untouched); a second Ctrl-C exits at once. */
export function cancelOnSigint(): AbortController {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ncancelling (Ctrl-C again to force quit)...\n');
    ac.abort();
    process.once('SIGINT', () => process.exit(130));
  });
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

export function geometryFrom(o: GeometryFlags): GeometrySettings {
  return { multiview: o.multiview, fusion: o.fusion, intrinsics: o.focal || o.fov ? { fx: o.focal, fovDeg: o.fov } : undefined };
}
