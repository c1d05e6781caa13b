import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initSymbol, nmFor } from '../../../src/modules/extensions.js';
import { installSitePackages } from '../../../src/modules/install.js';
import { layersToModules } from '../../../src/commands/modules.js';
import { planLayers } from '../../../src/layers/runner.js';
import { modulesLayer, testProgram } from '../../../src/modules/layer.js';
import { inittabSource } from '../../../src/modules/link.js';
import { globToRegExp } from '../../../src/modules/python-parts.js';
import { moduleLayer, readBuiltModule } from '../../../src/modules/module-layer.js';
import { parseRecipe } from '../../../src/modules/recipe.js';
import type { LayerContext } from '../../../src/layers/types.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';
import { hashJson } from '../../../src/util/hash.js';
import { testOptions } from '../../helpers/fake-layers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-modules-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * A copy of what the modules layer reads: its recipes, the CPython pin, pyfaasm, and the
 * toolchains and Debian pins (a Rust extension's key holds the cargo root's).
 */
async function repoCopy(name: string): Promise<string> {
  const repo = join(dir, name);
  const toolchains = ['third-party/toolchain.json', 'third-party/toolchain-trixie.json'];
  for (const p of [
    'third-party/modules',
    'third-party/cpython',
    'pyfaasm',
    'third-party/debian',
    ...toolchains,
  ]) {
    await cp(join(REPO_ROOT, p), join(repo, p), { recursive: true });
  }
  return repo;
}

/** The inputs of the modules layer and of each module's layer it expands to. */
async function inputsKey(repoRoot: string, experimental = false) {
  const ctx = { opts: { ...testOptions(dir), repoRoot, experimental } };
  const layers = [...(await modulesLayer.expand!(ctx)), modulesLayer];
  return hashJson(await Promise.all(layers.map(async (l) => [l.name, await l.inputs(ctx)])));
}

describe('the modules layer key', () => {
  test('is the same for the same recipes, wherever the checkout is', async () => {
    expect(await inputsKey(await repoCopy('a'))).toBe(await inputsKey(REPO_ROOT));
  });

  test('changes when one recipe, a file beside it, or pyfaasm changes', async () => {
    const base = await inputsKey(REPO_ROOT);
    const recipe = await repoCopy('recipe');
    const file = join(recipe, 'third-party/modules/pyaes/recipe.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.test.push('assert True');
    await writeFile(file, JSON.stringify(json));
    expect(await inputsKey(recipe)).not.toBe(base);

    const patch = await repoCopy('patch');
    await writeFile(
      join(patch, 'third-party/modules/genshi/notes.txt'),
      'a file beside the recipe',
    );
    expect(await inputsKey(patch)).not.toBe(base);

    const pyfaasm = await repoCopy('pyfaasm');
    await writeFile(join(pyfaasm, 'pyfaasm/pyfaasm/extra.py'), 'X = 1\n');
    expect(await inputsKey(pyfaasm)).not.toBe(base);
  });

  test('ignores build leftovers in pyfaasm/, and experimental recipes unless asked for', async () => {
    const base = await inputsKey(REPO_ROOT);
    const repo = await repoCopy('leftovers');
    await mkdir(join(repo, 'pyfaasm/build/lib'), { recursive: true });
    await writeFile(join(repo, 'pyfaasm/build/lib/x.py'), '');
    await mkdir(join(repo, 'pyfaasm/pyfaasm/__pycache__'), { recursive: true });
    await writeFile(join(repo, 'pyfaasm/pyfaasm/__pycache__/core.cpython-311.pyc'), 'x');
    // An experimental recipe of its own (the repository's may join the default set).
    const pyaes = JSON.parse(
      await readFile(join(repo, 'third-party/modules/pyaes/recipe.json'), 'utf8'),
    );
    await mkdir(join(repo, 'third-party/modules/pyaes-next'));
    await writeFile(
      join(repo, 'third-party/modules/pyaes-next/recipe.json'),
      JSON.stringify({ ...pyaes, name: 'pyaes-next', set: 'experimental', why: 'a test' }),
    );
    expect(await inputsKey(repo)).toBe(base);
    expect(await inputsKey(repo, true)).not.toBe(await inputsKey(REPO_ROOT, true));
  });

  test('a recipe that fails the schema fails the key, naming the file and field', async () => {
    const repo = await repoCopy('bad');
    const file = join(repo, 'third-party/modules/six/recipe.json');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(/"sha256": "fd18[0-9a-f]+"/, '"sha256": "fd18"'),
    );
    await expect(inputsKey(repo)).rejects.toThrow(
      new UserError(
        "third-party/modules/six/recipe.json: field 'sources[1].sha256' must be 64 hex characters, not 'fd18'.",
      ),
    );
  });
});

