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
