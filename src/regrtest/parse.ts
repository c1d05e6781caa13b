/** What one test module's regrtest run printed (`python -m test -v <module>`). */
export type ModuleStatus =
  | 'passed'
  | 'failed'
  | 'skipped'
  | 'env-changed'
  /** The process died without regrtest's verdict (a wasm trap, a crash). */
  | 'crashed'
  | 'timeout';

export interface ModuleOutcome {
  status: ModuleStatus;
  /** Individual tests, summed over every unittest run in the module. */
  run: number;
  failed: number;
  skipped: number;
  /** Failing test ids without the `test.<module>.` prefix, e.g. `TimeTestCase.test_sleep`. */
  failures: string[];
  /** regrtest's reason for a skipped module, or the last line of a crash. */
  note?: string;
}

function sumField(summary: string, field: string): number {
  // Fields are ", "-separated; "expected failures=N" is not "failures=N".
  const m = new RegExp(`(?:^|, )${field}=(\\d+)`).exec(summary);
  return m ? Number(m[1]) : 0;
}

/** The failing tests unittest names in `FAIL:`/`ERROR:` headers, relative to the module. */
function failingTests(output: string, module: string): string[] {
  const ids = new Set<string>();
  for (const m of output.matchAll(/^(?:FAIL|ERROR): (\S+) \(([\w.]+)\)/gm)) {
    const [, name, where] = m as unknown as [string, string, string];
    const full = where.endsWith(`.${name}`) ? where : `${where}.${name}`;
    const prefix = `test.${module}.`;
    ids.add(full.startsWith(prefix) ? full.slice(prefix.length) : full);
  }
  return [...ids].sort();
}

/**
 * Reads regrtest's verdict and unittest's counts from a module's output. `exit` is the process
 * exit code, or 'timeout' when it was killed.
 */
export function parseModuleOutput(module: string, output: string, exit: number | 'timeout') {
  // The module's own unittest run prints the last summary; tests that run a nested
  // unittest (test_descr, test_unittest) print theirs earlier, inside the verbose output.
  const ran = [...output.matchAll(/^Ran (\d+) tests? in /gm)].at(-1);
  const summary = [...output.matchAll(/^(?:OK|FAILED)(?: \(([^)]*)\))?$/gm)].at(-1)?.[1] ?? '';
  const run = ran ? Number(ran[1]) : 0;
  const failed = sumField(summary, 'failures') + sumField(summary, 'errors');
  const skipped = sumField(summary, 'skipped');
  const failures = failingTests(output, module);
  const outcome = (status: ModuleStatus, note?: string): ModuleOutcome => ({
    status,
    run,
    failed: Math.max(failed, status === 'failed' ? failures.length : 0),
    skipped,
    failures,
    ...(note ? { note } : {}),
  });
  if (exit === 'timeout') return outcome('timeout');
  // 3.11 prints `Tests result: SUCCESS`; 3.12+ `== Tests result: SUCCESS ==`.
  const verdict = /^(?:== )?Tests result: (.+?)(?: ==)?$/m.exec(output)?.[1]?.trim();
  const skip = new RegExp(`^${module} skipped(?: \\(resource denied\\))? -- (.*)$`, 'm').exec(
    output,
  );
  if (verdict === undefined) {
    const last = output.trimEnd().split('\n').at(-1)?.trim();
    return outcome('crashed', last ? last.slice(0, 200) : `exit code ${exit}`);
  }
  if (verdict.startsWith('FAILURE') || verdict === 'INTERRUPTED') {
    const why = new RegExp(`^${module} failed \\((.*)\\)`, 'm').exec(output)?.[1];
    return outcome('failed', why);
  }
  if (verdict === 'ENV CHANGED') return outcome('env-changed');
  if (skip) return outcome('skipped', skip[1]);
  if (verdict === 'NO TESTS RAN') return outcome('skipped', 'no tests ran');
  return outcome(exit === 0 ? 'passed' : 'failed');
}
