import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { runAction } from '../../../src/actions/run-action.js';
import { InputError } from '../../../src/actions/inputs.js';
import { ExecError, UserError } from '../../../src/util/errors.js';

let out: string[];
beforeEach(() => {
  out = [];
  process.exitCode = 0;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = 0;
});
const commands = () => out.join('').split('\n').filter(Boolean);

describe('runAction', () => {
  test('a body that succeeds leaves the exit code alone', async () => {
    await runAction(async () => undefined);
    expect(process.exitCode).toBe(0);
    expect(commands()).toEqual([]);
  });

  test('a configuration error fails with its one sentence and exit code 1', async () => {
    await runAction(async () => {
      throw new InputError("Input 'part' must be one of major, minor, patch, not 'huge'.");
    });
    expect(process.exitCode).toBe(1);
    expect(commands()).toEqual([
      "::error::Input 'part' must be one of major, minor, patch, not 'huge'.",
    ]);
  });

  test('an unexpected error fails with its message, the stack only in debug', async () => {
    await runAction(async () => {
      throw new TypeError('x is undefined');
    });
    expect(process.exitCode).toBe(1);
    const lines = commands();
    expect(lines.at(-1)).toBe('::error::x is undefined');
    expect(lines.filter((l) => l.startsWith('::error')).length).toBe(1);
    expect(lines.some((l) => l.startsWith('::debug::TypeError: x is undefined'))).toBe(true);
  });

  test('a failed compile annotates file and line, prints the tail in a group, names the log', async () => {
    process.env.GITHUB_WORKSPACE = '/repo';
    try {
      await runAction(async () => {
        throw new ExecError(
          "Layer 'func' failed: make exited with 2",
          2,
          [
            "/repo/func/py_func.c:42:7: error: use of undeclared identifier 'PyFoo'",
            'wasm-ld: error: undefined symbol: PyInit__faasm',
            'make: *** [Makefile:3: all] Error 2',
          ],
          '/cache/logs/func-abc.log',
        );
      });
    } finally {
      delete process.env.GITHUB_WORKSPACE;
    }
    expect(process.exitCode).toBe(1);
    expect(commands()).toEqual([
      "::error title=Compiler error,file=func/py_func.c,line=42,col=7::use of undeclared identifier 'PyFoo'",
      '::error title=Compiler error::undefined symbol: PyInit__faasm',
      '::group::Last 3 lines of output',
      "/repo/func/py_func.c:42:7: error: use of undeclared identifier 'PyFoo'",
      'wasm-ld: error: undefined symbol: PyInit__faasm',
      'make: *** [Makefile:3: all] Error 2',
      '::endgroup::',
      "::error::Layer 'func' failed: make exited with 2; full log: /cache/logs/func-abc.log",
    ]);
  });

  test('a UserError thrown later is still one message', async () => {
    await runAction(async () => {
      throw new UserError(
        'The tag v9 does not match VERSION 0.1.0; tag v0.1.0, or bump VERSION first.',
      );
    });
    expect(commands()).toEqual([
      '::error::The tag v9 does not match VERSION 0.1.0; tag v0.1.0, or bump VERSION first.',
    ]);
  });
});
