import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAbi, entrypointExports } from '../../src/faasm/profile.js';
import { readModuleAbi } from '../../src/wasm/module-abi.js';
import { stageFunctionDir } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { ExitCode } from '../../src/runner/types.js';
import { reusableInstances } from '../../src/runner/guest-module.js';
import { exec } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';
import { buildLayers } from '../helpers/runtime.js';

// Runs every example function and every fault through the real py_func.wasm and runtime root
// from the pipeline (built, or restored from the cache), or through FAASM_PYTHON_FUNC_WASM and
// FAASM_PYTHON_RUNTIME_ROOT when both are set.
let WASM = process.env.FAASM_PYTHON_FUNC_WASM;
let ROOT = process.env.FAASM_PYTHON_RUNTIME_ROOT;
const it = test;
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let host: FaasmHost;
let functions: string;
let examples: string[] = [];

beforeAll(async () => {
  if (!WASM || !ROOT) {
    const layers = await buildLayers(['func', 'root']);
    WASM = join(layers.get('func')!.dir, 'py_func.wasm');
    ROOT = layers.get('root')!.dir;
  }
  functions = await mkdtemp(join(tmpdir(), 'faasm-functions-'));
  examples = await stageFunctionDir(join(process.cwd(), 'func', 'python'), functions, 'python');
  await stageFunctionDir(join(process.cwd(), 'test', 'fixtures', 'pyfuncs'), functions, 'faults');
  host = await FaasmHost.load({
    wasmPath: WASM!,
    runtimeRoot: ROOT!,
    functionsDir: functions,
    confFlags: { PYTHON_PRELOAD: 1 },
    limits: { timeoutMs: 60_000, maxMemoryBytes: 512 * 1024 * 1024, maxInputBytes: 64 * 1024 },
  });
});

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

describe('py_func.wasm', () => {
  it("links on Faasm's WAVM with zero differences (imports, types, exports)", async () => {
    const abi = readModuleAbi(await readFile(WASM!));
    expect(abi.imports.filter((i) => i.module === 'env').length).toBeGreaterThan(10);
    expect(checkAbi(abi, 'wavm', entrypointExports())).toEqual([]);
    // WAMR registers fewer calls: printed for the record, not a failure here.
    const wamr = checkAbi(abi, 'wamr', entrypointExports());
    console.log(
      `py_func.wasm on Faasm's WAMR, ${wamr.length} differences:\n${wamr.map((d) => `  ${d.message}`).join('\n')}`,
    );
    expect(wamr.some((d) => d.name === 'env.__faasm_get_py_user')).toBe(true);
  });

  it('keeps all its mutable state in memory and globals, so the host may reset it in place', async () => {
    // guest-instance.ts resets memory and exported globals only: a table write would survive.
    const script =
      'wasm-objdump -d "$0" | grep -E "table\\.(set|grow|fill|copy|init)|elem\\.drop" | head -5';
    const { stdout } = await exec('sh', ['-c', script, WASM!]);
    expect(stdout).toBe('');
    expect(reusableInstances(readModuleAbi(await readFile(WASM!)))).toEqual({
      mutableGlobals: ['__stack_pointer'],
    });
  });
});

describe('calls on one instance, reset in place between them', () => {
  it('find nothing the calls before them left in Python', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasm-state-'));
    await stageFunctionDir(join(process.cwd(), 'test', 'fixtures', 'pyfuncs-state'), dir, 'state');
    // No pool: one worker and its one instance run every call.
    const one = await FaasmHost.load({
      wasmPath: WASM!,
      runtimeRoot: ROOT!,
      functionsDir: dir,
      pool: false,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await one.call({ user: 'state', func: 'taints' });
        expect(r.error).toBeUndefined();
        expect(text(r.output)).toBe('[False, False, False, 0]');
      }
    } finally {
      await one.close();
      await removeTree(dir);
    }
  });
});

