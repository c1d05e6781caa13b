// Classifying regrtest results against expectations and formatting the report and its summary line.
import { type ModuleExpectation, testMatches } from './data.js';
import type { ModuleOutcome } from './parse.js';

export type Verdict = 'passed' | 'expected' | 'unexpected';

export interface Classified {
  verdict: Verdict;
  /** One line: why, for anything but a plain pass. */
  detail: string;
}

const OK_STATUSES = new Set(['passed', 'skipped', 'env-changed']);

/**
 * Compares a module's outcome with what the data expects. A hang is never expected. An expected
 * failure that now passes is unexpected too, so the data cannot go stale.
 */
export function classify(outcome: ModuleOutcome, expected?: ModuleExpectation): Classified {
  const ok = OK_STATUSES.has(outcome.status);
  const reasons = expected?.entries.map((e) => e.reason).join('; ') ?? '';
  if (outcome.status === 'timeout')
    return { verdict: 'unexpected', detail: 'hung: killed at the timeout' };
  if (!expected) {
    if (ok)
      return { verdict: 'passed', detail: outcome.status === 'passed' ? '' : (outcome.note ?? '') };
    const what =
      outcome.failures.length > 0 ? outcome.failures.join(', ') : (outcome.note ?? outcome.status);
    return { verdict: 'unexpected', detail: what };
  }
  if (ok) return { verdict: 'unexpected', detail: 'passes now: remove its expected failure' };
  if (expected.whole) return { verdict: 'expected', detail: reasons };
  if (outcome.status === 'crashed')
    return { verdict: 'unexpected', detail: `crashed: ${outcome.note ?? ''}` };
  const stray = outcome.failures.filter((id) => !expected.tests.some((p) => testMatches(p, id)));
  if (stray.length > 0) return { verdict: 'unexpected', detail: stray.join(', ') };
  return { verdict: 'expected', detail: reasons };
}

export interface ReportRow {
  module: string;
  outcome: ModuleOutcome | undefined;
  verdict: Verdict;
  detail: string;
  ms: number;
}

export interface Totals {
  modules: number;
  passed: number;
  expected: number;
  unexpected: number;
  run: number;
  failed: number;
  skipped: number;
}

export function totals(rows: readonly ReportRow[]): Totals {
  const t: Totals = {
    modules: rows.length,
    passed: 0,
    expected: 0,
    unexpected: 0,
    run: 0,
    failed: 0,
    skipped: 0,
  };
  for (const r of rows) {
    t[r.verdict] += 1;
    t.run += r.outcome?.run ?? 0;
    t.failed += r.outcome?.failed ?? 0;
    t.skipped += r.outcome?.skipped ?? 0;
  }
  return t;
}

/** The last line of a run: what CI greps for. */
export function summaryLine(t: Totals): string {
  return `${t.modules} modules: ${t.passed} passed, ${t.expected} expected failures, ${t.unexpected} unexpected`;
}

const VERDICT_LABEL: Record<Verdict, string> = {
  passed: 'ok',
  expected: 'expected',
  unexpected: 'UNEXPECTED',
};

/** The table: one row per module, in the order given, then the totals. */
export function formatReport(rows: readonly ReportRow[], platform: string): string {
  const width = Math.max(6, ...rows.map((r) => r.module.length));
  const head = `${'module'.padEnd(width)}  ${'status'.padEnd(11)} ${'run'.padStart(5)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)} ${'time'.padStart(7)}  verdict`;
  const lines = [head, '-'.repeat(head.length + 20)];
  for (const r of rows) {
    const o = r.outcome;
    const detail = r.detail.length > 160 ? `${r.detail.slice(0, 157)}...` : r.detail;
    const cells = [
      `${r.module.padEnd(width)} `,
      (o?.status ?? 'not run').padEnd(11),
      String(o?.run ?? '-').padStart(5),
      String(o?.failed ?? '-').padStart(6),
      String(o?.skipped ?? '-').padStart(7),
      `${(r.ms / 1000).toFixed(1)}s`.padStart(7),
      ` ${VERDICT_LABEL[r.verdict]}`,
      detail,
    ];
    lines.push(cells.join(' ').trimEnd());
  }
  const t = totals(rows);
  lines.push('');
  lines.push(`${platform} tests: ${t.run} run, ${t.failed} failed, ${t.skipped} skipped`);
  lines.push(summaryLine(t));
  return lines.join('\n');
}
