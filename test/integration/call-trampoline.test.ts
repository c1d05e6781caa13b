// CPython 3.13's WASI call trampoline (third-party/cpython/3.13/wasi-call-trampoline.patch, and
// the table src/cpython/call-params.ts links in): an extension whose methods, getters and
// setters are written with other parameters than CPython calls them with, as on PyPI, linked
// as a built-in module and called in the host. What the trampoline does not cover still traps.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import { fixtureInterpreter } from '../helpers/runtime.js';

let work: string;
let wasmDir: string;
let interpreter: string;

beforeAll(async () => {
  ({ work, wasmDir, interpreter } = await fixtureInterpreter(
    join(process.cwd(), 'test', 'fixtures', 'sigcast', 'sigcast.c'),
    // The casts are the point: the warnings they give are what the trampoline is for.
    ['-Wno-cast-function-type'],
  ));
}, 900_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const python = (code: string) => runPythonWasm(interpreter, wasmDir, ['-c', code]);

describe("CPython 3.13's WASI call trampoline", () => {
  test('calls methods, getters and setters with the parameters they were written with', async () => {
    const r = await python(
      [
        'import sigcast',
        't = sigcast.Thing()',
        't.value = 21',
        'print(sigcast.noargs_one(), sigcast.varargs_two(1, 2, 3), sigcast.varargs_three(1, 2),',
        '      t.value, t.double(), sigcast.Thing.double(t))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('noargs 3 20 21 42 42\n');
  });

  test('a mismatch outside the trampoline (METH_FASTCALL) still traps', async () => {
    const r = await python('import sigcast; sigcast.fastcall_one()');
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/signature mismatch/);
  });
});
