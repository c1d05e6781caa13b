// Rust extensions without a toolchain: cargo's command line, the line check, and how
// rust_project.py lays out a maturin project's wheel (run by this machine's python3).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBuiltExtensions } from '../../../src/modules/module-layer.js';
import { recipeFor } from '../../../src/modules/pypi.js';
import { parseRecipe } from '../../../src/modules/recipe.js';
import { recipeSchemaErrors } from '../../../src/modules/recipe-schema.js';
import {
  type RustProject,
  allocatorShimName,
  cargoBuildArgs,
  rustInputs,
} from '../../../src/modules/rust.js';
import { exec } from '../../../src/util/exec.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = join(repoRoot, 'src/modules/python/rust_project.py');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rust-project-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string>) {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, 'src', rel, '..'), { recursive: true });
    await writeFile(join(dir, 'src', rel), text);
  }
}

async function layout(): Promise<{ project: RustProject; files: string[] }> {
  const tree = join(dir, 'tree');
  await mkdir(tree);
  const { stdout } = await exec('python3', [SCRIPT, join(dir, 'src'), tree]);
  const files = (await readdir(tree, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(tree.length + 1))
    .sort();
  return { project: JSON.parse(stdout) as RustProject, files };
}

const MATURIN = '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n';

describe('rust_project.py', () => {
  test('a pure-Rust project with a .pyi gets the package maturin generates around it', async () => {
    await write({
      'pyproject.toml': `${MATURIN}[project]\nname = "rpds-py"\ndynamic = ["version"]\nrequires-python = ">=3.11"\n[tool.maturin]\nfeatures = ["pyo3/extension-module"]\n`,
      'Cargo.toml':
        '[package]\nname = "rpds-py"\nversion = "2026.9.1"\n[lib]\nname = "rpds"\ncrate-type = ["cdylib"]\n',
      'rpds.pyi': 'class List: ...\n',
    });
    const { project, files } = await layout();
    expect(project).toEqual({
      manifest: 'Cargo.toml',
      lib: 'rpds',
      module: 'rpds',
      extension: 'rpds/rpds.so',
      features: ['pyo3/extension-module'],
      noDefaultFeatures: false,
      allFeatures: false,
    });
    expect(files).toEqual([
      'rpds/__init__.py',
      'rpds/__init__.pyi',
      'rpds/py.typed',
      'rpds_py-2026.9.1.dist-info/METADATA',
      'rpds_py-2026.9.1.dist-info/RECORD',
      'rpds_py-2026.9.1.dist-info/WHEEL',
    ]);
    expect(await readFile(join(dir, 'tree/rpds/__init__.py'), 'utf8')).toContain(
      'from .rpds import *',
    );
    expect(await readFile(join(dir, 'tree/rpds_py-2026.9.1.dist-info/METADATA'), 'utf8')).toBe(
      'Metadata-Version: 2.1\nName: rpds-py\nVersion: 2026.9.1\nRequires-Python: >=3.11\n',
    );
  });

  test('a python-source project keeps its package and puts the extension at its module-name', async () => {
    await write({
      'pyproject.toml': `${MATURIN}[project]\nname = "pydantic_core"\nversion = "2.50.5"\ndependencies = ["typing-extensions>=4.14.1"]\n[tool.maturin]\npython-source = "python"\nmodule-name = "pydantic_core._pydantic_core"\nno-default-features = true\n`,
      'Cargo.toml': '[package]\nname = "pydantic-core"\nversion.workspace = true\n',
      '../Cargo.toml': '[workspace]\n[workspace.package]\nversion = "9.9.9"\n',
      'python/pydantic_core/__init__.py': 'from ._pydantic_core import *\n',
      'python/pydantic_core/core_schema.py': '',
      'python/pydantic_core/__pycache__/x.pyc': '',
    });
    const { project, files } = await layout();
    expect(project.module).toBe('pydantic_core._pydantic_core');
    expect(project.extension).toBe('pydantic_core/_pydantic_core.so');
    expect(project.noDefaultFeatures).toBe(true);
    expect(files).toEqual([
      'pydantic_core-2.50.5.dist-info/METADATA',
      'pydantic_core-2.50.5.dist-info/RECORD',
      'pydantic_core-2.50.5.dist-info/WHEEL',
      'pydantic_core/__init__.py',
      'pydantic_core/core_schema.py',
    ]);
    expect(
      await readFile(join(dir, 'tree/pydantic_core-2.50.5.dist-info/METADATA'), 'utf8'),
    ).toContain('Requires-Dist: typing-extensions>=4.14.1\n');
  });

  test('a project of another backend is refused with one sentence', async () => {
    await write({
      'pyproject.toml':
        '[build-system]\nrequires = ["setuptools", "setuptools-rust"]\nbuild-backend = "setuptools.build_meta"\n',
    });
    const err = (await layout().catch((e: unknown) => e)) as { exitCode: number; tail: string[] };
    expect(err.exitCode).toBe(3);
    expect(err.tail.join('\n')).toContain(
      "faasm-error: its build backend is 'setuptools.build_meta'; only maturin projects build as Rust extensions",
    );
  });
});

describe('the cargo build', () => {
  test('builds the library as a staticlib, offline and locked, with maturin features', () => {
    const args = cargoBuildArgs(
      {
        manifest: 'crates/x/Cargo.toml',
        lib: 'x',
        module: 'x',
        extension: 'x.so',
        features: ['pyo3/extension-module', 'fast'],
        noDefaultFeatures: true,
        allFeatures: false,
      },
      '/src',
    );
    expect(args.slice(0, 4)).toEqual(['rustc', '--lib', '--crate-type', 'staticlib']);
    expect(args).toEqual(
      expect.arrayContaining(['--offline', '--locked', '--no-default-features']),
    );
    expect(args.join(' ')).toContain(
      '--target wasm32-wasip1 --manifest-path /src/crates/x/Cargo.toml',
    );
    expect(args.join(' ')).toContain('--features pyo3/extension-module,fast');
    expect(args).not.toContain('--all-features');
  });

  test("is keyed by the 3.13 line's pinned Rust root; on a line without Rust, by why not", async () => {
    const inputs = (await rustInputs(repoRoot, '3.13')) as {
      rust: { set: string; debs: string[] };
    };
    expect(inputs.rust.set).toBe('rust');
    expect(inputs.rust.debs.some((d) => /^cargo_1\.98\.1\+dfsg1-1~bpo13\+1_amd64/.test(d))).toBe(
      true,
    );
    expect(inputs.rust.debs.some((d) => /^libstd-rust-dev-wasm32_1\.98\.1/.test(d))).toBe(true);
    expect(await rustInputs(repoRoot, '3.11')).toEqual({
      rust: expect.stringMatching(
        /^Rust extensions need a toolchain with Rust for wasm, which the 3\.11 line's .* has not; build with --python 3\.13\.$/,
      ),
    });
  });
});

describe("a recipe of kind 'rust-extension'", () => {
  const resolved = {
    name: 'rpds-py',
    version: '2026.9.1',
    summary: 'Python bindings to Rust',
    kind: 'rust-extension' as const,
    source: {
      kind: 'url' as const,
      url: 'https://files.example/rpds_py-2026.9.1.tar.gz',
      file: 'rpds_py-2026.9.1.tar.gz',
      sha256: 'a'.repeat(64),
    },
    backend: 'maturin',
    buildRequires: [],
    requires: [],
    imports: ['rpds'],
    requested: true,
  };

  test('is what modules add writes for a maturin sdist, and the schema accepts it', () => {
    const json = recipeFor(resolved, 'rpds-py');
    expect(recipeSchemaErrors(json)).toEqual([]);
    const r = parseRecipe(json, 'third-party/modules/rpds-py/recipe.json', 'rpds-py');
    expect(r.kind).toBe('rust-extension');
    expect(r.buildRequires).toEqual([]);
    expect(String(json.$comment)).toContain('built by cargo for wasm32-wasip1 as a static archive');
  });

  test('must build its extension', () => {
    const r = parseRecipe(
      recipeFor(resolved, 'rpds-py'),
      'third-party/modules/rpds-py/recipe.json',
    );
    expect(() => checkBuiltExtensions(r, [])).toThrow(
      "third-party/modules/rpds-py/recipe.json: rpds-py is kind 'rust-extension' but its build produced no extension module",
    );
    expect(() =>
      checkBuiltExtensions(r, [
        { name: 'rpds.rpds', init: 'PyInit_rpds_rpds', archive: 'ext/rpds.rpds.a' },
      ]),
    ).not.toThrow();
  });
});

describe("the allocator shim's symbols", () => {
  test('are found by name up to Rust 1.87 and by their v0 mangling after', () => {
    expect(allocatorShimName('__rust_alloc')).toBe('__rust_alloc');
    // What rustc 1.98.1 writes into a staticlib's shim member.
    expect(allocatorShimName('_RNvCshfJ12k0ydlO_7___rustc12___rust_alloc')).toBe('__rust_alloc');
    expect(
      allocatorShimName('_RNvCshfJ12k0ydlO_7___rustc35___rust_no_alloc_shim_is_unstable_v2'),
    ).toBe('__rust_no_alloc_shim_is_unstable_v2');
    // std's own items are not the shim's.
    expect(allocatorShimName('_RNvNtCs4JAg5SyffwQ_3std5alloc24default_alloc_error_hook')).toBe(
      undefined,
    );
    expect(allocatorShimName('PyInit__rpds')).toBe(undefined);
  });
});
