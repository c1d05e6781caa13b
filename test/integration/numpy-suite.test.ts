import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { exec } from '../../src/util/exec.js';
import { buildLayers, integrationOptions } from '../helpers/runtime.js';

// numpy's own tests inside the wasm runtime: the representative selection of
// third-party/modules/numpy/test-suite.json (the weekly numpy-tests workflow runs them all).
const CLI = join(REPO_ROOT, 'bin', 'faasm-python.js');
const env = { FAASM_PYTHON_CACHE: integrationOptions().cacheDir };

beforeAll(async () => {
  await buildLayers(['modules']);
});

describe('numpy test suite (quick selection)', () => {
  test('runs inside the runtime with no unexpected failure', async () => {
    const docs = join(REPO_ROOT, 'docs', 'numpy-tests.md');
    const before = await readFile(docs, 'utf8').catch(() => '');
    const r = await exec(process.execPath, [CLI, 'modules', 'test-suite', 'numpy', '--quick'], {
      env,
    });
    const m =
      /numpy test suite \(quick selection\): (\d+) run, (\d+) passed, (\d+) failed \((\d+) expected\), (\d+) skipped/.exec(
        r.stdout,
      );
    expect(m).not.toBeNull();
    const [run, passed, failed, expected, skipped] = m!.slice(1).map(Number) as number[];
    console.log(r.stdout.trim().split('\n').at(-1));
    // Every class of the selection ran: the linalg, fft and random tests are hundreds.
    expect(run).toBeGreaterThan(300);
    expect(passed + failed + skipped).toBe(run);
    expect(failed).toBe(expected);
    // The selection's files need numpy's conftest.py, which imports the test-only
    // numpy._core._multiarray_tests: built into the suite's interpreter.
    expect(r.stdout).not.toMatch(/ImportError|No module named/);
    // Only the whole suite writes the record.
    expect(await readFile(docs, 'utf8').catch(() => '')).toBe(before);
  });
});
