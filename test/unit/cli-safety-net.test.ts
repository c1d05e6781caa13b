// The CLI's last line of defence: no raw stack trace for anything, a log file for real bugs.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import { reportFailure } from '../../src/cli.js';

let err: string[];
beforeEach(() => {
  err = [];
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => void jest.restoreAllMocks());

describe('reportFailure', () => {
  test('a bug is one line naming the file that holds its stack trace', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'dir')");
    expect(reportFailure(bug)).toBe(1);
    expect(err).toHaveLength(1);
    const m =
      /^error: Cannot read properties of undefined \(reading 'dir'\) \(a faasm-python bug; its stack trace is in (\S+\.log): please report it\)\.$/.exec(
        err[0]!,
      );
    expect(m).not.toBeNull();
    expect(await readFile(m![1]!, 'utf8')).toContain(bug.stack!);
    await rm(m![1]!);
  });

  test('an operating-system error on a path says which path and why, in one line', () => {
    const e = Object.assign(new Error("EACCES: permission denied, open '/x/y'"), {
      code: 'EACCES',
      syscall: 'open',
      path: '/x/y',
    });
    expect(reportFailure(e)).toBe(1);
    expect(err).toEqual(['error: cannot open /x/y: permission denied (EACCES).']);
  });
});
