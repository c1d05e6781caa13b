import { beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { ensurePackages } from '../../src/toolchain/system-packages.js';
import { UserError } from '../../src/util/errors.js';
import { exec } from '../../src/util/exec.js';
import { buildLayers, integrationOptions } from '../helpers/runtime.js';

// The CLI as a user runs it: a real process per call, the runtime from the layer cache.
const CLI = join(REPO_ROOT, 'bin', 'faasm-python.js');
const examples = readdirSync(join(REPO_ROOT, 'func', 'python'))
  .filter((f) => f.endsWith('.py'))
  .sort();
const env = { FAASM_PYTHON_CACHE: integrationOptions().cacheDir };

beforeAll(async () => {
  await buildLayers(['func', 'root']);
});

describe('faasm-python run', () => {
  test.each(examples)('%s exits 0', async (file) => {
    const r = await exec(process.execPath, [CLI, 'run', join(REPO_ROOT, 'func', 'python', file)], {
      env,
    });
    expect(r.stderr).not.toMatch(/ExperimentalWarning|error:/);
  });

  test('a numpy function: linalg.solve, fft and seeded random streams give the known numbers', async () => {
    const file = join(REPO_ROOT, 'func', 'python', 'numpy_linalg.py');
    const r = await exec(process.execPath, [CLI, 'run', file], { env });
    // Known from numpy on x86-64 Linux: the same streams and results must come out of wasm.
    expect(JSON.parse(r.stdout)).toEqual({
      solve: [2, 3],
      fft: [
        [10, 0],
        [-2, 2],
        [-2, 0],
        [-2, -2],
      ],
      default_rng_42: [0.7739560485559633, 0.4388784397520523, 0.8585979199113825],
      seed_0_rand: 0.5488135039273248,
    });
  });

  test('a function that raises exits 1 with one error line and its traceback', async () => {
    const file = join(REPO_ROOT, 'test/fixtures/pyfuncs/raises.py');
    const err = (await exec(process.execPath, [CLI, 'run', file], { env }).catch(
      (e: unknown) => e,
    )) as {
      exitCode?: number;
      tail?: string[];
    };
    expect(err.exitCode).toBe(1);
    expect(err.tail?.join('\n')).toMatch(/Traceback/);
  });
});

describe('system packages', () => {
  test('a package that cannot be installed stops with the exact command to run', async () => {
    const missing = [
      { name: 'faasm-python-no-such-package', provides: '/nonexistent/faasm-python' },
    ];
    const err = await ensurePackages(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /run: sudo apt-get install -y faasm-python-no-such-package$/,
    );
  });
});
