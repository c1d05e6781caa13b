// The 3.13 line end to end, built with the pinned trixie toolchain and build Python: CPython
// 3.13.5 with Debian's security patches, linked into py_func.wasm (with pyfaasm; other modules
// are not yet built for 3.13) and run as a Faasm function in the local host.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAbi, entrypointExports } from '../../src/faasm/profile.js';
import { readModuleAbi } from '../../src/wasm/module-abi.js';
import { runLayers, selectLayers } from '../../src/layers/runner.js';
import { createModulesLayer } from '../../src/modules/layer.js';
import { pipeline } from '../../src/pipeline.js';
import { stageFunctionDir } from '../../src/runner/functions.js';
import { FaasmHost } from '../../src/runner/host.js';
import { removeTree } from '../../src/util/fs.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { integrationOptions } from '../helpers/runtime.js';

let wasm: string;
let host: FaasmHost;
let functions: string;

beforeAll(async () => {
  const layers313 = pipeline.map((l) =>
    l.name === 'modules' ? createModulesLayer({ names: ['pyfaasm'] }) : l,
  );
  const layers = await runLayers(
    selectLayers(layers313, ['func', 'root']),
    integrationOptions({ python: '3.13' }),
    { reporter: silentReporter() },
  );
  wasm = join(layers.get('func')!.dir, 'py_func.wasm');
  functions = await mkdtemp(join(tmpdir(), 'faasm-313-'));
  await stageFunctionDir(join(process.cwd(), 'func', 'python'), functions, 'python');
  await stageFunctionDir(
    join(process.cwd(), 'test', 'fixtures', 'pyfuncs-security'),
    functions,
    'security',
  );
  await stageFunctionDir(
    join(process.cwd(), 'test', 'fixtures', 'pyfuncs-wasi'),
    functions,
    'wasi',
  );
  host = await FaasmHost.load({
    wasmPath: wasm,
    runtimeRoot: layers.get('root')!.dir,
    functionsDir: functions,
    limits: { timeoutMs: 60_000 },
  });
});

afterAll(async () => {
  await host?.close();
  if (functions) await removeTree(functions);
});

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

describe('CPython 3.13 in py_func.wasm', () => {
  test("links on Faasm's WAVM with zero differences", async () => {
    expect(checkAbi(readModuleAbi(await readFile(wasm)), 'wavm', entrypointExports())).toEqual([]);
  });

  test('runs a Python function in the host', async () => {
    const r = await host.call({ user: 'python', func: 'hello' });
    expect(r.error).toBeUndefined();
    expect(text(r.output)).toBe('Hello from Python 3.13.5 on wasi');
  });

  test("answers issue 20's four checks as a patched CPython does", async () => {
    const r = await host.call({ user: 'security', func: 'checks' });
    expect(r.error).toBeUndefined();
    const checks = JSON.parse(text(r.output)) as Record<string, unknown>;
    console.log(`issue 20's checks inside the 3.13 runtime: ${text(r.output)}`);
    expect(checks).toEqual({
      version: '3.13.5',
      urlsplit_blank_scheme: 'https',
      parseaddr: ['', ''],
      urlsplit_brackets: expect.stringMatching(/^ValueError: /),
      tarfile_data_filter: true,
    });
  });

  test("gives asyncio, AI_NUMERICSERV and gethostname, which CPython's WASI build lacks", async () => {
    const r = await host.call({ user: 'wasi', func: 'gaps' });
    expect(r.error).toBeUndefined();
    const checks = JSON.parse(text(r.output)) as { hostname: string[] } & Record<string, unknown>;
    expect(checks).toEqual({
      gather: ['slow', 'fast'],
      order: ['fast', 'slow'],
      timer: 'timer',
      ai_numericserv: 8,
      hostname: [expect.any(String), expect.any(String)],
    });
    expect(checks.hostname[0]).toBe(checks.hostname[1]);
    expect(checks.hostname[0]).not.toBe('');
  });
});
