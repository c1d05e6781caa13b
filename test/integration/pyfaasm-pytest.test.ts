import { describe, expect } from '@jest/globals';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '../../src/paths.js';
import { exec, probe } from '../../src/util/exec.js';
import { exists } from '../../src/util/fs.js';
import { testUnless } from '../helpers/needs.js';

// pyfaasm's own pytest suite and its mypy check, on the machine's python3, with pytest, mypy and
// numpy (pyfaasm.matrix) pip-installed once into a venv in the cache (pinned, so the check
// cannot drift).
const PYFAASM = join(process.cwd(), 'pyfaasm');
const TOOLS = ['pytest==8.3.4', 'mypy==1.13.0', 'numpy==2.4.6'];
const version = await probe('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
const it = testUnless(version ? undefined : 'python3 is not installed');

/** The venv's python; built in a temp dir and renamed into place, so racing runs are safe. */
async function toolsPython(): Promise<string> {
  const cache = join(defaultCacheDir(), 'python-tools');
  const venv = join(cache, `py${version}-${TOOLS.join('-').replace(/[^\w.-]/g, '_')}`);
  const python = join(venv, 'bin', 'python');
  if (await exists(python)) return python;
  await mkdir(cache, { recursive: true });
  const tmp = await mkdtemp(join(cache, 'tmp-'));
  await exec('python3', ['-m', 'venv', tmp]);
  await exec(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '-q', ...TOOLS]);
  await rename(tmp, venv).catch(async () => rm(tmp, { recursive: true, force: true }));
  return python;
}

const quiet = { cwd: PYFAASM, env: { PYTHONDONTWRITEBYTECODE: '1' } };

describe('pyfaasm', () => {
  it('passes its pytest suite and mypy --strict', async () => {
    const python = await toolsPython();
    const tests = await exec(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], quiet);
    expect(tests.stdout).toMatch(/\d+ passed/);
    expect(tests.stdout).not.toMatch(/skipped/); // pyfaasm.matrix's tests need the venv's numpy
    const types = await exec(python, ['-m', 'mypy', '--cache-dir=/dev/null'], quiet);
    expect(types.stdout).toMatch(/^Success: no issues found/m);
  }, 300_000);
});
