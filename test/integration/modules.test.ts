import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layersToModules } from '../../src/commands/modules.js';
import { runPythonWasm } from '../../src/cpython/python-wasm.js';
import { planLayers, runLayers } from '../../src/layers/runner.js';
import type { BuildOptions, LayerResult } from '../../src/layers/types.js';
import type { ExtensionEntry } from '../../src/modules/extensions.js';
import { installSitePackages } from '../../src/modules/install.js';
import {
  type ModulesLayerOptions,
  type ModulesManifest,
  testProgram,
} from '../../src/modules/layer.js';
import { readAllRecipes, selectRecipes } from '../../src/modules/recipe.js';
import { runModulesPython } from '../../src/modules/runtime.js';
import { REPO_ROOT } from '../../src/paths.js';
import { ExecError, UserError } from '../../src/util/errors.js';
import { sha256File } from '../../src/util/hash.js';
import { silentReporter } from '../helpers/fake-layers.js';
import { tarball } from '../helpers/tar.js';
import { DEFAULT_MODULES, PYTHON, integrationOptions } from '../helpers/runtime.js';

let results: Map<string, LayerResult>;
let modules: string;
let wasm: string;

const build = (lo: ModulesLayerOptions = {}, overrides: Partial<BuildOptions> = {}) =>
  runLayers(layersToModules(lo), integrationOptions(overrides), { reporter: silentReporter() });

beforeAll(async () => {
  results = await build();
  modules = results.get('modules')!.dir;
  wasm = results.get('wasm')!.dir;
});

const python = (code: string) =>
  runModulesPython(
    join(modules, 'bin/python-modules.wasm'),
    wasm,
    join(modules, 'site-packages'),
    PYTHON.libDir,
    ['-c', code],
  );

/** A checkout to break things in: recipes copied, the code and the other pins shared. */
async function scratchRepo(): Promise<string> {
  const repo = await mkdtemp(join(tmpdir(), 'fp-modules-repo-'));
  await cp(join(REPO_ROOT, 'third-party'), join(repo, 'third-party'), { recursive: true });
  await symlink(join(REPO_ROOT, 'src'), join(repo, 'src'));
  await symlink(join(REPO_ROOT, 'pyfaasm'), join(repo, 'pyfaasm'));
  return repo;
}

async function editRecipe(repo: string, name: string, edit: (r: Record<string, unknown>) => void) {
  const file = join(repo, 'third-party/modules', name, 'recipe.json');
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(file, JSON.stringify(json, null, 2));
}

