/**
 * What a caller gets back from a call (CallResult): from the worker's report when the call ran,
 * or one sentence naming the call when the host ended or refused it. The sentence says why:
 * py_func's own failure line, a trap, or the budget the call (or its tree) ran into.
 */
import { budgetMessage, type BudgetName } from './budgets.js';
import type { CallRecord } from './call-tree.js';
import type { CallDone } from './protocol.js';
import type { CallResult, HostLimits } from './types.js';

/** Lines py_func writes to stderr to say why a call failed (see func/py_func.c). */
const FAILURE_MARK = 'py_func: ';

/** A call the host ended or refused, with `error` after the call's name. */
export function failedResult(rec: CallRecord, returnCode: number, error: string): CallResult {
  const { user, func, entry } = rec.req;
  return {
    id: rec.id,
    returnCode,
    output: new Uint8Array(0),
    stdout: '',
    stderr: '',
    ms: performance.now() - rec.started,
    error: `${user}/${func}${entry ? `:${entry}` : ''}: ${error}`,
  };
}

/** A call its worker ran to the end; `budget` is the one its error names, if any. */
export function doneResult(
  rec: CallRecord,
  msg: CallDone,
  budget: BudgetName | undefined,
  limits: HostLimits,
): CallResult {
  const stdout = Buffer.from(msg.stdout).toString('utf8');
  const stderr = Buffer.from(msg.stderr).toString('utf8');
  let error = msg.trap;
  if (!error && msg.returnCode !== 0) {
    const marks = stderr.split('\n').filter((l) => l.startsWith(FAILURE_MARK));
    if (marks.length) error = marks[marks.length - 1]!.slice(FAILURE_MARK.length);
  }
  if (budget) {
    const what = budgetMessage(budget, limits);
    error = error ? `${what} (${error})` : what;
  }
  return {
    id: rec.id,
    returnCode: msg.returnCode,
    output: new Uint8Array(msg.output),
    stdout,
    stderr,
    ms: performance.now() - rec.started,
    ...(error ? { error } : {}),
  };
}
