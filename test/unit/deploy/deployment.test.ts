import { describe, expect, test } from '@jest/globals';
import {
  chooseRecipes,
  closeDeployment,
  pinnedSet,
  recipesFromIndex,
} from '../../../src/deploy/deployment.js';
import type { Requirement } from '../../../src/deploy/requirements.js';
import type { ResolvedPackage } from '../../../src/modules/pypi.js';
import { type ModuleRecipe, parseRecipe } from '../../../src/modules/recipe.js';
import { UserError } from '../../../src/util/errors.js';

const H = (c: string) => c.repeat(64);

function recipe(name: string, version: string, extra: Record<string, unknown> = {}): ModuleRecipe {
  return parseRecipe(
    {
      name,
      version,
      kind: 'pure',
      sources: [
        {
          kind: 'url',
          url: `https://x.org/${name}.tar.gz`,
          file: `${name}.tar.gz`,
          sha256: H('a'),
        },
      ],
      test: `import ${name}`,
      ...extra,
    },
    `third-party/modules/${name}/recipe.json`,
  );
}

const REPO = [
  recipe('pyfaasm', '0.5.0'),
  recipe('six', '1.16.0'),
  recipe('genshi', '0.7.9', { requires: ['six'] }),
  recipe('python-dateutil', '2.9.0', { requires: ['six'], set: 'optional' }),
  recipe('ujson', '6.1.0'),
  recipe('broken', '1.0', { set: 'experimental', why: 'it does not build' }),
];

const req = (name: string, spec = '', hashes: string[] = []): Requirement => ({
  name,
  specifiers: spec ? [{ op: spec.slice(0, 2) as '==', version: spec.slice(2) }] : [],
  hashes,
  where: [`requirements.txt:1`],
});

describe('a deployment', () => {
  test('is the recipes the file names, what they require, and pyfaasm; nothing of the default set else', () => {
    const { chosen, missing } = chooseRecipes(
      [req('genshi', '>=0.7'), req('python-dateutil')],
      REPO,
    );
    expect(missing).toEqual([]);
    const d = closeDeployment('requirements.txt', [...chosen.values()], REPO);
    // Build order: each after what it requires.
    expect(d.recipes.map((r) => r.name)).toEqual(['pyfaasm', 'six', 'genshi', 'python-dateutil']);
    expect(pinnedSet(d)).toEqual([
      'genshi==0.7.9',
      'pyfaasm==0.5.0',
      'python-dateutil==2.9.0',
      'six==1.16.0',
    ]);
  });

  test('leaves to the package index a requirement no recipe meets', () => {
    const { chosen, missing } = chooseRecipes(
      [req('six', '>=2'), req('pandas'), req('ujson', '==6.1.0')],
      REPO,
    );
    expect([...chosen.keys()]).toEqual(['ujson']);
    expect(missing.map((m) => m.name)).toEqual(['six', 'pandas']);
  });

  test('checks a --hash against the recipe source', () => {
    expect(chooseRecipes([req('six', '', [H('a')])], REPO).chosen.size).toBe(1);
    expect(() => chooseRecipes([req('six', '', [H('b')])], REPO)).toThrow(
      /requirements\.txt:1: no --hash given for six matches the sha256 of its source six\.tar\.gz/,
    );
  });

  test('an experimental module it names must build: it is not left out quietly', () => {
    const d = closeDeployment('r.txt', [REPO[5]!], REPO);
    expect(d.recipes.find((r) => r.name === 'broken')!.set).toBe('optional');
  });

  test('takes what the index resolved: the repository recipe at that version, else the one modules add writes', () => {
    const pkg = (name: string, version: string, requires: string[] = []): ResolvedPackage => ({
      name,
      version,
      summary: '',
      kind: 'pure',
      source: {
        kind: 'url',
        url: `https://x.org/${name}-${version}.whl`,
        file: `${name}-${version}-py3-none-any.whl`,
        sha256: H('c'),
      },
      buildRequires: [],
      requires,
      imports: [name.replace(/-/g, '_')],
      requested: name === 'tzlocal',
    });
    const got = recipesFromIndex(
      'r.txt',
      [req('tzlocal')],
      [pkg('tzlocal', '5.3', ['six']), pkg('six', '1.16.0')],
      REPO,
      new Map(),
    );
    expect(got.map((r) => `${r.name} ${r.version} ${r.set}`)).toEqual([
      'tzlocal 5.3 optional',
      'six 1.16.0 default',
    ]);
    expect(got[1]).toBe(REPO[1]);
    const d = closeDeployment('r.txt', got, REPO);
    expect(d.recipes.map((r) => r.name)).toEqual(['pyfaasm', 'six', 'tzlocal']);
    // A version the index needs that another line's recipe contradicts: one sentence.
    expect(() =>
      recipesFromIndex(
        'r.txt',
        [req('tzlocal')],
        [pkg('six', '1.17.0')],
        REPO,
        new Map([['six', REPO[1]!]]),
      ),
    ).toThrow(
      /r\.txt: six 1\.16\.0 \(its recipe\) meets the file, but tzlocal needs six 1\.17\.0; pin six==1\.17\.0/,
    );
  });

  test('a module that requires one with no recipe is one sentence', () => {
    const lonely = recipe('lonely', '1.0', { requires: ['ghost'] });
    expect(() => closeDeployment('r.txt', [lonely], REPO)).toThrow(UserError);
    expect(() => closeDeployment('r.txt', [lonely], REPO)).toThrow(
      /lonely requires 'ghost', which has no recipe; add it with 'faasm-python modules add ghost'/,
    );
  });
});
