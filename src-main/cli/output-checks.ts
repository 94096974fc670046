import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../common/errors.ts';
import { checkDirOutput, checkFileOutput } from '../util/output-guard.ts';

/** The nearest existing ancestor: where a new output would be created. */
async function existingAncestor(p: string): Promise<string> {
  let dir = resolve(p);
  for (;;) {
    try {
      await stat(dir);
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

/**
 * Refuse outputs that would destroy an input or anything the user has, or that cannot be written,
 * before any work starts: finding out after a ten-minute analysis is the failure users remember.
 * The engine checks the same rules again itself (util/output-guard.ts) just before it writes.
 */
export async function checkOutput(out: string, inputs: string[], what: 'file' | 'folder', replace = false): Promise<string> {
  const target = resolve(out);
  const policy = { inputs, replace };
  if (what === 'file') await checkFileOutput(target, policy);
  else await checkDirOutput(target, policy);
  const parent = await existingAncestor(dirname(target));
  const pst = await stat(parent);
  if (!pst.isDirectory()) throw new UserError(`cannot write ${out}: ${parent} is not a folder`, 'EOUTPUT');
  try {
    await access(parent, constants.W_OK);
  } catch {
    throw new UserError(`cannot write to output folder ${parent}: permission denied`, 'EOUTPUT');
  }
  return target;
}

/** First run: say what to do instead of failing deep inside the engine. */
export async function requireSomeModel(): Promise<void> {
  const { firstRunHint } = await import('../engine/model-manager/index.ts');
  const hint = await firstRunHint();
  if (hint) throw new UserError(hint, 'ENOMODEL');
}
