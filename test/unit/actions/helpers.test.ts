import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { debCacheKey, downloadSize } from '../../../src/actions/apt-cache.js';
import { collectFunctions, tracebackLine } from '../../../src/actions/functions.js';

describe('the .deb archive cache', () => {
  test('its key follows the runner image and the package set, not the order', () => {
    const env = { ImageOS: 'ubuntu24', ImageVersion: '20261116.1' };
    const key = debCacheKey(['clang-16', 'lld-16'], env);
    expect(key).toMatch(/^debs-ubuntu24-20261116\.1-\w+-[0-9a-f]{16}$/);
    expect(debCacheKey(['lld-16', 'clang-16'], env)).toBe(key);
    expect(debCacheKey(['clang-16'], env)).not.toBe(key);
    expect(debCacheKey(['clang-16', 'lld-16'], { ...env, ImageVersion: '20261123.1' })).not.toBe(
      key,
    );
  });

  test('what apt downloaded, read from its output', () => {
    expect(downloadSize('Need to get 0 B/48.2 MB of archives.\nAfter this operation...')).toBe(
      '0 B',
    );
    expect(downloadSize('Need to get 48.2 MB of archives.')).toBe('48.2 MB');
    expect(downloadSize('Need to get 1,024 kB/2,048 kB of archives.')).toBe('1,024 kB');
    expect(downloadSize('0 upgraded, 0 newly installed')).toBeUndefined();
  });
});

describe('run-functions helpers', () => {
  test('functions are .py files or directories of them, named after the file', async () => {
    const base = await mkdtemp(join(tmpdir(), 'funcs-'));
    await mkdir(join(base, 'examples'));
    for (const f of ['hello.py', 'chain.py', '_helper.py', 'notes.txt']) {
      await writeFile(join(base, 'examples', f), '');
    }
    await writeFile(join(base, 'extra.py'), '');
    const found = await collectFunctions(base, ['examples', 'extra.py']);
    expect(found.map((f) => f.func)).toEqual(['chain', 'extra', 'hello']);
    await expect(collectFunctions(base, ['missing'])).rejects.toThrow("Input 'functions' names");
    await writeFile(join(base, 'hello.py'), '');
    await expect(collectFunctions(base, ['examples', 'hello.py'])).rejects.toThrow(
      "Two functions are called 'hello'",
    );
    // The one name rule (runner/functions.ts): no '..', whatever the file is called.
    await writeFile(join(base, 'a..b.py'), '');
    await expect(collectFunctions(base, ['a..b.py'])).rejects.toThrow(
      'does not make a Faasm function name',
    );
  });

  test("a traceback points at the last frame in the function's own file", () => {
    const stderr = [
      'Traceback (most recent call last):',
      '  File "/lib/python3.11/runpy.py", line 88, in _run_code',
      '  File "/pyfuncs/python/divide/function.py", line 4, in faasm_main',
      '  File "/pyfuncs/python/divide/function.py", line 9, in helper',
      '  File "/lib/python3.11/fractions.py", line 100, in __new__',
      'ZeroDivisionError: division by zero',
    ].join('\n');
    expect(tracebackLine(stderr, 'python', 'divide')).toBe(9);
    expect(tracebackLine(stderr, 'python', 'other')).toBeUndefined();
  });
});
