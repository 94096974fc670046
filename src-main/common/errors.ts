/**
 * An error the user can act on: its message is one line naming the problem and what to do.
 * Front ends print `message` alone (no stack) and exit non-zero; anything else is a bug.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = 'EUSER',
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Thrown when an AbortSignal stops a job; front ends report it as "cancelled", not as a failure. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Takes any AbortSignal (DOM's or Node's; the ES library common code compiles against has none). */
export function throwIfAborted(signal?: { readonly aborted: boolean }): void {
  if (signal?.aborted) throw new CancelledError();
}

export const isUserError = (e: unknown): e is UserError => e instanceof UserError;
export const isCancelled = (e: unknown): e is CancelledError => e instanceof CancelledError;

/** A full disk (or quota) as the one-line error users get; null for any other error. */
export function diskFullError(e: unknown, doing: string): UserError | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return null;
  return new UserError(`disk full while ${doing}: free space and run it again (partial files were removed)`, 'ENOSPC');
}