describe('one layer per module', () => {
  test('editing one recipe rebuilds that module and the modules layer, never numpy or below', async () => {
    const repo = await repoCopy('one-recipe');
    for (const p of [
      'toolchain.json',
      'toolchain-trixie.json',
      'debian',
      'faasm',
      'libs',
      'wasi-libc',
    ]) {
      await cp(join(REPO_ROOT, 'third-party', p), join(repo, 'third-party', p), {
        recursive: true,
      });
    }
    const opts = (repoRoot: string) => ({ ...testOptions(dir), repoRoot });
    const keys = async (repoRoot: string) =>
      Object.fromEntries(
        (await planLayers(layersToModules(), opts(repoRoot))).map((p) => [p.layer.name, p.key]),
      );
    const before = await keys(REPO_ROOT);
    expect(await keys(repo)).toEqual(before);
    const file = join(repo, 'third-party/modules/pyaes/recipe.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.summary = `${String(json.summary)} (edited)`;
    await writeFile(file, JSON.stringify(json));
    const after = await keys(repo);
    const changed = Object.keys(before).filter((n) => after[n] !== before[n]);
    expect(changed.sort()).toEqual(['module-pyaes', 'modules']);
    expect(after['module-numpy']).toBe(before['module-numpy']);

    // A new test of the recipe runs in the modules layer: no module is built again for it.
    json.test.push('assert True');
    await writeFile(file, JSON.stringify(json));
    const tested = await keys(repo);
    expect(Object.keys(after).filter((n) => tested[n] !== after[n])).toEqual(['modules']);
  }, 30_000);
});

describe("a module's layer", () => {
  /** What a layer build gets, for a module whose source fails its check before anything runs. */
  async function attempt(name: string, tolerant: boolean) {
    const root = join(dir, `attempt-${name}`);
    const src = join(root, 'broken-1.0.tar.gz');
    await mkdir(join(root, 'out'), { recursive: true });
    await mkdir(join(root, 'work'), { recursive: true });
    await writeFile(src, 'not a tarball');
    const r = parseRecipe(
      {
        name: 'broken', version: '1.0', kind: 'pure', set: 'experimental', why: 'a test',
        sources: [{ kind: 'path', path: src, file: 'broken-1.0.tar.gz', sha256: 'a'.repeat(64) }],
        test: 'import broken',
      },
      'third-party/modules/broken/recipe.json',
    ); // prettier-ignore
    const layer = moduleLayer(r, tolerant);
    const out = join(root, 'out');
    const ctx: LayerContext = {
      name: layer.name, key: 'k', out, work: join(root, 'work'), log: join(root, 'log'),
      opts: { ...testOptions(join(root, 'cache')), repoRoot: root }, keys: {},
      dep: (d) => { throw new Error(`no ${d} here`); },
      exec: () => Promise.reject(new Error('nothing runs')),
      info: () => undefined,
    }; // prettier-ignore
    const result = await layer.build(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { result, out, layer };
  }

  test('of a module that may fail records why, and keeps nothing else', async () => {
    const { result, out, layer } = await attempt('tolerant', true);
    expect(layer.name).toBe('module-broken');
    expect(result).toBeUndefined();
    expect(await readdir(out)).toEqual(['module.json']);
    const built = await readBuiltModule(out);
    expect(built).toMatchObject({ name: 'broken', status: 'failed', extensions: [] });
    expect(built.error).toMatch(/^build: broken-1\.0\.tar\.gz for broken 1\.0 .*has sha256/);
  });

  test('of any other module fails the build', async () => {
    const { result } = await attempt('strict', false);
    expect(result).toBeInstanceOf(UserError);
    expect((result as Error).message).toMatch(/has sha256 [0-9a-f]{64} but a{64} was expected/);
  });
});

describe('built-in extensions', () => {
  test('a submodule is linked under an init named after its full name, a top-level one keeps its own', () => {
    expect(initSymbol('genshi._speedups')).toBe('PyInit_genshi__speedups');
    expect(initSymbol('markupsafe._speedups')).toBe('PyInit_markupsafe__speedups');
    expect(initSymbol('_faasm')).toBe('PyInit__faasm');
    expect(nmFor({ ar: '/usr/bin/llvm-ar-16' } as never)).toBe('/usr/bin/llvm-nm-16');
  });

  test('the inittab registers each extension under its dotted name before the interpreter starts', () => {
    const c = inittabSource([
      {
        name: 'genshi._speedups',
        init: 'PyInit_genshi__speedups',
        archive: 'ext/genshi._speedups.a',
      },
    ]);
    expect(c).toContain('extern PyObject *PyInit_genshi__speedups(void);');
    expect(c).toContain('PyImport_AppendInittab("genshi._speedups", PyInit_genshi__speedups)');
    expect(c.indexOf('AppendInittab')).toBeLessThan(c.indexOf('Py_BytesMain'));
  });

  test("a recipe's test first checks that each extension really is a built-in", () => {
    const r = parseRecipe(
      {
        name: 'g',
        version: '1',
        kind: 'c-extension',
        sources: [{ kind: 'repo', path: 'g' }],
        extensions: [{ name: 'g._s', sources: ['s.c'] }],
        test: 'import g',
      },
      'x',
    );
    const code = testProgram(r);
    expect(code).toContain('for _name in ["g._s"]:');
    expect(code).toContain('sys.builtin_module_names');
    expect(code.trimEnd().endsWith('import g')).toBe(true);
  });

  test('prune patterns match within one path segment', () => {
    expect(globToRegExp('genshi/tests').test('genshi/tests')).toBe(true);
    expect(globToRegExp('genshi/*/tests').test('genshi/filters/tests')).toBe(true);
    expect(globToRegExp('genshi/*/tests').test('genshi/a/b/tests')).toBe(false);
    expect(globToRegExp('*.c').test('a.c')).toBe(true);
  });
});

describe('installSitePackages', () => {
  test('replaces the runtime root site-packages whole: no stale module, .pyc or __pycache__', async () => {
    const layer = join(dir, 'layer');
    await mkdir(join(layer, 'site-packages/pkg/__pycache__'), { recursive: true });
    await writeFile(join(layer, 'site-packages/pkg/__init__.py'), 'X = 2\n');
    await writeFile(join(layer, 'site-packages/pkg/__pycache__/__init__.cpython-311.pyc'), 'stale');
    await writeFile(
      join(layer, 'modules.json'),
      JSON.stringify({ python: 'python3.11', modules: [] }),
    );
    const root = join(dir, 'root');
    const site = join(root, 'lib/python3.11/site-packages');
    await mkdir(join(site, 'old/__pycache__'), { recursive: true });
    await writeFile(join(site, 'old/__init__.py'), '');
    await writeFile(join(site, 'old/__pycache__/__init__.cpython-311.pyc'), 'stale');
    await writeFile(join(site, 'orphan.pyc'), 'stale');

    expect(await installSitePackages(layer, root)).toBe(site);
    expect(await readdir(site)).toEqual(['pkg']);
    expect(await readdir(join(site, 'pkg'))).toEqual(['__init__.py']);
    // Nothing staged is left beside it.
    expect(await readdir(join(root, 'lib/python3.11'))).toEqual(['site-packages']);
  });

  test('refuses a directory that is not a modules layer, installing nothing', async () => {
    const root = join(dir, 'root2');
    await expect(installSitePackages(join(dir, 'nowhere'), root)).rejects.toThrow(
      /is not a modules layer/,
    );
    await expect(readdir(root)).rejects.toThrow();
  });
});
