import { describe, expect, test } from '@jest/globals';
import { parseModuleOutput } from '../../../src/regrtest/parse.js';

const passing = `test_queue (test.test_sched.TestCase.test_queue) ... ok
test_run (test.test_sched.TestCase.test_run) ... skipped 'needs threads'

----------------------------------------------------------------------
Ran 11 tests in 0.597s

OK (skipped=2)

== Tests result: SUCCESS ==

1 test OK.

Total duration: 897 ms
Tests result: SUCCESS
`;

const failing = `test_sleep (test.test_time.TimeTestCase.test_sleep) ... FAIL
======================================================================
FAIL: test_sleep (test.test_time.TimeTestCase.test_sleep)
----------------------------------------------------------------------
AssertionError: 0 != 1
======================================================================
ERROR: setUpClass (test.test_time.CTimeTestCase)
----------------------------------------------------------------------
Ran 40 tests in 2.1s

FAILED (failures=1, errors=1, skipped=3)
test_time failed (2 failures)

== Tests result: FAILURE ==
Tests result: FAILURE
`;

// 3.13's regrtest ends with `Result: SUCCESS` and prints the verdict only between `==`.
const passing313 = `test_stop_sequence (test.test_iter.TestCase.test_stop_sequence) ... ok

----------------------------------------------------------------------
Ran 57 tests in 0.129s

OK
0:00:00 [1/1] test_iter passed

== Tests result: SUCCESS ==

1 test OK.

Total duration: 339 ms
Total tests: run=57
Total test files: run=1/1
Result: SUCCESS
`;

describe('parseModuleOutput', () => {
  test("reads 3.13's verdict, printed only as `== Tests result: X ==`", () => {
    expect(parseModuleOutput('test_iter', passing313, 0)).toMatchObject({
      status: 'passed',
      run: 57,
    });
    const failed = passing313.replace(/SUCCESS/g, 'FAILURE');
    expect(parseModuleOutput('test_iter', failed, 2).status).toBe('failed');
  });

  test('reads counts and success', () => {
    expect(parseModuleOutput('test_sched', passing, 0)).toEqual({
      status: 'passed',
      run: 11,
      failed: 0,
      skipped: 2,
      failures: [],
    });
  });

  test('names failing tests relative to the module, class-level errors included', () => {
    const o = parseModuleOutput('test_time', failing, 2);
    expect(o.status).toBe('failed');
    expect(o).toMatchObject({ run: 40, failed: 2, skipped: 3 });
    expect(o.failures).toEqual(['CTimeTestCase.setUpClass', 'TimeTestCase.test_sleep']);
    expect(o.note).toBe('2 failures');
  });

  test("counts the module's own run, not a unittest run nested in one of its tests", () => {
    const nested =
      'Ran 1 test in 0.1s\n\nFAILED (errors=1)\nRan 4 tests in 0.1s\n\nOK (skipped=1)\nTests result: SUCCESS\n';
    expect(parseModuleOutput('test_x', nested, 0)).toMatchObject({ run: 4, failed: 0, skipped: 1 });
  });

  test('a module skipped as a whole, with its reason', () => {
    const out =
      "test_tty skipped -- No module named 'termios'\n1 test skipped:\n    test_tty\nTests result: SUCCESS\n";
    expect(parseModuleOutput('test_tty', out, 0)).toMatchObject({
      status: 'skipped',
      note: "No module named 'termios'",
    });
  });

  test('no verdict is a crash carrying the last line; a kill is a timeout', () => {
    const out = 'test_x (test.test_y.A.test_x) ... \nRuntimeError: unreachable\n';
    expect(parseModuleOutput('test_y', out, 1)).toMatchObject({
      status: 'crashed',
      note: 'RuntimeError: unreachable',
    });
    expect(parseModuleOutput('test_y', out, 'timeout').status).toBe('timeout');
  });

  test('expected failures and unexpected successes are not failures', () => {
    const out = 'Ran 9 tests in 1s\n\nOK (skipped=2, expected failures=1)\nTests result: SUCCESS\n';
    expect(parseModuleOutput('test_x', out, 0)).toMatchObject({ run: 9, failed: 0, skipped: 2 });
  });

  test('env changed is its own status', () => {
    expect(parseModuleOutput('test_x', 'Tests result: ENV CHANGED\n', 0).status).toBe(
      'env-changed',
    );
  });
});
