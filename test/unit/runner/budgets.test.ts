import { describe, expect, test } from '@jest/globals';
import {
  BUDGETS,
  budgetHelp,
  budgetMessage,
  limitsFromFlags,
  parseBudget,
} from '../../../src/runner/budgets.js';
import { defaultLimits } from '../../../src/runner/types.js';

describe('budgets', () => {
  test('flags map to limits in their units', () => {
    expect(
      limitsFromFlags({ 'memory-mb': '512', timeout: '1.5', 'tmp-mb': '0.5', 'chain-depth': '3' }),
    ).toEqual({
      maxMemoryBytes: 512 * 1024 * 1024,
      timeoutMs: 1500,
      maxTmpBytes: 512 * 1024,
      maxChainDepth: 3,
    });
    expect(limitsFromFlags({})).toEqual({});
  });

  test.each(['1e308', 'NaN', '-1', 'Infinity', '0x10', '', '100000'])(
    '--timeout %p is refused in one sentence',
    (text) => {
      expect(() => parseBudget('time', text)).toThrow(
        `--timeout takes a number of seconds from 0.001 to 86400, not '${text}'.`,
      );
    },
  );

  test('counts are whole numbers; an action names its input', () => {
    expect(() => parseBudget('chainDepth', '2.5')).toThrow(
      "--chain-depth takes a whole number from 0 to 1000, not '2.5'.",
    );
    expect(() => limitsFromFlags({ 'tmp-mb': 'lots' }, (o) => `Input '${o}'`)).toThrow(
      "Input 'tmp-mb' takes a number of MiB from 0 to 1048576, not 'lots'.",
    );
  });

  test('each failure is one sentence naming the limit and its flag', () => {
    const limits = { ...defaultLimits, maxTmpBytes: 4 * 1024 * 1024, timeoutMs: 1500 };
    expect(budgetMessage('tmp', limits)).toBe(
      'it went over its /tmp budget of 4 MiB; raise it with --tmp-mb',
    );
    expect(budgetMessage('time', limits)).toBe(
      'it went over its wall time budget of 1.5 s; raise it with --timeout',
    );
    expect(budgetMessage('chainsInFlight', limits)).toBe(
      'it went over its chained calls in flight budget of 32; raise it with --chains-in-flight',
    );
  });

  test('the help lists every flag with its default', () => {
    const help = budgetHelp();
    for (const b of Object.values(BUDGETS)) expect(help).toContain(b.flag);
    expect(help).toMatch(/--memory-mb MIB +guest memory per call \(default 1024 MiB\)/);
  });
});
