import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths.js';
import {
  asPureWheel,
  compatRecipes,
  failureReason,
  mergeResults,
  pureFallback,
  readCompatEntries,
  renderCompat,
  scrubReason,
  withNotes,
} from '../../../src/modules/compat.js';
import { checkBuiltExtensions, checkTestExtensions } from '../../../src/modules/module-layer.js';
import { buildFailure } from '../../../src/modules/pep517.js';
import { type ResolvedPackage, recipeFor, writeRecipes } from '../../../src/modules/pypi.js';
import { parseRecipe } from '../../../src/modules/recipe.js';
import { parseRanking, readRanking, requirementName } from '../../../src/modules/top-pypi.js';
import { ExecError, UserError } from '../../../src/util/errors.js';

const HASH = 'b'.repeat(64);
const pkg = (over: Partial<ResolvedPackage> = {}): ResolvedPackage => ({
  name: 'ujson',
  version: '5.10.0',
  summary: 'Ultra fast JSON',
  kind: 'c-extension',
  source: {
    kind: 'url',
    url: 'https://files.example/ujson-5.10.0.tar.gz',
    file: 'ujson-5.10.0.tar.gz',
    sha256: HASH,
  },
  backend: 'setuptools.build_meta',
  buildRequires: [
    {
      name: 'setuptools',
      version: '80.0',
      sources: [
        {
          kind: 'url',
          url: 'https://files.example/setuptools-80.0-py3-none-any.whl',
          file: 'setuptools-80.0-py3-none-any.whl',
          sha256: HASH,
        },
      ],
    },
  ],
  requires: [],
  imports: ['ujson'],
  requested: true,
  ...over,
});

/** six as a pure dependency of the requested package. */
const sixDep = () =>
  pkg({
    name: 'six',
    version: '1.17.0',
    kind: 'pure',
    requested: false,
    imports: ['six'],
    buildRequires: [],
  });

