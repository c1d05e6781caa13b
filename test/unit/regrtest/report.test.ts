import { describe, expect, test } from '@jest/globals';
import {
  type RegrtestData,
  expectationFor,
  testMatches,
  validateData,
} from '../../../src/regrtest/data.js';
import type { ModuleOutcome } from '../../../src/regrtest/parse.js';
import { classify, formatReport, summaryLine, totals } from '../../../src/regrtest/report.js';

const outcome = (o: Partial<ModuleOutcome>): ModuleOutcome => ({
  status: 'passed',
  run: 10,
  failed: 0,
  skipped: 0,
  failures: [],
  ...o,
});

const data: RegrtestData = validateData({
  selections: { ci: ['test_os', 'test_time'] },
  absent: [],
  expected: [
    {
      module: 'test_os',
      tests: ['ChmodTests.*', 'TestSendfile.test_headers'],
      kind: 'wasi-limit',
      reason: 'no chmod',
      note: '``chmod(2)`` is not available.',
    },
    { module: 'test_tty', kind: 'not-shipped', reason: 'no termios' },
    { module: 'test_os', on: ['native'], kind: 'environment', reason: 'root' },
  ],
});

describe('classify', () => {
  const os = expectationFor(data, 'test_os', 'wasm');
  test('failures within the expected tests are expected; any other is not', () => {
    const f = outcome({
      status: 'failed',
      failures: ['ChmodTests.test_a', 'TestSendfile.test_headers'],
    });
    expect(classify(f, os).verdict).toBe('expected');
    const stray = outcome({
      status: 'failed',
      failures: ['ChmodTests.test_a', 'StatTests.test_x'],
    });
    expect(classify(stray, os)).toEqual({ verdict: 'unexpected', detail: 'StatTests.test_x' });
  });

  test('an expected failure that passes is unexpected (the data must not go stale)', () => {
    expect(classify(outcome({}), os).verdict).toBe('unexpected');
  });

  test('a hang is never expected; a crash only when the whole module is', () => {
    expect(classify(outcome({ status: 'timeout' }), os).verdict).toBe('unexpected');
    expect(classify(outcome({ status: 'crashed' }), os).verdict).toBe('unexpected');
    const tty = expectationFor(data, 'test_tty', 'wasm');
    expect(classify(outcome({ status: 'crashed' }), tty).verdict).toBe('expected');
  });

  test('skipped and env-changed modules pass; failures without an entry are unexpected', () => {
    expect(classify(outcome({ status: 'skipped' })).verdict).toBe('passed');
    expect(classify(outcome({ status: 'env-changed' })).verdict).toBe('passed');
    expect(classify(outcome({ status: 'failed', failures: ['A.b'] })).verdict).toBe('unexpected');
  });

  test('entries apply per platform', () => {
    expect(expectationFor(data, 'test_os', 'native')?.whole).toBe(true);
    expect(expectationFor(data, 'test_tty', 'native')).toBeUndefined();
  });
});

describe('the report', () => {
  test('ends with the summary line and quotes individual test totals', () => {
    const rows = [
      {
        module: 'test_os',
        outcome: outcome({ status: 'failed', run: 5, failed: 1 }),
        verdict: 'expected' as const,
        detail: 'no chmod',
        ms: 1200,
      },
      {
        module: 'test_time',
        outcome: outcome({ run: 7, skipped: 2 }),
        verdict: 'passed' as const,
        detail: '',
        ms: 800,
      },
      {
        module: 'test_tty',
        outcome: undefined,
        verdict: 'unexpected' as const,
        detail: 'x',
        ms: 0,
      },
    ];
    const text = formatReport(rows, 'wasm');
    expect(text.split('\n').at(-1)).toBe('3 modules: 1 passed, 1 expected failures, 1 unexpected');
    expect(text).toContain('wasm tests: 12 run, 1 failed, 2 skipped');
    expect(text).toMatch(/test_tty\s+not run/);
    expect(summaryLine(totals([]))).toBe('0 modules: 0 passed, 0 expected failures, 0 unexpected');
  });
});

describe('the data', () => {
  test('wildcards match test ids', () => {
    expect(testMatches('ChmodTests.*', 'ChmodTests.test_x')).toBe(true);
    expect(testMatches('ChmodTests.*', 'XChmodTests.test_x')).toBe(false);
    expect(testMatches('A.test_b', 'A.test_bc')).toBe(false);
  });

  test('bad entries are one sentence naming the entry', () => {
    const bad = (e: object) => () =>
      validateData({ selections: {}, absent: [], expected: [e as never] });
    expect(bad({ module: 'test_os', kind: 'wasi-limit', reason: 'x' })).toThrow(
      /test_os is a wasi-limit without the note of Tools\/wasm\/README.md/,
    );
    expect(bad({ module: 'test_os', kind: 'defect', reason: 'x' })).toThrow(/without 'tracked'/);
    expect(bad({ module: 'test_os', kind: 'guess', reason: 'x' })).toThrow(/use one of wasi-limit/);
    expect(() => validateData({ selections: { ci: ['os'] }, absent: [], expected: [] })).toThrow(
      /lists 'os', not a test module name/,
    );
  });
});
