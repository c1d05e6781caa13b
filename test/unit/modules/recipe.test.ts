import { describe, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../../../src/paths.js';
import {
  type ModuleRecipe,
  adhocRecipe,
  parseRecipe,
  readAllRecipes,
  selectRecipes,
} from '../../../src/modules/recipe.js';
import { UserError } from '../../../src/util/errors.js';

const FILE = 'third-party/modules/pyaes/recipe.json';
const HASH = 'a'.repeat(64);

function valid(): Record<string, unknown> {
  return {
    name: 'pyaes',
    version: '1.6.1',
    kind: 'pure',
    sources: [
      {
        kind: 'url',
        url: 'https://example.org/pyaes-1.6.1.tar.gz',
        file: 'pyaes-1.6.1.tar.gz',
        sha256: HASH,
      },
      {
        kind: 'debian-source',
        package: 'pyaes/bookworm',
        suite: 'bookworm',
        file: 'pyaes_1.6.1.orig.tar.gz',
        sha256: HASH,
      },
    ],
    test: ['import pyaes'],
  };
}

function withChange(change: (r: Record<string, unknown>) => void) {
  const r = valid();
  change(r);
  return r;
}

const parseError = (json: unknown) => {
  try {
    parseRecipe(json, FILE, 'pyaes');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('the recipe was accepted');
};

describe('recipe schema', () => {
  test('accepts a valid recipe and fills in the defaults', () => {
    const r = parseRecipe(valid(), FILE, 'pyaes');
    expect(r).toMatchObject({
      set: 'default',
      requires: [],
      patches: [],
      prune: [],
      extensions: [],
      testExtensions: [],
      libraries: [],
      test: 'import pyaes',
    });
    const lib = { name: 'yaml', version: '0.2.5', sources: valid().sources, compile: ['src/a.c'] };
    const withLib = parseRecipe({ ...valid(), libraries: [lib] }, FILE, 'pyaes');
    expect(withLib.libraries).toEqual([{ ...lib, include: [], cflags: [], patches: [] }]);
    const ext = { kind: 'c-extension', extensions: [{ name: 'pyaes._x' }] };
    expect(parseRecipe({ ...valid(), ...ext }, FILE, 'pyaes').extensions).toEqual([
      { name: 'pyaes._x', sources: [], cflags: [] },
    ]);
  });

  test("drops the recipe's own $schema and $comment: a comment is not part of its layer key", () => {
    const r = parseRecipe(
      { $schema: '../recipe.schema.json', $comment: 'why', ...valid() },
      FILE,
      'pyaes',
    );
    expect(Object.keys(r).filter((k) => k.startsWith('$'))).toEqual([]);
    expect(r).toEqual(parseRecipe(valid(), FILE, 'pyaes'));
  });

  test('leaves the JSON it was given as it was', () => {
    const json = valid();
    parseRecipe(json, FILE, 'pyaes');
    expect(json).toEqual(valid());
  });

  const sources = (r: Record<string, unknown>) => r.sources as Record<string, unknown>[];
  test.each<[string, (r: Record<string, unknown>) => void, string, RegExp]>([
    [
      'a short sha256',
      (r) => void (sources(r)[0]!.sha256 = 'abc'),
      'sources[0].sha256',
      /must be 64 hex characters/,
    ],
    [
      'an upper-case sha256',
      (r) => void (sources(r)[1]!.sha256 = HASH.toUpperCase()),
      'sources[1].sha256',
      /64 hex/,
    ],
    ['a missing version', (r) => void delete r.version, 'version', /is required/],
    [
      'an unknown kind',
      (r) => void (r.kind = 'binary'),
      'kind',
      /must be one of 'pure', 'c-extension'/,
    ],
    [
      'an unknown source kind',
      (r) => void (sources(r)[0]!.kind = 'git'),
      'sources[0].kind',
      /must be one of 'url'/,
    ],
    [
      'a source without its kind',
      (r) => void delete sources(r)[0]!.kind,
      'sources[0].kind',
      /is required: one of 'url', 'debian-source', 'debian-binary', 'path', 'repo'$/,
    ],
    [
      'a source with a field of another kind',
      (r) => void (sources(r)[0]!.suite = 'bookworm'),
      'sources[0].suite',
      /is not a known field \(the fields are: kind, url, file, sha256\)/,
    ],
    [
      'a source without its url',
      (r) => void delete sources(r)[0]!.url,
      'sources[0].url',
      /is required/,
    ],
    [
      'a file name with a directory',
      (r) => void (sources(r)[0]!.file = 'a/b.tar.gz'),
      'sources[0].file',
      /without a directory/,
    ],
    ['no sources', (r) => void (r.sources = []), 'sources', /at least 1 item/],
    ['a misspelt field', (r) => void (r.pathces = []), 'pathces', /is not a known field/],
    ['a test that is a number', (r) => void (r.test = 3), 'test', /string or a list of strings/],
    [
      'a patch outside the repository',
      (r) => void (r.patches = ['../x.patch']),
      'patches[0]',
      /stays inside/,
    ],
    [
      'a name unlike its directory',
      (r) => void (r.name = 'six'),
      'name',
      /must match the recipe's directory 'pyaes'/,
    ],
    [
      'extensions on a pure module',
      (r) => void (r.extensions = [{ name: 'pyaes._x', sources: ['x.c'] }]),
      'extensions',
      /kind 'pure'/,
    ],
    [
      'extensions with sources beside ones without',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'a._b', sources: ['a.c'] }, { name: 'a._c' }],
        }),
      'extensions',
      /for every extension or for none/,
    ],
    [
      'a bad extension name',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'genshi-speedups', sources: ['a.c'] }],
        }),
      'extensions[0].name',
      /dotted module name/,
    ],
    [
      'an extension source that is not C',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'a._b', sources: ['a.cpp'] }],
        }),
      'extensions[0].sources[0]',
      /\.c file/,
    ],
    [
      'a linker flag as a cflag',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'a._b', sources: ['a.c'], cflags: ['-lm'] }],
        }),
      'extensions[0].cflags[0]',
      /compiler flag/,
    ],
    ['an experimental module without why', (r) => void (r.set = 'experimental'), 'why', /say why/],
    [
      'a bad pip environment name',
      (r) => void (r.pipEnv = { 'no-way': '1' }),
      'pipEnv.no-way',
      /environment variable name/,
    ],
    [
      'a repo source beside others',
      (r) => sources(r).push({ kind: 'repo', path: 'pyfaasm' }),
      'sources',
      /only the 'repo' source/,
    ],
    [
      'a library file that climbs out of its source',
      (r) =>
        void (r.libraries = [
          { name: 'yaml', version: '0.2.5', sources: sources(r), compile: ['../evil.c'] },
        ]),
      'libraries[0].compile[0]',
      /must be a relative path to a \.c file/,
    ],
    [
      'a library patch that climbs out of the repository',
      (r) =>
        void (r.libraries = [
          {
            name: 'jpeg',
            version: '2.1.5',
            sources: sources(r),
            compile: ['jutils.c'],
            patches: ['/etc/passwd'],
          },
        ]),
      'libraries[0].patches[0]',
      /relative path/,
    ],
    [
      'libraries beside hand-compiled extensions',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'pyaes._x', sources: ['x.c'] }],
          libraries: [
            { name: 'yaml', version: '0.2.5', sources: sources(r), compile: ['src/a.c'] },
          ],
        }),
      'libraries',
      /go with a build by the package's own backend/,
    ],
    [
      'a test-only extension that is also a shipped one',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'a._b' }],
          testExtensions: ['a._tests', 'a._b'],
        }),
      'testExtensions[1]',
      /repeats 'a\._b'/,
    ],
    [
      'test-only extensions beside hand-compiled extensions',
      (r) =>
        Object.assign(r, {
          kind: 'c-extension',
          extensions: [{ name: 'a._b', sources: ['a.c'] }],
          testExtensions: ['a._tests'],
        }),
      'testExtensions',
      /go with a build by the package's own backend/,
    ],
    [
      'a library without its C files',
      (r) => void (r.libraries = [{ name: 'yaml', version: '0.2.5', sources: sources(r) }]),
      'libraries[0].compile',
      /is required/,
    ],
  ])('refuses %s, naming the file and the field', (_what, change, field, message) => {
    const msg = parseError(withChange(change));
    expect(msg.startsWith(`${FILE}: field '${field}' `)).toBe(true);
    expect(msg.slice(0, -1)).toMatch(message);
  });

  test('reports how many other fields are wrong', () => {
    const msg = parseError(withChange((r) => Object.assign(r, { version: 1, kind: 'x' })));
    expect(msg).toMatch(/field 'version' must be a string, not a number \(and 1 more: 'kind'\)\./);
    // In the order of the document, a missing field first; one error per field.
    const three = parseError(
      withChange((r) => {
        delete r.name;
        Object.assign(r, { pathces: 1, kind: 3 });
      }),
    );
    expect(three).toBe(`${FILE}: field 'name' is required (and 2 more: 'kind', 'pathces').`);
  });

  test('refuses a recipe that is not an object', () => {
    expect(parseError([])).toBe(`${FILE}: the recipe must be an object, not a list.`);
  });
});

