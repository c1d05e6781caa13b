import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaasmHost } from '../../src/runner/host.js';
import { exists, removeTree } from '../../src/util/fs.js';
import { repoCli, repoCopy } from '../helpers/repo-copy.js';
import { PYTHON } from '../helpers/runtime.js';

// The acceptance of `modules add`: a package with a C extension and no recipe in the repository
// (simplejson, whose C speedups are optional: the test fails if it fell back to pure Python) is
// resolved on PyPI, built by its own setuptools backend for wasm32-wasi, and imported by a
// function through the Faasm host with its extension a built-in of py_func.wasm. Runs in a copy
// of the repository, so the real third-party/modules is never written.
const PACKAGE = 'simplejson==4.3.0';
let repo: string;
let functions: string;
let host: FaasmHost | undefined;

const cli = (...args: string[]) => repoCli(repo, ...args);

beforeAll(async () => {
  repo = await repoCopy('fp-modules-add-');
  // Had the package gained a recipe since, the test would no longer be about `modules add`.
  await rm(join(repo, 'third-party', 'modules', 'simplejson'), { recursive: true, force: true });
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
    const version = await cli('modules', 'add', 'simplejson==0.0.999');
    expect(version.code).not.toBe(0);
    expect(version.err).toContain(
      `No release of simplejson==0.0.999 exists for Python ${PYTHON.line} on the index`,
    );
    expect(version.err).not.toMatch(/Traceback|at .*\.js:/);
    expect(await exists(join(repo, 'third-party', 'modules', 'simplejson'))).toBe(false);
  }, 180_000);

  test(`writes a pinned sdist recipe for ${PACKAGE}, which builds and runs as a built-in`, async () => {
    const add = await cli('modules', 'add', PACKAGE);
    // Progress lines (layers built or restored) go to stderr; no error may.
    expect(add.err).not.toMatch(/error|Traceback/i);
    expect(add.code).toBe(0);
    const recipe = JSON.parse(
      await readFile(join(repo, 'third-party', 'modules', 'simplejson', 'recipe.json'), 'utf8'),
    );
    // In no runtime but a deployment that names it.
    expect(recipe).toMatchObject({
      name: 'simplejson',
      version: '4.3.0',
      kind: 'c-extension',
      set: 'optional',
    });
    expect(recipe.sources[0].file).toBe('simplejson-4.3.0.tar.gz');
    expect(recipe.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(recipe.buildRequires.map((r: { name: string }) => r.name)).toContain('setuptools');

    const requirements = join(functions, 'requirements.txt');
    await writeFile(requirements, `${PACKAGE}\n`);
    const built = await cli('build', '--requirements', requirements, '--json');
    expect(built.code).toBe(0);
    const layers = new Map(
      (JSON.parse(built.out) as { layers: { name: string; dir: string }[] }).layers.map((l) => [
        l.name,
        l,
      ]),
    );
    const func = JSON.parse(await readFile(join(layers.get('func')!.dir, 'func.json'), 'utf8'));
    expect(func.builtins).toContain('simplejson._speedups');

    await mkdir(join(functions, 'demo', 'simplejson'), { recursive: true });
    await writeFile(
      join(functions, 'demo', 'simplejson', 'function.py'),
      [
        'import sys, simplejson, simplejson._speedups as speedups',
        'from pyfaasm.core import write_output',
        'def faasm_main():',
        '    assert "simplejson._speedups" in sys.builtin_module_names',
        '    assert speedups.__spec__.origin == "built-in"',
        '    # The C scanner and encoder are the ones in use, not the pure-Python fallbacks.',
        '    assert simplejson.decoder.c_scanstring is speedups.scanstring',
        '    assert simplejson.encoder.c_make_encoder is speedups.make_encoder',
        '    data = simplejson.dumps({"n": [1, 2, 3]})',
        '    write_output(repr(simplejson.loads(data)).encode())',
        '    return 0',
        '',
      ].join('\n'),
    );
    host = await FaasmHost.load({
      wasmPath: join(layers.get('func')!.dir, 'py_func.wasm'),
      runtimeRoot: layers.get('root')!.dir,
      functionsDir: functions,
    });
    const r = await host.call({ user: 'demo', func: 'simplejson' });
    if (r.returnCode !== 0) console.error(r.error, r.stdout, r.stderr);
    expect(r.returnCode).toBe(0);
    expect(Buffer.from(r.output).toString()).toBe("{'n': [1, 2, 3]}");
  }, 1_800_000);
});