describe('modules add', () => {
  test('writes a recipe the schema accepts, pinned, with its build requirements and an import test', () => {
    const json = recipeFor(pkg(), 'ujson==5.10.0');
    const r = parseRecipe(json, 'third-party/modules/ujson/recipe.json', 'ujson');
    expect(r).toMatchObject({ kind: 'c-extension', version: '5.10.0', test: 'import ujson' });
    expect(r.sources).toEqual([pkg().source]);
    expect(r.buildRequires.map((b) => b.name)).toEqual(['setuptools']);
    expect(json.$schema).toBe('../recipe.schema.json');
    expect(String(json.$comment)).toMatch(/modules add ujson==5\.10\.0/);
  });

  test('keeps an existing recipe unless the package is named with --force; writes new ones', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'fp-add-'));
    try {
      await cp(
        join(REPO_ROOT, 'third-party', 'modules', 'six'),
        join(repo, 'third-party', 'modules', 'six'),
        { recursive: true },
      );
      const before = await readFile(
        join(repo, 'third-party', 'modules', 'six', 'recipe.json'),
        'utf8',
      );
      const six = sixDep();
      const r = await writeRecipes(repo, [pkg(), six], 'ujson', false);
      expect(r).toEqual({ written: ['third-party/modules/ujson/recipe.json'], kept: ['six'] });
      expect(
        await readFile(join(repo, 'third-party', 'modules', 'six', 'recipe.json'), 'utf8'),
      ).toBe(before);
      expect((await readdir(join(repo, 'third-party', 'modules', 'ujson'))).sort()).toEqual([
        'recipe.json',
      ]);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('build results', () => {
  const recipe = parseRecipe(
    recipeFor(pkg(), 'ujson'),
    'third-party/modules/ujson/recipe.json',
    'ujson',
  );
  const ext = { name: 'ujson', init: 'PyInit_ujson', archive: 'ext/ujson.a' };

  test('a c-extension must build at least one extension, a pure module none', () => {
    expect(() => checkBuiltExtensions(recipe, [])).toThrow(/produced no extension module/);
    expect(() => checkBuiltExtensions(recipe, [ext])).not.toThrow();
    expect(() => checkBuiltExtensions({ ...recipe, kind: 'pure' }, [ext])).toThrow(
      /make it kind 'c-extension'/,
    );
    expect(() =>
      checkBuiltExtensions(
        { ...recipe, extensions: [{ name: 'ujson._x', sources: [], cflags: [] }] },
        [ext],
      ),
    ).toThrow(/produced no ujson\._x \(it built: ujson\)/);
  });

  test('a c-extension whose backend built a pure-tagged wheel and no extension is accepted as pure', () => {
    const wheel = 'charset_normalizer-3.5.3-py3-none-any.whl';
    expect(checkBuiltExtensions(recipe, [], wheel)).toBe(
      `built pure: its compiled code is optional and its backend built none (${wheel})`,
    );
    expect(checkBuiltExtensions(recipe, [ext], wheel)).toBeUndefined();
    // A platform wheel without extensions: the backend meant to compile something.
    expect(() =>
      checkBuiltExtensions(recipe, [], 'x-1.0-cp311-cp311-wasi_0_0_0_wasm32.whl'),
    ).toThrow(/produced no extension module/);
    // A recipe that names its extensions wants them, whatever the wheel's tag.
    const named = { ...recipe, extensions: [{ name: 'ujson', sources: [], cflags: [] }] };
    expect(() => checkBuiltExtensions(named, [], wheel)).toThrow(/produced no ujson/);
  });

  test('every test-only extension the recipe names must have been built', () => {
    const tests = { ...recipe, testExtensions: ['ujson._tests'] };
    const built = { name: 'ujson._tests', init: 'PyInit_ujson__tests', archive: 'ext/t.a' };
    expect(() => checkTestExtensions(tests, [built])).not.toThrow();
    expect(() => checkTestExtensions(tests, [])).toThrow(
      /produced no ujson\._tests, named in 'testExtensions'/,
    );
  });

  test.each([
    ['fatal error: pthread.h: file not found', /needs threads, which WASI does not provide/],
    ["src/net.c:3:10: fatal error: 'sys/socket.h' file not found", /needs sockets/],
    ['error: use of undeclared identifier dlopen', /needs dlopen/],
    ['error: expected expression', /its build failed: error: expected expression/],
    [
      'faasm-missing-requires: Cython>=3.1',
      /its backend also asks for Cython>=3\.1 \(get_requires_for_build_wheel\), which .* does not pin; add it to the recipe's buildRequires\.$/,
    ],
  ])('a failed build is one sentence naming the package and why: %s', (line, why) => {
    const msg = buildFailure(recipe, new ExecError('x', 1, ['compiling', line], '/tmp/m.log'));
    expect(msg).toMatch(/^ujson 5\.10\.0 cannot be built/);
    expect(msg).toMatch(why);
    if (!line.startsWith('faasm-missing')) expect(msg).toMatch(/see \/tmp\/m\.log\.$/);
  });
});

describe('the compatibility table', () => {
  test('uses the repository recipe of a dependency at the same version, and the entry test', () => {
    const six = parseRecipe(
      recipeFor(sixDep(), 'six'),
      'third-party/modules/six/recipe.json',
      'six',
    );
    const own = { ...six, test: 'import six  # the repository recipe' };
    const recipes = compatRecipes(
      { requirement: 'ujson==5.10.0', test: ['import ujson', 'assert ujson.dumps(1) == "1"'] },
      [pkg({ requires: ['six'] }), sixDep()],
      [own],
    );
    expect(recipes.map((r) => r.name)).toEqual(['six', 'ujson']);
    expect(recipes[0]!.test).toBe('import six  # the repository recipe');
    expect(recipes[1]!.test).toBe('import ujson\nassert ujson.dumps(1) == "1"');
  });

  test("a dependency without a repository recipe is tested by importing it, not with the entry's test", () => {
    const recipes = compatRecipes(
      { requirement: 'ujson==5.10.0', test: ['import ujson', 'assert ujson.dumps(1) == "1"'] },
      [pkg({ requires: ['six'] }), sixDep()],
      [],
    );
    expect(recipes.map((r) => [r.name, r.test])).toEqual([
      ['six', 'import six'],
      ['ujson', 'import ujson\nassert ujson.dumps(1) == "1"'],
    ]);
  });

  test("the requested package's repository recipe at the same version is used, with both tests", () => {
    const own = {
      ...parseRecipe(recipeFor(pkg(), 'ujson'), 'third-party/modules/ujson/recipe.json', 'ujson'),
      pipEnv: { FIX: '1' },
      test: 'import ujson  # the recipe',
    };
    const [recipe] = compatRecipes(
      { requirement: 'ujson==5.10.0', test: ['assert ujson.dumps(1) == "1"'] },
      [pkg()],
      [own],
    );
    expect(recipe!.pipEnv).toEqual({ FIX: '1' });
    expect(recipe!.test).toBe('import ujson  # the recipe\nassert ujson.dumps(1) == "1"');
    const [other] = compatRecipes(
      { requirement: 'ujson', test: ['pass'] },
      [pkg()],
      [{ ...own, version: '1.0' }],
    );
    expect(other!.pipEnv).toEqual({});
    expect(other!.test).toBe('pass');
  });

  test('renders passes and failures with sizes against the smallest pure interpreter', () => {
    const md = renderCompat(
      [
        {
          requirement: 'six',
          name: 'six',
          version: '1.17.0',
          kind: 'pure',
          file: 'six.whl',
          passed: true,
          extensions: [],
          siteBytes: 34000,
          interpreterBytes: 8_000_000,
        },
        {
          requirement: 'ujson',
          name: 'ujson',
          version: '5.10.0',
          kind: 'c-extension',
          file: 'u.tar.gz',
          passed: true,
          extensions: ['ujson'],
          siteBytes: 2048,
          interpreterBytes: 8_102_400,
        },
        {
          requirement: 'psutil',
          name: 'psutil',
          version: '7',
          kind: 'c-extension',
          file: 'p.tar.gz',
          passed: false,
          reason: 'psutil 7 cannot be built | x',
          note: 'it reads /proc.',
          extensions: [],
          siteBytes: 0,
        },
      ],
      'test',
    );
    expect(md).toMatch(/2 of 3 pass; 1 of 2 with compiled code\./);
    expect(md).toMatch(
      /\| ujson \| 5\.10\.0 \| c-extension \| passes \(built-in: `ujson`\) \| 2 KiB \| 100 KiB \|/,
    );
    expect(md).toMatch(
      /\| psutil \| 7 \| c-extension \| fails: psutil 7 cannot be built \\\| x Cause: it reads \/proc\. \| {2}\| {2}\|/,
    );
  });

  test('with the ranking and pyodide: ranked rows by rank with their totals, the others after', () => {
    const row = (name: string, kind: string, passed: boolean, extensions: string[] = []) => ({
      requirement: name,
      name,
      version: '1',
      kind,
      file: 'f',
      passed,
      extensions,
      siteBytes: 1024,
      interpreterBytes: 8_000_000,
      ...(passed ? {} : { reason: `${name} fails` }),
    });
    const ranking = parseRanking({
      source: {
        repository: 'https://github.com/hugovk/top-pypi-packages',
        file: 'top-pypi-packages.json',
        commit: 'a'.repeat(40),
        last_update: '2026-04-01 06:34:06',
      },
      packages: [
        { rank: 1, name: 'Zope.Interface' },
        { rank: 2, name: 'six' },
        { rank: 3, name: 'psutil' },
      ],
    });
    const pyodide = {
      version: '314.0.7',
      python: '3.14.2',
      packages: new Map([['six', '1.17.0']]),
    };
    const md = renderCompat(
      [
        row('psutil', 'c-extension', false),
        row('extra', 'pure', true),
        row('six', 'pure', true),
        { ...row('zope.interface', 'c-extension', true, ['zi']), requirement: 'zope.interface==8' },
      ],
      'test',
      { ranking, pyodide },
    );
    expect(md).toContain('in the 30 days to 2026-04-01');
    expect(md).toMatch(
      /3 of them attempted: 2 of 3 pass; 1 of 2 with compiled code\. pyodide 314\.0\.7 \(CPython 3\.14\.2\) builds 1 of these 3/,
    );
    const lines = md.split('\n').filter((l) => /^\| \d/.test(l));
    expect(lines.map((l) => l.split('|')[2]!.trim())).toEqual(['zope.interface', 'six', 'psutil']);
    expect(lines[0]).toMatch(/\| no \|$/);
    expect(lines[1]).toMatch(/\| built \(1\.17\.0\) \|$/);
    expect(md).toMatch(
      /## Other packages\n\n1 of 1 pass[^\n]*\n\n\| rank \|[^\n]*\n[^\n]*\n\| {2}\| extra \|.*\| micropip \(pure wheel\) \|/,
    );
  });

  test('the ranking file must be complete and ranked in order', () => {
    const source = {
      repository: 'r',
      file: 'f',
      commit: 'a'.repeat(40),
      last_update: '2026-04-01',
    };
    expect(() => parseRanking({ source, packages: [{ rank: 2, name: 'a' }] })).toThrow(
      /packages\[0\] must be \{name, rank: 1\}/,
    );
    expect(() => parseRanking({ source: { ...source, commit: 'main' }, packages: [] })).toThrow(
      /'source' must name/,
    );
    expect(requirementName('zope.interface==8.7')).toBe('zope-interface');
    expect(requirementName('Typing_Extensions>=4; python_version>"3"')).toBe('typing-extensions');
  });

  test('the committed ranking and compat.json: every ranked project has one entry', async () => {
    const ranking = await readRanking(REPO_ROOT);
    expect(ranking.ranks.size).toBe(100);
    const entries = await readCompatEntries(REPO_ROOT);
    const names = entries.map((e) => requirementName(e.requirement));
    expect(new Set(names).size).toBe(names.length);
    for (const name of ranking.ranks.keys()) expect(names).toContain(name);
  });

  test("a compiled build that failed falls back to the project's own pure wheel, when it has one", () => {
    const wheel = {
      kind: 'url' as const,
      url: 'https://files.example/ujson-5.10.0-py3-none-any.whl',
      file: 'ujson-5.10.0-py3-none-any.whl',
      sha256: HASH,
    };
    const failed = new UserError(
      'ujson 5.10.0 cannot be built for wasm32-wasi: its build failed: setjmp.h: error.',
    );
    expect(pureFallback([pkg()], failed)).toBeUndefined();
    const withWheel = pkg({ pureWheel: wheel });
    expect(pureFallback([sixDep(), withWheel], failed)).toBe(withWheel);
    expect(pureFallback([withWheel], new UserError('The test of ujson failed'))).toBeUndefined();
    const pure = asPureWheel(withWheel);
    expect([pure.kind, pure.source, pure.buildRequires, pure.backend, pure.pureWheel]).toEqual([
      'pure',
      wheel,
      [],
      undefined,
      undefined,
    ]);
    expect(recipeFor(pure, 'ujson').sources).toEqual([wheel]);
  });

  test('a failure reason is the first sentence and the exception a test raised', () => {
    const err = new UserError(
      'The test of x failed inside the wasm runtime (exit 1):\nTraceback\n  File "<string>"\nAssertionError: nope',
    );
    expect(failureReason(err)).toBe(
      'The test of x failed inside the wasm runtime (exit 1): AssertionError: nope',
    );
  });

  test('re-attempted packages replace their rows; the others stay, in compat.json order', () => {
    const row = (requirement: string, passed: boolean) => ({
      requirement,
      name: requirement.split('==')[0]!,
      version: requirement.split('==')[1]!,
      kind: 'pure',
      file: 'f',
      passed,
      extensions: [],
      siteBytes: 1,
    });
    const entries = ['a==1', 'b==2', 'c==3'].map((requirement) => ({ requirement, test: [] }));
    const merged = mergeResults(
      entries,
      [row('a==1', true), row('b==1', true), row('c==3', false)],
      [row('c==3', true)],
    );
    expect(merged.map((r) => [r.requirement, r.passed])).toEqual([
      ['a==1', true],
      ['c==3', true],
    ]);
    const noted = withNotes(
      [{ requirement: 'c==3', test: [], note: 'it needs threads.' }],
      [row('a==1', false), row('c==3', false), { ...row('c==3', true), requirement: 'c==3' }],
    );
    expect(noted.map((r) => r.note)).toEqual([undefined, 'it needs threads.', undefined]);
  });

  test.each([
    [
      'psutil 7 cannot be built for wasm32-wasi: its build failed: /tmp/tmphdlh3t.c:1:10: fatal error: x; see /root/.cache/faasm-python/logs/modules-be43.log.',
      "psutil 7 cannot be built for wasm32-wasi: its build failed: a configure check's test file:1:10: fatal error: x.",
    ],
    [
      'The test of regex (third-party/modules/compat.json (regex==1)) failed inside the wasm runtime (exit 1): E',
      'The test of regex failed inside the wasm runtime (exit 1): E',
    ],
    [
      "it needs setjmp/longjmp (/root/.cache/faasm-python/work/module-protobuf-19d1/src/protobuf/upb/port/def.inc:104:10: fatal error: 'setjmp.h' file not found)",
      "it needs setjmp/longjmp (upb/port/def.inc:104:10: fatal error: 'setjmp.h' file not found)",
    ],
    [
      "third-party/modules/compat.json (tomli==2): tomli is kind 'c-extension' but",
      "tomli is kind 'c-extension' but",
    ],
  ])('a reason in the table names no path of the run that found it: %s', (text, scrubbed) => {
    expect(scrubReason(text)).toBe(scrubbed);
  });

  test('a wasm trap is named by its RuntimeError, not by the runtime trailer after it', () => {
    const err = new UserError(
      [
        'The test of regex failed inside the wasm runtime (exit 1):',
        'wasm://wasm/020f5f82:1',
        '',
        '',
        'RuntimeError: null function or function signature mismatch',
        '    at wasm://wasm/020f5f82:wasm-function[1427]:0x878e8',
        '',
        'Node.js v20.20.2',
      ].join('\n'),
    );
    expect(failureReason(err)).toBe(
      'The test of regex failed inside the wasm runtime (exit 1): RuntimeError: null function or function signature mismatch',
    );
  });
});
