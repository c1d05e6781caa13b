/**
 * An error the user can cause and fix (bad version, unknown module, hash mismatch, missing tool).
 * The CLI and the actions print only its message: one sentence naming the thing and the fix.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A mistake in the command line itself (an unknown command, option, action or name; options that
 * exclude or need each other; a value not of the form an option takes), found before anything
 * runs. The CLI exits 2 for it, as for a failure it exits 1; the actions treat it as any UserError.
 */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `fn()`, with a UserError it throws turned into a UsageError (a value given on the command line). */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof UsageError)) throw new UsageError(err.message);
    throw err;
  }
}

/** A failed external process: carries the tail of its log and the log's path. */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly tail: string[],
    readonly logPath: string | undefined,
    /** Killed by the exec helper's timeout. */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
