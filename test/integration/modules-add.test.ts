import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { FaasmHost } from '../../src/runner/host.js';
import { ExecError } from '../../src/util/errors.js';
import { exec } from '../../src/util/exec.js';
import { exists, removeTree } from '../../src/util/fs.js';
import { buildLayers } from '../helpers/runtime.js';

// The acceptance of `modules add`: a package with a C (and C++) extension and no recipe (ujson:
// its recipe is removed from the copy first) is resolved on PyPI, built by its own setuptools
// backend for wasm32-wasi, and imported by a function through the Faasm host with its extension
// a built-in of py_func.wasm. Runs in a copy of the repository, so the real
// third-party/modules is never written.
const PACKAGE = 'ujson==5.10.0';
let repo: string;
let functions: string;
let host: FaasmHost | undefined;

async function cli(...args: string[]) {
  try {
    const r = await exec(process.execPath, [join(repo, 'bin', 'faasm-python.js'), ...args], {
      cwd: repo,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    return { code: err.exitCode ?? -1, out: '', err: err.tail.join('\n') };
  }
}

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'fp-modules-add-'));
  for (const e of await readdir(REPO_ROOT)) {
    if (['node_modules', '.git', 'dist'].includes(e)) continue;
    await cp(join(REPO_ROOT, e), join(repo, e), { recursive: true });
  }
  await symlink(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'));
  await rm(join(repo, 'third-party', 'modules', 'ujson'), { recursive: true, force: true });
  functions = await mkdtemp(join(tmpdir(), 'fp-modules-add-funcs-'));
});

afterAll(async () => {
  await host?.close();
  if (repo) await removeTree(repo);
  if (functions) await removeTree(functions);
});

describe('modules add', () => {
  test('refuses an unknown package and a version that does not exist, writing nothing', async () => {
    const unknown = await cli('modules', 'add', 'no-such-package-faasm-python-x');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(
      /error: no-such-package-faasm-python-x is not on the package index/,
    );
    const version = await cli('modules', 'add', 'ujson==0.0.999');
    expect(version.code).not.toBe(0);
    expect(version.err).toMatch(/No release of ujson==0\.0\.999 exists for Python 3\.11/);
    expect(version.err).not.toMatch(/Traceback|at .*\.js:/);
    expect(await exists(join(repo, 'third-party', 'modules', 'ujson'))).toBe(false);
  }, 180_000);

  test(`writes a pinned sdist recipe for ${PACKAGE}, which builds and runs as a built-in`, async () => {
    const add = await cli('modules', 'add', PACKAGE);
    // Progress lines (layers built or restored) go to stderr; no error may.
    expect(add.err).not.toMatch(/error|Traceback/i);
    expect(add.code).toBe(0);
    const recipe = JSON.parse(
      await readFile(join(repo, 'third-party', 'modules', 'ujson', 'recipe.json'), 'utf8'),
    );
    expect(recipe).toMatchObject({ name: 'ujson', version: '5.10.0', kind: 'c-extension' });
    expect(recipe.sources[0].file).toBe('ujson-5.10.0.tar.gz');
    expect(recipe.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(recipe.buildRequires.map((r: { name: string }) => r.name)).toContain('setuptools');

    const layers = await buildLayers(['func', 'root'], { repoRoot: repo });
    const func = JSON.parse(await readFile(join(layers.get('func')!.dir, 'func.json'), 'utf8'));
    expect(func.builtins).toContain('ujson');

    await mkdir(join(functions, 'demo', 'ujson'), { recursive: true });
    await writeFile(
      join(functions, 'demo', 'ujson', 'function.py'),
      [
        'import sys, ujson',
        'from pyfaasm.core import write_output',
        'def faasm_main():',
        '    assert "ujson" in sys.builtin_module_names',
        '    assert ujson.__spec__.origin == "built-in"',
        '    data = ujson.dumps({"n": [1, 2, 3]})',
        '    write_output(repr(ujson.loads(data)).encode())',
        '    return 0',
        '',
      ].join('\n'),
    );
    host = await FaasmHost.load({
      wasmPath: join(layers.get('func')!.dir, 'py_func.wasm'),
      runtimeRoot: layers.get('root')!.dir,
      functionsDir: functions,
    });
    const r = await host.call({ user: 'demo', func: 'ujson' });
    if (r.returnCode !== 0) console.error(r.error, r.stdout, r.stderr);
    expect(r.returnCode).toBe(0);
    expect(Buffer.from(r.output).toString()).toBe("{'n': [1, 2, 3]}");
  }, 1_800_000);
});