/** Every file under a directory with its sha256, to show a tree was left exactly as it was. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out[r] = await sha256File(join(root, r));
    }
  };
  await walk('');
  return out;
}

describe('the default modules, inside the wasm runtime', () => {
  test('every default module built, with its C extensions as static archives', async () => {
    const manifest = JSON.parse(
      await readFile(join(modules, 'modules.json'), 'utf8'),
    ) as ModulesManifest;
    const names = manifest.modules.map((m) => m.name).sort();
    expect(names).toEqual(DEFAULT_MODULES);
    expect(manifest.modules.every((m) => m.status === 'ok' && m.files > 0 && m.bytes > 0)).toBe(
      true,
    );
    const exts = JSON.parse(
      await readFile(join(modules, 'extensions.json'), 'utf8'),
    ) as ExtensionEntry[];
    expect(exts).toEqual(
      expect.arrayContaining([
        {
          name: 'genshi._speedups',
          init: 'PyInit_genshi__speedups',
          archive: 'ext/genshi._speedups.a',
        },
        {
          name: 'markupsafe._speedups',
          init: 'PyInit_markupsafe__speedups',
          archive: 'ext/markupsafe._speedups.a',
        },
        { name: '_faasm', init: 'PyInit__faasm', archive: 'ext/_faasm.a' },
      ]),
    );
    for (const e of exts) expect((await stat(join(modules, e.archive))).size).toBeGreaterThan(1000);
    const site = await readdir(join(modules, 'site-packages'), { recursive: true });
    expect(site.filter((f) => /__pycache__|\.pyc$|\.so$|direct_url\.json$/.test(f))).toEqual([]);
    expect(site).not.toContain('genshi/tests');
  });

  test("numpy's test-only extensions are kept for its test suite, never shipped", async () => {
    const tests = JSON.parse(
      await readFile(join(modules, 'test-extensions.json'), 'utf8'),
    ) as ExtensionEntry[];
    expect(tests.map((e) => e.name)).toContain('numpy._core._multiarray_tests');
    for (const e of tests)
      expect((await stat(join(modules, e.archive))).size).toBeGreaterThan(1000);
    const shipped = JSON.parse(
      await readFile(join(modules, 'extensions.json'), 'utf8'),
    ) as ExtensionEntry[];
    expect(shipped.filter((e) => tests.some((t) => t.name === e.name))).toEqual([]);
    // The tests tag installed numpy's test packages with them: pruned.
    const site = await readdir(join(modules, 'site-packages'), { recursive: true });
    expect(site.filter((f) => /^numpy\/(.+\/)?tests(\/|$)/.test(f))).toEqual([]);
    // Nor are they in the interpreter that runs the recipes' tests.
    const r = await python('import numpy._core._multiarray_tests');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No module named 'numpy\._core\._multiarray_tests'/);
  });

  test.each([
    'six',
    'pyaes',
    'genshi',
    'markupsafe',
    'jinja2',
    'pyfaasm',
    'msgpack',
    'attrs',
    'pyyaml',
  ])("%s's recipe test passes", async (name) => {
    const [recipe] = selectRecipes(await readAllRecipes(REPO_ROOT), {
      experimental: false,
      names: [name],
    }).slice(-1);
    const r = await python(`${testProgram(recipe!)}\nprint("ok")`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });

  test('dotted C extensions import as built-ins, not from files', async () => {
    const r = await python(`
import sys, genshi._speedups, markupsafe._speedups, _faasm
for m in (genshi._speedups, markupsafe._speedups, _faasm):
    print(m.__name__, m.__spec__.origin, getattr(m, "__file__", None))
`);
    expect(r.stdout.trim().split('\n')).toEqual([
      'genshi._speedups built-in None',
      'markupsafe._speedups built-in None',
      '_faasm built-in None',
    ]);
  });

  test('install lays the site-packages into a runtime root, where python.wasm imports them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fp-root-'));
    try {
      await cp(join(wasm, 'lib'), join(root, 'lib'), { recursive: true });
      await mkdir(join(root, 'lib', PYTHON.libDir, 'site-packages/__pycache__'), {
        recursive: true,
      });
      await writeFile(
        join(root, 'lib', PYTHON.libDir, 'site-packages/__pycache__/stale.cpython-3.pyc'),
        'x',
      );
      await installSitePackages(modules, root);
      const r = await runPythonWasm(join(wasm, 'bin/python.wasm'), root, [
        '-c',
        'import pyaes, six, jinja2; print(pyaes.__file__, six.__file__)',
      ]);
      expect(r.stdout.trim()).toBe(
        `/lib/${PYTHON.libDir}/site-packages/pyaes/__init__.py /lib/${PYTHON.libDir}/site-packages/six.py`,
      );
      await expect(
        stat(join(root, 'lib', PYTHON.libDir, 'site-packages/__pycache__')),
      ).rejects.toThrow();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('keys', () => {
  test("changing one recipe changes its module's key and the modules key, nothing else", async () => {
    const repo = await scratchRepo();
    try {
      await editRecipe(repo, 'pyaes', (r) => (r.summary = 'edited'));
      const before = await planLayers(layersToModules(), integrationOptions());
      const after = await planLayers(layersToModules(), integrationOptions({ repoRoot: repo }));
      const changed = ['modules', 'module-pyaes'];
      for (const p of before.filter((x) => !changed.includes(x.layer.name))) {
        expect(after.find((a) => a.layer.name === p.layer.name)!.key).toBe(p.key);
      }
      expect(before.map((p) => p.layer.name)).toContain('module-numpy');
      const key = (plan: typeof before, name: string) =>
        plan.find((p) => p.layer.name === name)!.key;
      for (const name of changed) expect(key(after, name)).not.toBe(key(before, name));
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('an experimental module that fails', () => {
  test('is left out with its reason, its failure kept in its own layer; the others are reused', async () => {
    const repo = await scratchRepo();
    try {
      const src = join(repo, 'broken-1.0.tar.gz');
      await writeFile(src, 'not the pinned tarball');
      await mkdir(join(repo, 'third-party/modules/broken'), { recursive: true });
      await writeFile(
        join(repo, 'third-party/modules/broken/recipe.json'),
        JSON.stringify({
          name: 'broken', version: '1.0', kind: 'pure', set: 'experimental', why: 'a test',
          sources: [{ kind: 'path', path: src, file: 'broken-1.0.tar.gz', sha256: 'b'.repeat(64) }],
          test: ['import broken'],
        }),
      ); // prettier-ignore
      const r = await build({}, { repoRoot: repo, experimental: true });
      expect(r.get('module-broken')!.status).toBe('built');
      for (const name of DEFAULT_MODULES) expect(r.get(`module-${name}`)!.status).toBe('cached');
      const manifest = JSON.parse(
        await readFile(join(r.get('modules')!.dir, 'modules.json'), 'utf8'),
      ) as ModulesManifest;
      const broken = manifest.modules.find((m) => m.name === 'broken')!;
      expect(broken.status).toBe('failed');
      expect(broken.error).toMatch(/^build: broken-1\.0\.tar\.gz for broken 1\.0 .*has sha256/);
      // It is left out; the default set and the other experimental modules are in, but for
      // those the repository already knows to fail on what WASI lacks (pillow's recipe stops
      // at setjmp/longjmp), each left out with that reason.
      const left = manifest.modules.filter((m) => m.status !== 'ok');
      expect(left.map((m) => m.name)).toContain('broken');
      for (const m of left.filter((m) => m.name !== 'broken')) {
        expect(`${m.name}: ${m.error}`).toMatch(/^\S+: .*which WASI does not provide/);
      }
      const ok = manifest.modules.filter((m) => m.status === 'ok').map((m) => m.name);
      expect(ok).toEqual(expect.arrayContaining(DEFAULT_MODULES));
      // Built again, the failure is taken from its layer: nothing is attempted twice.
      const again = await build({}, { repoRoot: repo, experimental: true });
      expect(again.get('module-broken')!.status).toBe('cached');
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }, 900_000);
});

describe('faults leave the previous layer and the runtime root as they were', () => {
  let root: string;
  let repo: string;
  let rootBefore: Record<string, string>;
  let layerBefore: Record<string, string>;

  beforeAll(async () => {
    repo = await scratchRepo();
    root = await mkdtemp(join(tmpdir(), 'fp-root-'));
    await installSitePackages(modules, root);
    rootBefore = await snapshot(root);
    layerBefore = await snapshot(modules);
  });

  afterEach(async () => {
    expect(await snapshot(root)).toEqual(rootBefore);
    expect(await snapshot(modules)).toEqual(layerBefore);
  });

  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  test('a source whose sha256 does not match is refused', async () => {
    const tarball = join(repo, 'pyaes-1.6.1.tar.gz');
    await writeFile(tarball, 'not the pinned tarball');
    await editRecipe(repo, 'pyaes', (r) => {
      r.sources = [
        { kind: 'path', path: tarball, file: 'pyaes-1.6.1.tar.gz', sha256: 'b'.repeat(64) },
      ];
    });
    const err = await build({ names: ['pyaes'] }, { repoRoot: repo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /pyaes-1\.6\.1\.tar\.gz for pyaes 1\.6\.1 .* has sha256 [0-9a-f]{64} but b{64} was expected/,
    );
  });

  test('a compile error fails with the compiler error lines and the log path', async () => {
    await writeFile(
      join(repo, 'third-party/modules/markupsafe/broken.patch'),
      '--- a/src/markupsafe/_speedups.c\n+++ b/src/markupsafe/_speedups.c\n@@ -1,3 +1,4 @@\n+#error broken on purpose\n #include <Python.h>\n \n static PyObject* markup;\n',
    );
    await editRecipe(
      repo,
      'markupsafe',
      (r) => (r.patches = ['third-party/modules/markupsafe/broken.patch']),
    );
    const err = await build({ names: ['markupsafe'] }, { repoRoot: repo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).tail.join('\n')).toContain('error: broken on purpose');
    expect((err as ExecError).logPath).toMatch(/logs\/module-markupsafe-[0-9a-f]{12}\.log$/);
  });

  // A package of the kind PyPI has many of: a setuptools sdist whose C extension uses what
  // WASI lacks. Built by its own backend; whether the compile or the link finds it, the error is
  // one sentence naming the package and what it needs.
  test.each([
    ['threads', '#include <pthread.h>', 'pthread_t t; pthread_create(&t, 0, 0, 0);'],
    ['sockets', '#include <netdb.h>', 'struct addrinfo *a; getaddrinfo("x", 0, 0, &a);'],
    ['dlopen', '#include <dlfcn.h>', 'dlopen("x.so", 0);'],
  ])('a package that needs %s is refused, naming it', async (need, include, call) => {
    const c = [
      '#include <Python.h>',
      include,
      `static PyObject *use(PyObject *self, PyObject *args) { ${call} Py_RETURN_NONE; }`,
      'static PyMethodDef methods[] = {{"use", use, METH_NOARGS, 0}, {0}};',
      'static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "needy", 0, -1, methods};',
      'PyMODINIT_FUNC PyInit_needy(void) { return PyModule_Create(&def); }',
      '',
    ].join('\n');
    const sdist = join(repo, `needy-${need}.tar.gz`);
    await writeFile(
      sdist,
      tarball([
        {
          name: 'needy-1.0/pyproject.toml',
          content:
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
        },
        {
          name: 'needy-1.0/setup.py',
          content:
            "from setuptools import Extension, setup\nsetup(name='needy', version='1.0', ext_modules=[Extension('needy', ['needy.c'])])\n",
        },
        { name: 'needy-1.0/needy.c', content: c },
      ]),
    );
    const setuptools = JSON.parse(
      await readFile(join(repo, 'third-party/modules/msgpack/recipe.json'), 'utf8'),
    ).buildRequires as unknown[];
    await mkdir(join(repo, 'third-party/modules/needy'), { recursive: true });
    await writeFile(
      join(repo, 'third-party/modules/needy/recipe.json'),
      JSON.stringify({
        name: 'needy',
        version: '1.0',
        kind: 'c-extension',
        sources: [
          { kind: 'path', path: sdist, file: 'needy-1.0.tar.gz', sha256: await sha256File(sdist) },
        ],
        buildRequires: setuptools,
        test: ['import needy'],
      }),
    );
    const err = await build({ names: ['needy'] }, { repoRoot: repo }).catch((e: unknown) => e);
    if ((need === 'threads' || need === 'dlopen') && PYTHON.line !== '3.11') {
      // trixie's wasi-libc (the 3.13 line) has single-threaded pthread stubs and a libdl whose
      // dlopen fails ("dlopen not implemented"; the line links -ldl so that cffi's ABI mode
      // raises OSError): such a package builds and links, and the call fails at run time.
      expect(err).not.toBeInstanceOf(Error);
      return;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^needy 1\\.0 cannot be (built for wasm32-wasi|linked into the runtime): .*it needs ${need}, which WASI does not provide`,
      ),
    );
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  test('a numpy whose meson build fails is named in one sentence, with its log', async () => {
    await writeFile(
      join(repo, 'third-party/modules/numpy/broken.patch'),
      "--- a/meson.build\n+++ b/meson.build\n@@ -16,2 +16,3 @@\n fs = import('fs')\n+error('broken on purpose')\n \n",
    );
    await editRecipe(repo, 'numpy', (r) =>
      (r.patches as string[]).push('third-party/modules/numpy/broken.patch'),
    );
    const err = await build({ names: ['numpy'] }, { repoRoot: repo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^numpy 2\.4\.6 cannot be built for wasm32-wasi: its build failed: .*broken on purpose.*; see .*logs\/module-numpy-[0-9a-f]{12}\.log\.$/,
    );
  });

  test('a module whose test fails inside the runtime is not kept', async () => {
    await editRecipe(
      repo,
      'six',
      (r) => (r.test = ['import six', 'assert six.PY2, "six thinks this is Python 3"']),
    );
    const err = await build({ names: ['six'] }, { repoRoot: repo }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^The test of six \(third-party\/modules\/six\/recipe.json\) failed inside the wasm runtime/,
    );
    expect((err as Error).message).toContain('AssertionError: six thinks this is Python 3');
  });
});
