import { chmod, copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths.js';
import {
  assertInStep,
  bumpVersion,
  checkVersions,
  expandGlob,
  parseRules,
  syncVersions,
} from '../../../src/release/versioned-files.js';
import { UserError } from '../../../src/util/errors.js';
import { run, writeTree, tempDir, removeTempDirs } from './helpers.js';

const PACKAGE_JSON = `{
  "name": "faasm-python",
  "version": "0.1.0",
  "type": "module",
  "files": ["a", "b"],
  "dependencies": { "semver": "^7.8.6" }
}
`;
const LOCK = `{
  "name": "faasm-python",
  "version": "0.1.0",
  "lockfileVersion": 3,
  "packages": {
    "": {
      "name": "faasm-python",
      "version": "0.1.0"
    },
    "node_modules/semver": {
      "version": "7.8.6"
    }
  }
}
`;
const PYPROJECT = `[build-system]
requires = ["setuptools"]

[project]
name = "pyfaasm"
version = "0.1.0"
requires-python = ">=3.11"
`;
const PYFAASM_INIT = `"""pyfaasm."""

__version__ = "0.1.0"
`;
const PYFAASM_RECIPE = `{
  "name": "pyfaasm",
  "version": "0.1.0",
  "sources": [{ "kind": "repo", "path": "pyfaasm" }]
}
`;
const WORKFLOW = `jobs:
  test:
    container: ghcr.io/faasm/cpython:0.1.0
    steps:
      - run: echo ghcr.io/faasm/cpython:\${{ inputs.tag }} cpython:0.1
`;

/** A temp copy of the project's real versioned-files.json and Dockerfile, plus fixtures. */
async function project(): Promise<string> {
  const root = await tempDir('faasm-versions-');
  await copyFile(join(REPO_ROOT, 'versioned-files.json'), join(root, 'versioned-files.json'));
  await copyFile(join(REPO_ROOT, 'Dockerfile'), join(root, 'Dockerfile'));
  const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
  // The real Dockerfile carries whatever VERSION the checkout has; the fixture pins 0.1.0.
  await writeFile(
    join(root, 'Dockerfile'),
    dockerfile.replace(/^ARG FAASM_PYTHON_VERSION=.*$/m, 'ARG FAASM_PYTHON_VERSION=0.1.0'),
  );
  await writeTree(root, {
    VERSION: '0.1.0\n',
    'package.json': PACKAGE_JSON,
    'package-lock.json': LOCK,
    'pyfaasm/pyproject.toml': PYPROJECT,
    'pyfaasm/pyfaasm/__init__.py': PYFAASM_INIT,
    'third-party/modules/pyfaasm/recipe.json': PYFAASM_RECIPE,
    '.github/workflows/tests.yml': WORKFLOW,
    'README.md': 'Use `faasm/cpython:0.1.0` as a base.\n',
  });
  return root;
}

/** Root ignores modes, so it gets the immutable flag (ext4 and most Linux file systems). */
async function makeUnwritable(path: string): Promise<void> {
  if (process.getuid?.() === 0) run(REPO_ROOT, 'chattr', ['+i', path]);
  else await chmod(path, 0o444);
}
async function makeWritable(path: string): Promise<void> {
  if (process.getuid?.() === 0) run(REPO_ROOT, 'chattr', ['-i', path]);
  else await chmod(path, 0o644);
}

/** Files a write left behind (writeAllOrNothing stages as <name>.tmp-...). */
async function tempFiles(root: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true });
  return all.filter((f) => /\.tmp-/.test(f));
}

const read = (root: string, rel: string) => readFile(join(root, rel), 'utf8');

async function snapshot(root: string, files: string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await read(root, f)])));
}

const ALL = [
  'VERSION',
  'package.json',
  'package-lock.json',
  'pyfaasm/pyproject.toml',
  'pyfaasm/pyfaasm/__init__.py',
  'third-party/modules/pyfaasm/recipe.json',
  'Dockerfile',
  '.github/workflows/tests.yml',
  'README.md',
];

afterAll(removeTempDirs);

