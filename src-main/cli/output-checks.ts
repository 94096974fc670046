import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';

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
 * Refuse outputs that would destroy an input or cannot be written, before any work starts:
 * finding out after a ten-minute analysis is the failure users remember.
 */
export async function checkOutput(out: string, inputs: string[], what: 'file' | 'folder'): Promise<string> {
  const target = resolve(out);
  for (const input of inputs) {
    const src = resolve(input);
    if (target === src) throw new UserError(`output ${out} is the input: choose another output path (inputs are never overwritten)`, 'EOUTPUT');
    if (what === 'folder' && src.startsWith(target + '/')) {
      throw new UserError(`output folder ${out} contains the input ${input}: choose another folder`, 'EOUTPUT');
    }
  }
  const st = await stat(target).catch(() => null);
  if (st && what === 'file' && st.isDirectory()) throw new UserError(`output ${out} is a folder: give a file name`, 'EOUTPUT');
  if (st && what === 'folder' && !st.isDirectory()) throw new UserError(`output ${out} exists and is not a folder`, 'EOUTPUT');
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
