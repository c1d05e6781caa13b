import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import {
  InputError,
  getBoolean,
  getEnum,
  getInt,
  getList,
  getPath,
  getString,
} from '../../../src/actions/inputs.js';
import { cacheDir, workspaceRoot } from '../../../src/actions/context.js';

// The runner hands inputs over as INPUT_<NAME> (upper case, spaces as underscores, dashes kept).
const set = (name: string, value: string) => (process.env[`INPUT_${name.toUpperCase()}`] = value);
const touched = new Set<string>();
function input(name: string, value: string) {
  touched.add(`INPUT_${name.toUpperCase()}`);
  set(name, value);
}
afterEach(() => {
  for (const k of touched) delete process.env[k];
  touched.clear();
});

describe('getBoolean', () => {
  test.each([
    ['true', true],
    ['True', true],
    ['yes', true],
    ['1', true],
    ['false', false],
    ['FALSE', false],
    ['off', false],
  ])('%s is %s', (text, value) => {
    input('no-cache', text);
    expect(getBoolean('no-cache')).toBe(value);
  });

  test('empty gives the default', () => {
    expect(getBoolean('no-cache')).toBe(false);
    expect(getBoolean('no-cache', true)).toBe(true);
  });

  test('anything else is an InputError naming the input and the value', () => {
    input('no-cache', 'maybe');
    expect(() => getBoolean('no-cache')).toThrow(InputError);
    expect(() => getBoolean('no-cache')).toThrow(
      "Input 'no-cache' must be true or false, not 'maybe'.",
    );
  });
});

describe('getEnum', () => {
  test('accepts a listed value and defaults when empty', () => {
    input('engine', 'podman');
    expect(getEnum('engine', ['docker', 'podman'])).toBe('podman');
    input('engine', '');
    expect(getEnum('engine', ['docker', 'podman'], 'docker')).toBe('docker');
  });

  test('lists the choices on a bad value', () => {
    input('part', 'huge');
    expect(() => getEnum('part', ['major', 'minor', 'patch'])).toThrow(
      "Input 'part' must be one of major, minor, patch, not 'huge'.",
    );
  });

  test('an empty required choice says nothing was given', () => {
    expect(() => getEnum('part', ['major', 'minor'])).toThrow('not nothing');
  });
});

describe('getInt', () => {
  test('parses whole numbers within bounds', () => {
    input('jobs', '4');
    expect(getInt('jobs', { min: 1 })).toBe(4);
  });

  test.each(['0', '-2', '2.5', 'many'])('refuses %s', (text) => {
    input('jobs', text);
    expect(() => getInt('jobs', { min: 1, default: 2 })).toThrow(
      `Input 'jobs' must be a whole number of at least 1, not '${text}'.`,
    );
  });

  test('empty gives the default', () => {
    expect(getInt('jobs', { min: 1, default: 3 })).toBe(3);
  });

  test.each(['1e308', '86400001', 'Infinity'])('refuses %s above the bound, naming it', (text) => {
    input('timeout-ms', text);
    expect(() => getInt('timeout-ms', { min: 1, max: 86_400_000 })).toThrow(
      `Input 'timeout-ms' must be a whole number from 1 to 86400000, not '${text}'.`,
    );
  });
});

describe('getList', () => {
  test('splits on newlines and commas, drops blanks and comments', () => {
    input(
      'functions',
      'func/python/hello.py\n  # the chained pair\nfunc/python/a.py, func/python/b.py\n\n',
    );
    expect(getList('functions')).toEqual([
      'func/python/hello.py',
      'func/python/a.py',
      'func/python/b.py',
    ]);
  });

  test('is empty when unset', () => {
    expect(getList('functions')).toEqual([]);
  });
});

describe('getString and getPath', () => {
  test('a required input that is missing says where to set it', () => {
    expect(() => getString('bundle-dir', { required: true })).toThrow(
      "Input 'bundle-dir' is required; set it under the step's 'with:'.",
    );
  });

  test('paths resolve against the base and are checked when asked', async () => {
    const base = await mkdtemp(join(tmpdir(), 'inputs-'));
    await mkdir(join(base, 'bundle'));
    await writeFile(join(base, 'f.wasm'), '');
    input('bundle-dir', 'bundle');
    expect(await getPath('bundle-dir', { base, mustBe: 'dir' })).toBe(join(base, 'bundle'));
    input('wasm', 'f.wasm');
    expect(await getPath('wasm', { base, mustBe: 'file' })).toBe(join(base, 'f.wasm'));
    input('wasm', 'missing.wasm');
    await expect(getPath('wasm', { base, mustBe: 'file' })).rejects.toThrow(
      `Input 'wasm' names ${join(base, 'missing.wasm')}, which is not a file; check the path.`,
    );
    expect(await getPath('runtime-root', { base })).toBeUndefined();
  });
});

describe('workspace and cache dir', () => {
  test('working-directory is taken under GITHUB_WORKSPACE', () => {
    input('working-directory', 'sub');
    expect(workspaceRoot({ GITHUB_WORKSPACE: '/w' })).toBe('/w/sub');
  });

  test('cache-dir input, then FAASM_PYTHON_CACHE, then RUNNER_TEMP', () => {
    expect(cacheDir('/w', { RUNNER_TEMP: '/rt', FAASM_PYTHON_CACHE: '/fpc' })).toBe('/fpc');
    expect(cacheDir('/w', { RUNNER_TEMP: '/rt' })).toBe('/rt/faasm-python-cache');
    expect(cacheDir('/w', { XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/faasm-python');
    input('cache-dir', 'c');
    expect(cacheDir('/w', { RUNNER_TEMP: '/rt' })).toBe('/w/c');
  });
});
