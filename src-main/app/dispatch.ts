import { z } from 'zod';
import { isCancelled, isUserError, UserError } from '../common/errors.ts';
import { Schemas, type ApiMethod } from '../common/api/schemas.ts';
import type { EngineApi, Envelope } from '../common/api/types.ts';
import type { WriteGrants } from './write-grants.ts';

/**
 * The single entry from a front end into the engine: checks the method name, parses the argument with
 * its zod schema, checks that any path it writes was granted, runs it, and turns the outcome into an
 * envelope with a one-line message. Electron's ipcMain handlers and the test host both call this, so
 * validation cannot differ between them.
 */
export async function dispatch(api: EngineApi, method: unknown, arg: unknown, grants?: WriteGrants): Promise<Envelope<unknown>> {
  if (typeof method !== 'string' || !Object.hasOwn(Schemas, method)) {
    return { ok: false, error: { kind: 'bug', message: `unknown API method ${JSON.stringify(method)}` } };
  }
  const m = method as ApiMethod;
  const parsed = Schemas[m].safeParse(arg ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, error: { kind: 'user', message: `invalid ${m} request: ${i.path.join('.') || 'argument'}: ${i.message}` } };
  }
  try {
    // A renderer may only have the engine write where the user chose to (see write-grants.ts).
    grants?.check(m, parsed.data);
    const fn = api[m] as (a: unknown) => Promise<unknown>;
    return { ok: true, value: await fn.call(api, parsed.data) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

/** A request from a front end that calls the app directly (the CLI): parsed by its schema, a bad one as a one-line UserError. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const i = parsed.error.issues[0];
  throw new UserError(`invalid ${what}: ${i.path.join('.') || 'argument'}: ${i.message}`, 'EINPUT');
}

export function describeError(e: unknown): { kind: 'user' | 'cancelled' | 'bug'; message: string } {
  if (isCancelled(e)) return { kind: 'cancelled', message: 'cancelled' };
  if (isUserError(e)) return { kind: 'user', message: e.message };
  if (e instanceof z.ZodError) return { kind: 'user', message: z.prettifyError(e).split('\n').slice(0, 2).join(' ') };
  // Anything else is a bug: keep it one line for the UI, full detail goes to the log.
  console.error('[gemdepth] internal error:', e);
  const msg = e instanceof Error ? e.message : String(e);
  return { kind: 'bug', message: `internal error: ${msg.split('\n')[0]}` };
}
