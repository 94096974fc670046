import { InvalidArgumentError, Option } from 'commander';

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
