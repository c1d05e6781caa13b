import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageFunctionDir } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { PYTHON, buildLayers } from '../helpers/runtime.js';

// Faasm's own Python functions (faasm/python func/python @ 0a0e9a73), rewritten one per
// function in func/python/faasm, run through the host with the inputs Faasm's tests give them
// (faasm/faasm tests/test/faaslet/test_python.cpp @ 53281098). The ones this runtime cannot run
// are listed in func/python/faasm/README.md with the reason. The runtime is built with the
// experimental module set (bench_deltablue needs pyperformance); mat_mul gets its matrices from
// test/fixtures/pyfuncs-matrix, staged beside them.
let WASM = process.env.FAASM_PYTHON_FUNC_WASM;
let ROOT = process.env.FAASM_PYTHON_RUNTIME_ROOT;
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let host: FaasmHost;
let functions: string;
let staged: string[] = [];

beforeAll(async () => {
  if (!WASM || !ROOT) {
    const layers = await buildLayers(['func', 'root'], { experimental: true });
    WASM = join(layers.get('func')!.dir, 'py_func.wasm');
    ROOT = layers.get('root')!.dir;
  }
  functions = await mkdtemp(join(tmpdir(), 'faasm-own-'));
  staged = await stageFunctionDir(
    join(process.cwd(), 'func', 'python', 'faasm'),
    functions,
    'python',
  );
  await stageFunctionDir(
    join(process.cwd(), 'test', 'fixtures', 'pyfuncs-matrix'),
    functions,
    'python',
  );
  host = await FaasmHost.load({
    wasmPath: WASM!,
    runtimeRoot: ROOT!,
    functionsDir: functions,
    limits: { timeoutMs: 120_000 },
  });
});

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

const call = async (func: string, input = '') => {
  const r = await host.call({ user: 'python', func, input: Buffer.from(input) });
  if (r.returnCode !== 0) console.log(`${func}: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};

describe("Faasm's Python functions", () => {
  test('one per Faasm function that this runtime can run', () => {
    expect(staged).toEqual([
      'bench_deltablue',
      'chain',
      'dict_state',
      'dir_test',
      'echo',
      'env_check',
      'hash_check',
      'hello',
      'lang_test',
      'mat_mul',
      'noop',
      'pickle_check',
      'pyc_check',
      'state_test_read',
      'state_test_write',
    ]);
  });

  for (const func of [
    'chain',
    'dict_state',
    'env_check',
    'hash_check',
    'lang_test',
    'noop',
    'pickle_check',
    'pyc_check',
  ]) {
    test(`${func} passes`, async () => expect((await call(func)).returnCode).toBe(0), 180_000);
  }

  test('echo returns its input ("foobar blah blah", as Faasm\'s test gives it)', async () => {
    const r = await call('echo', 'foobar blah blah');
    expect([r.returnCode, text(r.output)]).toEqual([0, 'foobar blah blah']);
  }, 180_000);

  test('dir_test lists the stdlib as the host sees it', async () => {
    const r = await call('dir_test', `/lib/${PYTHON.libDir}`);
    const native = (await readdir(join(ROOT!, 'lib', PYTHON.libDir))).sort();
    expect(r.returnCode).toBe(0);
    expect(text(r.output).split(',')).toEqual(native);
  }, 180_000);

  test('hello says the Python version', async () => {
    const r = await call('hello');
    expect(text(r.output)).toMatch(new RegExp(`^Hello! Running Python version ${PYTHON.version} `));
  }, 180_000);

  test("bench_deltablue runs pyperformance 1.0.0's DeltaBlue", async () => {
    const r = await call('bench_deltablue');
    expect([r.returnCode, r.stdout]).toEqual([0, 'DeltaBlue: 100 iterations\nDeltaBlue: done\n']);
  }, 300_000);

  test('mat_mul multiplies the matrices in state through eight chained calls', async () => {
    expect((await call('matrix_setup')).returnCode).toBe(0);
    const r = await call('mat_mul');
    expect([r.returnCode, text(r.output)]).toEqual([0, 'Matrix multiplication finished']);
    expect(r.stdout).toContain('Running divide and conquer for 8x8 matrix with 1 splits');
    const check = await call('matrix_check');
    expect([check.returnCode, text(check.output)]).toEqual([0, 'same product']);
  }, 600_000);

  test('state_test_write, then state_test_read in another call', async () => {
    expect((await call('state_test_write', 'foobar blah blah')).returnCode).toBe(0);
    expect((await call('state_test_read')).returnCode).toBe(0);
  }, 180_000);
});