describe('the recipes in this repository', () => {
  let all: ModuleRecipe[];
  test('all pass the schema', async () => {
    all = await readAllRecipes(REPO_ROOT);
    const names = all.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['genshi', 'jinja2', 'markupsafe', 'pyaes', 'pyfaasm', 'six']),
    );
    for (const r of all.filter((x) => x.set === 'experimental')) expect(r.why).toBeTruthy();
  });

  test('the default set puts every module after what it requires; experimental only on request', () => {
    const order = selectRecipes(all, { experimental: false }).map((r) => r.name);
    expect(order.indexOf('six')).toBeLessThan(order.indexOf('genshi'));
    expect(order.indexOf('markupsafe')).toBeLessThan(order.indexOf('jinja2'));
    const pyaes = all.find((r) => r.name === 'pyaes')!;
    const next = { ...pyaes, name: 'pyaes-next', set: 'experimental' as const, why: 'a test' };
    expect(selectRecipes([...all, next], { experimental: false })).not.toContain(next);
    expect(selectRecipes([...all, next], { experimental: true })).toContain(next);
    // An optional module (pandas) is a deployment's choice: not even --experimental builds it.
    const optional = { ...pyaes, name: 'pyaes-optional', set: 'optional' as const };
    for (const experimental of [false, true])
      expect(selectRecipes([...all, optional], { experimental })).not.toContain(optional);
    expect(selectRecipes([...all, optional], { experimental: false, names: [optional.name] })).toContain(optional); // prettier-ignore
  });

  test('a name selects the module and what it requires', () => {
    expect(
      selectRecipes(all, { experimental: false, names: ['jinja2'] }).map((r) => r.name),
    ).toEqual(['markupsafe', 'jinja2']);
  });

  test('an unknown module name is an error that lists the known ones', () => {
    expect(() => selectRecipes(all, { experimental: false, names: ['numpyy'] })).toThrow(
      /^Unknown module 'numpyy'; the modules with recipes are: .*genshi, jinja2, .*markupsafe.*pyaes, .*pyfaasm.*six.*--source and --sha256\.$/,
    );
  });
});

describe('a module without a recipe', () => {
  test('is a pure, unsupported module tried from the given source and tested by importing it', () => {
    const r = adhocRecipe('tomli', '/src/tomli-2.0.1.tar.gz', HASH);
    expect(r).toMatchObject({
      name: 'tomli',
      kind: 'pure',
      unsupported: true,
      sources: [
        { kind: 'path', path: '/src/tomli-2.0.1.tar.gz', file: 'tomli-2.0.1.tar.gz', sha256: HASH },
      ],
      test: 'import tomli',
    });
    expect(adhocRecipe('x', 'https://example.org/x-1.tar.gz', HASH).sources[0]).toMatchObject({
      kind: 'url',
    });
  });
});
