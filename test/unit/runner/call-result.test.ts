import { describe, expect, test } from '@jest/globals';
import { doneResult, failedResult } from '../../../src/runner/call-result.js';
import { CallTrees } from '../../../src/runner/call-tree.js';
import type { CallDone } from '../../../src/runner/protocol.js';
import { defaultLimits } from '../../../src/runner/types.js';

const trees = new CallTrees(defaultLimits);
const enc = (s: string) => new TextEncoder().encode(s);

function done(over: Partial<CallDone>): CallDone {
  return { type: 'done', id: 1, returnCode: 0, output: enc('out'), stdout: enc('so'), stderr: enc(''), ...over }; // prettier-ignore
}

describe('call results', () => {
  test('a call the host ended names the call, and the entry when there is one', () => {
    const rec = trees.open({ user: 'u', func: 'f' });
    expect(failedResult(rec, 2, 'why').error).toBe('u/f: why');
    const chained = trees.open({ user: 'u', func: 'f', entry: 'other' }, rec);
    const r = failedResult(chained, 124, 'it timed out');
    expect(r).toMatchObject({ id: chained.id, returnCode: 124, stdout: '', stderr: '' });
    expect(r.error).toBe('u/f:other: it timed out');
  });

  test('a call that returned 0 has no error, its output, logs as text', () => {
    const rec = trees.open({ user: 'u', func: 'f' });
    const r = doneResult(rec, done({}), undefined, defaultLimits);
    expect(r.error).toBeUndefined();
    expect(Buffer.from(r.output).toString()).toBe('out');
    expect(r.stdout).toBe('so');
  });

  test('a failed call’s error is py_func’s last failure line', () => {
    const rec = trees.open({ user: 'u', func: 'f' });
    const stderr = enc('Traceback\npy_func: first\nnoise\npy_func: ValueError: bad\n');
    expect(doneResult(rec, done({ returnCode: 1, stderr }), undefined, defaultLimits).error).toBe(
      'ValueError: bad',
    );
    expect(
      doneResult(rec, done({ returnCode: 1 }), undefined, defaultLimits).error,
    ).toBeUndefined();
  });

  test('a trap is the error; a budget is named first, with the trap in brackets', () => {
    const rec = trees.open({ user: 'u', func: 'f' });
    const trap = 'the guest trapped: unreachable';
    expect(doneResult(rec, done({ returnCode: 134, trap }), undefined, defaultLimits).error).toBe(trap); // prettier-ignore
    expect(doneResult(rec, done({ returnCode: 134, trap }), 'memory', defaultLimits).error).toBe(
      `it went over its guest memory budget of 1024 MiB; raise it with --memory-mb (${trap})`,
    );
    expect(doneResult(rec, done({ returnCode: 134 }), 'tmp', defaultLimits).error).toBe(
      'it went over its /tmp budget of 64 MiB; raise it with --tmp-mb',
    );
  });
});
