// CPython's regression suite, the CI selection, on the wasm test build under the WASI host:
// zero unexpected failures and zero hangs. The whole suite runs nightly (regrtest.yml).
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import type { LayerResult } from '../../src/layers/types.js';
import { REPO_ROOT } from '../../src/paths.js';
import { readRegrtestData } from '../../src/regrtest/data.js';
import { runRegrtest } from '../../src/regrtest/session.js';
import { PYTHON, buildLayers } from '../helpers/runtime.js';

let layers: Map<string, LayerResult>;

beforeAll(async () => {
  layers = await buildLayers(['wasm-tests']);
});

describe('the wasm-tests layer', () => {
  test("is the runtime's libpython and stdlib with CPython's test modules and Lib/test", async () => {
    const dir = layers.get('wasm-tests')!.dir;
    const r = await runPythonWasm(join(dir, 'bin/python.wasm'), dir, [
      '-c',
      'import _testcapi, _testinternalcapi, _testbuffer, _testclinic, test.libregrtest; print("ok")',
    ]);
    expect(r.stdout.trim()).toBe('ok');
    const os = (d: string) => readFile(join(d, 'lib', PYTHON.libDir, 'os.py'), 'utf8');
    expect(await os(dir)).toBe(await os(layers.get('wasm')!.dir));
  });
});

describe('faasm-python regrtest on the CI selection (wasm)', () => {
  test('no unexpected failure, no hang', async () => {
    const data = await readRegrtestData(REPO_ROOT);
    const logDir = await mkdtemp(join(tmpdir(), 'fp-regrtest-'));
    const lines: string[] = [];
    const unexpectedLogs: string[] = [];
    try {
      const t = await runRegrtest({
        data,
        platform: 'wasm',
        layerDir: layers.get('wasm-tests')!.dir,
        modules: [],
        selection: 'ci',
        jobs: 2,
        timeoutMs: 900_000,
        logDir,
        progress: (line) => {
          const log = /UNEXPECTED \(log: (\S+)\)/.exec(line)?.[1];
          if (log) unexpectedLogs.push(log);
        },
        out: (text) => lines.push(text),
      });
      const report = lines.join('\n');
      process.stderr.write(`${report}\n`);
      // The logs go with the temporary directory: show the end of each unexpected one after
      // the table, next to the failure, where a CI summary that keeps only the end shows it.
      for (const log of unexpectedLogs) {
        const tail = (await readFile(log, 'utf8').catch(() => '(no log)')).split('\n').slice(-40);
        process.stderr.write(`--- ${log} (last 40 lines)\n${tail.join('\n')}\n`);
      }
      expect(report.split('\n').at(-1)).toBe(
        `${data.selections.ci!.length} modules: ${t.passed} passed, ${t.expected} expected failures, 0 unexpected`,
      );
      expect(t.run).toBeGreaterThan(10_000);
    } finally {
      await rm(logDir, { recursive: true, force: true });
    }
  });
});