describe('checkVersions', () => {
  test('every declared place agrees on VERSION', async () => {
    const root = await project();
    const report = await checkVersions(root);
    expect(report.version).toBe('0.1.0');
    expect(report.problems).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(new Set(report.files)).toEqual(new Set(ALL));
    // VERSION, package.json, 2 in the lock, pyproject, pyfaasm's __init__ and recipe,
    // Dockerfile, 1 workflow tag, README
    expect(report.occurrences).toHaveLength(10);
    expect(() => assertInStep(report)).not.toThrow();
  });

  test('names each file and line that disagrees', async () => {
    const root = await project();
    await writeFile(join(root, 'package.json'), PACKAGE_JSON.replace('"0.1.0"', '"0.0.9"'));
    await writeFile(
      join(root, '.github/workflows/tests.yml'),
      WORKFLOW.replace('cpython:0.1.0', 'cpython:0.0.8'),
    );
    const report = await checkVersions(root);
    expect(report.mismatches.map((m) => [m.file, m.line, m.found])).toEqual([
      ['package.json', 3, '0.0.9'],
      ['.github/workflows/tests.yml', 3, '0.0.8'],
    ]);
    expect(() => assertInStep(report)).toThrow(UserError);
    expect(() => assertInStep(report)).toThrow(
      /package\.json:3 has 0\.0\.9, expected 0\.1\.0; \.github\/workflows\/tests\.yml:3 has 0\.0\.8, expected 0\.1\.0; run 'faasm-python version --sync'\.$/,
    );
  });

  test('a missing required file is named; a missing glob match is fine', async () => {
    const root = await project();
    const { rm } = await import('node:fs/promises');
    await rm(join(root, 'pyfaasm'), { recursive: true });
    await rm(join(root, 'README.md'));
    const report = await checkVersions(root);
    expect(report.problems).toEqual([
      'pyfaasm/pyproject.toml is missing',
      'pyfaasm/pyfaasm/__init__.py is missing',
    ]);
    expect(() => assertInStep(report)).toThrow(
      'Versioned files are out of step with VERSION 0.1.0: pyfaasm/pyproject.toml is missing; pyfaasm/pyfaasm/__init__.py is missing; add the missing files or version lines (or fix versioned-files.json).',
    );
  });

  test('a required file without its version line is named', async () => {
    const root = await project();
    await writeFile(join(root, 'Dockerfile'), 'FROM scratch\n');
    expect((await checkVersions(root)).problems).toEqual([
      'Dockerfile has no line matching /^ARG FAASM_PYTHON_VERSION=(\\S+)$/',
    ]);
  });

  test('a workflow added later is covered without editing the list', async () => {
    const root = await project();
    await writeTree(root, {
      '.github/workflows/image.yml': 'image: ghcr.io/faasm/cpython:0.0.1\n',
    });
    const report = await checkVersions(root);
    expect(report.mismatches.map((m) => m.file)).toEqual(['.github/workflows/image.yml']);
  });

  test('pyproject.toml is compared in its PEP 440 spelling', async () => {
    const root = await project();
    await writeTree(root, { VERSION: '0.2.0-rc.1\n' });
    await syncVersions(root);
    expect(await read(root, 'pyfaasm/pyproject.toml')).toContain('version = "0.2.0rc1"');
    expect((await checkVersions(root)).mismatches).toEqual([]);
  });

  test('an invalid VERSION is one sentence', async () => {
    const root = await project();
    await writeTree(root, { VERSION: 'one point oh\n' });
    await expect(checkVersions(root)).rejects.toThrow(
      "VERSION 'one point oh' is not a semantic version",
    );
  });
});

