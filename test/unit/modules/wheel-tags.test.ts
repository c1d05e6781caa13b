import { describe, expect, test } from '@jest/globals';
import { cpythonLines, readCPythonConfig } from '../../../src/cpython/config.js';
import { readAllRecipes } from '../../../src/modules/recipe.js';
import { routesForPython, wheelFits, wheelTags } from '../../../src/modules/wheel-tags.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { UserError } from '../../../src/util/errors.js';

const CP311 = 'cython-3.3.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl';
const CP313 = 'cython-3.3.1-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl';
const route = (file: string) => ({
  kind: 'url' as const,
  url: `https://x/${file}`,
  file,
  sha256: 'a'.repeat(64),
});

describe('wheel tags', () => {
  test('reads the python and abi tags, with or without a build tag', () => {
    expect(wheelTags(CP311)).toEqual({ python: ['cp311'], abi: ['cp311'] });
    expect(wheelTags('x-1.0-1-py2.py3-none-any.whl')).toEqual({
      python: ['py2', 'py3'],
      abi: ['none'],
    });
    expect(wheelTags('numpy-2.4.6.tar.gz')).toBeUndefined();
  });

  test('a CPython wheel fits only its own minor version', () => {
    expect(wheelFits(CP311, '3.11.2')).toBe(true);
    expect(wheelFits(CP311, '3.13.5')).toBe(false);
    expect(wheelFits(CP313, '3.13.5')).toBe(true);
  });

  test('pure, abi3 and non-wheel files', () => {
    expect(wheelFits('cython-3.3.1-py3-none-any.whl', '3.13.5')).toBe(true);
    expect(wheelFits('cryptography-46-cp39-abi3-manylinux_2_28_x86_64.whl', '3.13.5')).toBe(true);
    expect(wheelFits('x-1-cp314-abi3-manylinux_2_28_x86_64.whl', '3.13.5')).toBe(false);
    expect(wheelFits('x-1-py2-none-any.whl', '3.13.5')).toBe(false);
    expect(wheelFits('meson-1.12.1.tar.gz', '3.13.5')).toBe(true);
  });

  test('picks the routes that fit, and names the fix when none does', () => {
    expect(
      routesForPython('cython', [route(CP311), route(CP313)], '3.13.5').map((r) => r.file),
    ).toEqual([CP313]);
    expect(() =>
      routesForPython('cython 3.3.1 (build requirement of numpy)', [route(CP311)], '3.13.5'),
    ).toThrow(UserError);
    expect(() => routesForPython('cython', [route(CP311)], '3.13.5')).toThrow(
      /add its wheel for cp313/,
    );
  });
});

describe("the repository's recipes", () => {
  // A wheel pinned for one line only fails that other line's build, and only there: checked here
  // so a new line (or a recipe written on one) cannot leave a build requirement behind.
  test('pin a wheel every CPython line can install for each build requirement', async () => {
    const { lines } = await cpythonLines(REPO_ROOT);
    const versions = await Promise.all(
      lines.map(async (l) => (await readCPythonConfig(REPO_ROOT, l)).version),
    );
    const missing: string[] = [];
    for (const recipe of await readAllRecipes(REPO_ROOT)) {
      for (const req of recipe.buildRequires ?? []) {
        for (const version of versions) {
          if (!req.sources.some((s) => wheelFits(s.file, version)))
            missing.push(`${recipe.name}: ${req.name} ${req.version} for ${version}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
