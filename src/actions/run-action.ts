// The wrapper every action runs in: one failure message, the log tail in a group, errors as
// annotations.
import * as core from '@actions/core';
import { ExecError, UserError, errorMessage } from '../util/errors.js';
import { streamThroughActions } from '../util/exec.js';
import { annotationPath, parseDiagnostics } from './annotations.js';

/** GitHub shows at most 10 error annotations per step; more would only be dropped. */
const MAX_ANNOTATIONS = 10;

/**
 * The one message an action fails with. A failed process also prints the last lines of its log
 * in a group, and its compiler errors become annotations on the file and line.
 */
export function reportFailure(
  err: unknown,
  repoRoot = process.env.GITHUB_WORKSPACE ?? process.cwd(),
) {
  if (err instanceof ExecError) {
    const diagnostics = parseDiagnostics(err.tail).filter((d) => d.severity === 'error');
    for (const d of diagnostics.slice(0, MAX_ANNOTATIONS)) {
      core.error(d.message, {
        title: 'Compiler error',
        ...(d.file ? { file: annotationPath(d.file, repoRoot) } : {}),
        ...(d.line ? { startLine: d.line } : {}),
        ...(d.col ? { startColumn: d.col } : {}),
      });
    }
    if (err.tail.length) {
      core.startGroup(`Last ${err.tail.length} lines of output`);
      for (const line of err.tail) core.info(line);
      core.endGroup();
    }
    const log = err.logPath ? `; full log: ${err.logPath}` : '';
    core.setFailed(`${err.message}${log}`);
    return;
  }
  if (!(err instanceof UserError) && err instanceof Error && err.stack) core.debug(err.stack);
  core.setFailed(errorMessage(err));
}

/**
 * Runs an action's body: anything it throws becomes core.setFailed with one clear message (and
 * exit code 1), never an unhandled rejection with a stack trace.
 */
export async function runAction(body: () => Promise<void>): Promise<void> {
  // Tools whose output is echoed run through @actions/exec, into the step log (util/exec.ts).
  streamThroughActions(true);
  try {
    await body();
  } catch (err) {
    reportFailure(err);
  } finally {
    streamThroughActions(false);
  }
}