describe('bumpVersion', () => {
  test('--minor rewrites every place and nothing else in those files', async () => {
    const root = await project();
    const before = await snapshot(root, ALL);
    const result = await bumpVersion(root, { part: 'minor' });
    expect(result).toEqual({ from: '0.1.0', to: '0.2.0', files: expect.any(Array) });
    expect(result.files[0]).toBe('VERSION');
    expect(new Set(result.files)).toEqual(new Set(ALL));
    const after = await snapshot(root, ALL);
    // Every file is exactly the old text with its version occurrences replaced.
    expect(after['package.json']).toBe(
      PACKAGE_JSON.replace('"version": "0.1.0"', '"version": "0.2.0"'),
    );
    expect(after['package-lock.json']).toBe(
      LOCK.replaceAll('"version": "0.1.0"', '"version": "0.2.0"'),
    );
    expect(after['package-lock.json']).toContain('"version": "7.8.6"');
    expect(after['.github/workflows/tests.yml']).toBe(
      WORKFLOW.replace('cpython:0.1.0', 'cpython:0.2.0'),
    );
    expect(after['Dockerfile']).toBe(
      before['Dockerfile']?.replace('FAASM_PYTHON_VERSION=0.1.0', 'FAASM_PYTHON_VERSION=0.2.0'),
    );
    expect(after['VERSION']).toBe('0.2.0\n');
    expect((await checkVersions(root)).mismatches).toEqual([]);
  });

  test('after --minor, a hand-reverted pyfaasm __init__.py is drift that check names', async () => {
    const root = await project();
    await bumpVersion(root, { part: 'minor' });
    expect(await read(root, 'pyfaasm/pyfaasm/__init__.py')).toContain('__version__ = "0.2.0"');
    expect(await read(root, 'third-party/modules/pyfaasm/recipe.json')).toContain(
      '"version": "0.2.0"',
    );
    await writeFile(join(root, 'pyfaasm/pyfaasm/__init__.py'), PYFAASM_INIT);
    const report = await checkVersions(root);
    expect(report.mismatches.map((m) => `${m.file}:${m.line} ${m.found}`)).toEqual([
      'pyfaasm/pyfaasm/__init__.py:3 0.1.0',
    ]);
    expect(() => assertInStep(report)).toThrow(
      /pyfaasm\/pyfaasm\/__init__\.py:3 has 0\.1\.0, expected 0\.2\.0/,
    );
  });

  test('with one unwritable file nothing changes and no temp file is left', async () => {
    const root = await project();
    const before = await snapshot(root, ALL);
    const target = join(root, 'pyfaasm/pyfaasm/__init__.py');
    await makeUnwritable(target);
    try {
      await expect(bumpVersion(root, { part: 'minor' })).rejects.toThrow(
        /^Cannot write pyfaasm\/pyfaasm\/__init__\.py \(.*\); nothing was changed/,
      );
    } finally {
      await makeWritable(target);
    }
    expect(await snapshot(root, ALL)).toEqual(before);
    expect(await tempFiles(root)).toEqual([]);
  });

  test('--minor --pre rc then --pre rc then --minor', async () => {
    const root = await project();
    expect((await bumpVersion(root, { part: 'minor', pre: 'rc' })).to).toBe('0.2.0-rc.1');
    expect(await read(root, 'pyfaasm/pyproject.toml')).toContain('version = "0.2.0rc1"');
    expect(await read(root, 'README.md')).toContain('cpython:0.2.0-rc.1');
    expect((await bumpVersion(root, { pre: 'rc' })).to).toBe('0.2.0-rc.2');
    // The README's pre-release tag is matched whole and replaced, not appended to.
    expect(await read(root, 'README.md')).toBe('Use `faasm/cpython:0.2.0-rc.2` as a base.\n');
    expect((await bumpVersion(root, { part: 'minor' })).to).toBe('0.2.0');
    expect(await read(root, 'README.md')).toBe('Use `faasm/cpython:0.2.0` as a base.\n');
  });

  const refusals: [string, (root: string) => Promise<void>, object, RegExp][] = [
    ['no part named', async () => undefined, {}, /Name the part to bump/],
    [
      'no part named, even when files are out of step',
      async (root) => writeFile(join(root, 'README.md'), 'cpython:0.0.3\n'),
      {},
      /^Name the part to bump/,
    ],
    ['an invalid --set', async () => undefined, { set: '1.0' }, /not a semantic version/],
    [
      'files out of step',
      async (root) => writeFile(join(root, 'README.md'), 'cpython:0.0.3\n'),
      { part: 'patch' },
      /out of step.*README\.md:1 has 0\.0\.3/,
    ],
    [
      'a required file missing its version',
      async (root) => writeFile(join(root, 'Dockerfile'), 'FROM scratch\n'),
      { part: 'patch' },
      /Dockerfile has no/,
    ],
  ];
  test.each(refusals)('refuses %s and writes nothing', async (_name, setup, req, message) => {
    const root = await project();
    await setup(root);
    const before = await snapshot(root, ALL);
    await expect(bumpVersion(root, req)).rejects.toThrow(message);
    await expect(bumpVersion(root, req)).rejects.toBeInstanceOf(UserError);
    expect(await snapshot(root, ALL)).toEqual(before);
  });
});

describe('versioned-files.json', () => {
  test('entries are validated', () => {
    expect(() => parseRules({ files: [] })).toThrow(/at least one entry/);
    expect(() => parseRules({ files: [{ pattern: 'x(y)' }] })).toThrow(/"path" and "glob"/);
    expect(() => parseRules({ files: [{ path: 'a', pattern: 'x(y)', json: ['v'] }] })).toThrow(
      /"pattern" and "json"/,
    );
    expect(() => parseRules({ files: [{ path: 'a', pattern: 'x(y)(z)' }] })).toThrow(
      /exactly one capture group, not 2/,
    );
    expect(() => parseRules({ files: [{ path: 'a', pattern: 'xy' }] })).toThrow(/not 0/);
    expect(() => parseRules({ files: [{ path: 'a', pattern: '(' }] })).toThrow(/bad pattern/);
    expect(() => parseRules({ files: [{ path: 'a', json: ['v'], format: 'npm' }] })).toThrow(
      /"format"/,
    );
    expect(parseRules({ files: [{ glob: 'a/*.yml', pattern: 'v(\\S+)' }] })).toHaveLength(1);
  });

  test('globs match * and ? within one directory level', async () => {
    const root = await tempDir('faasm-glob-');
    await writeTree(root, { 'w/a.yml': '', 'w/b.yaml': '', 'w/sub/c.yml': '', 'x.yml': '' });
    expect(await expandGlob(root, 'w/*.yml')).toEqual(['w/a.yml']);
    expect(await expandGlob(root, '*/?.y*')).toEqual(['w/a.yml', 'w/b.yaml']);
    expect(await expandGlob(root, 'nothing/*.yml')).toEqual([]);
    expect(await expandGlob(root, 'x.yml')).toEqual(['x.yml']);
  });

  test("the project's own list covers the project's own files", async () => {
    const report = await checkVersions(REPO_ROOT).catch((e: Error) => e);
    // pyfaasm may not exist yet in this checkout; everything else must already agree.
    if (report instanceof Error) throw report;
    const others = report.problems.filter((p) => !p.startsWith('pyfaasm/'));
    expect(others).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(report.files).toEqual(expect.arrayContaining(['VERSION', 'package.json', 'Dockerfile']));
  });
});