describe('example functions', () => {
  it('are all there', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'hello',
        'echo',
        'chain',
        'chain_fail',
        'state',
        'dict_state',
        'pickling',
        'hashing',
        'lang',
        'files',
        'env',
        'bench_richards',
      ]),
    );
  });

  for (const name of [
    'hello',
    'chain',
    'chain_fail',
    'state',
    'dict_state',
    'pickling',
    'hashing',
    'lang',
    'files',
    'env',
  ]) {
    it(`${name} returns 0`, async () => {
      const r = await host.call({ user: 'python', func: name });
      if (r.returnCode !== 0) console.error(r.stdout, r.stderr);
      expect(r.error).toBeUndefined();
      expect(r.returnCode).toBe(0);
    });
  }

  it('bench_richards runs and checks its counts', async () => {
    const r = await host.call({ user: 'python', func: 'bench_richards', input: Buffer.from('1') });
    expect(r.returnCode).toBe(0);
    expect(text(r.output)).toMatch(/^richards: 1 runs, best [\d.]+ ms/);
  });

  it('echo is binary-safe', async () => {
    const input = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) % 256);
    const r = await host.call({ user: 'python', func: 'echo', input });
    expect(r.returnCode).toBe(0);
    expect(Buffer.from(r.output).equals(Buffer.from(input))).toBe(true);
  });

  it('chain runs two chained calls and awaits both', async () => {
    const r = await host.call({ user: 'python', func: 'chain' });
    expect(text(r.output)).toBe('chained: 144 ff00636261');
  });

  it("a chained call's failure reaches its caller as a non-zero await result", async () => {
    const r = await host.call({ user: 'python', func: 'chain_fail' });
    expect(text(r.output)).toBe('broken=1 declines=7');
  });

  it('runs a chained entry directly with its input', async () => {
    const r = await host.call({
      user: 'python',
      func: 'chain',
      entry: 'square',
      input: Buffer.from('9'),
    });
    expect(r.returnCode).toBe(0);
    expect(text(r.output)).toBe('81');
  });

  it('keeps state on the host across calls', async () => {
    await host.call({ user: 'python', func: 'state' });
    expect(text(host.state.get('python', 'state_example_locked')!)).toBe('locked write');
    const d = await host.call({ user: 'python', func: 'dict_state' });
    expect(d.returnCode).toBe(0);
    expect(host.state.size('python', 'dict_state_b')).toBeGreaterThan(0);
  });
});

describe('faults: one clear error each, and the host carries on', () => {
  const cases: [string, number, RegExp][] = [
    ['syntax_error', 1, /function\.py failed to import: SyntaxError: invalid syntax/],
    ['no_entry', 1, /function\.py has no function 'faasm_main'/],
    ['raises', 1, /faasm_main raised ValueError: something went wrong in the function/],
    ['returns_none', 1, /faasm_main returned NoneType, not an int/],
    ['returns_str', 1, /faasm_main returned str, not an int/],
    ['exits', 4, /faasm_main exited with 4/],
    [
      'memory_hog',
      1,
      /^it went over its guest memory budget of 512 MiB; raise it with --memory-mb \(.*MemoryError/,
    ],
    ['nonexistent', ExitCode.rejected, /there is no function faults\/nonexistent/],
  ];
  for (const [func, code, error] of cases) {
    it(`${func}`, async () => {
      const r = await host.call({ user: 'faults', func });
      expect(r.returnCode).toBe(code);
      expect(r.error).toMatch(error);
      expect((await host.call({ user: 'python', func: 'hello' })).returnCode).toBe(0);
    });
  }

  it('an infinite loop ends at the timeout', async () => {
    const r = await host.call({ user: 'faults', func: 'infinite_loop', timeoutMs: 1500 });
    expect(r.returnCode).toBe(ExitCode.timeout);
    expect(r.error).toBe(
      'faults/infinite_loop: the call timed out: it went over its wall time budget of 1.5 s; raise it with --timeout',
    );
    expect((await host.call({ user: 'python', func: 'hello' })).returnCode).toBe(0);
  });

  it('input over the limit is refused', async () => {
    const r = await host.call({ user: 'python', func: 'echo', input: new Uint8Array(65 * 1024) });
    expect(r.returnCode).toBe(ExitCode.rejected);
    expect(r.error).toMatch(/input of 66560 bytes is over the 65536-byte limit/);
  });

  it('host paths outside the runtime root cannot be read', async () => {
    const r = await host.call({ user: 'faults', func: 'escape_root' });
    expect(r.returnCode).toBe(0);
    expect(r.stdout).toMatch(/refused \/etc\/hostname/);
  });
});
