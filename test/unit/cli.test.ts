import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { recordFiles } from '../../src/layers/manifest.js';

let out: string[];
let err: string[];
let dir: string;
beforeEach(async () => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  dir = await mkdtemp(join(tmpdir(), 'fp-cli-'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('faasm-python CLI', () => {
  test('--version prints VERSION', async () => {
    const { readVersion } = await import('../../src/release/version.js');
    const { REPO_ROOT } = await import('../../src/paths.js');
    expect(await main(['--version'])).toBe(0);
    expect(out).toEqual([`faasm-python ${await readVersion(REPO_ROOT)}`]);
  });

  test('--help documents the exit codes and the environment', async () => {
    expect(await main(['--help'])).toBe(0);
    const help = out.join('\n');
    expect(help).toContain('Exit codes:');
    expect(help).toMatch(/^ {2}2 {4}usage: unknown command or option$/m);
    for (const v of ['FAASM_PYTHON_CACHE', 'FAASM_PYTHON_SOURCES', 'GITHUB_TOKEN', 'GITHUB_REF'])
      expect(help).toContain(v);
    // The README carries the same text.
    const { readFile } = await import('node:fs/promises');
    const { REPO_ROOT } = await import('../../src/paths.js');
    const { EXIT_CODES_AND_ENVIRONMENT } = await import('../../src/cli.js');
    expect(await readFile(join(REPO_ROOT, 'README.md'), 'utf8')).toContain(
      EXIT_CODES_AND_ENVIRONMENT,
    );
  });

  test('an unknown command names the known ones and exits 2', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(err.join('\n')).toMatch(
      /^Unknown command 'frobnicate'; the commands are: setup, build, /,
    );
  });

  test('an unknown option prints the usage and exits 2', async () => {
    expect(await main(['build', '--frob'])).toBe(2);
    expect(err.join('\n')).toContain("Unknown option '--frob'");
    expect(err.join('\n')).toContain('Usage: faasm-python build');
  });

  test('a bad --jobs is one sentence and exit 1, not a stack trace', async () => {
    expect(await main(['build', '--jobs', 'many', '--cache-dir', dir])).toBe(1);
    expect(err).toEqual(["error: --jobs takes a whole number from 1 to 1024, not 'many'."]);
  });

  test('an unknown layer is refused before anything is built', async () => {
    expect(await main(['build', 'pyhton', '--cache-dir', dir])).toBe(1);
    expect(err.join('\n')).toMatch(/Unknown layer 'pyhton'; the layers are: toolchain, zlib/);
    expect(await readdir(dir)).toEqual([]);
  });

  test('regrtest refuses a bad module name, selection or timeout before building anything', async () => {
    const cache = ['--cache-dir', dir];
    expect(await main(['regrtest', 'os', ...cache])).toBe(1);
    expect(await main(['regrtest', '--selection', 'nightly', ...cache])).toBe(1);
    expect(await main(['regrtest', '--timeout', 'soon', ...cache])).toBe(1);
    expect(err.join('\n')).toMatch(/'os' is not a test module name/);
    expect(err.join('\n')).toMatch(/no regrtest selection 'nightly'; use one of full, ci/);
    expect(err.join('\n')).toMatch(/--timeout takes/);
    expect(await readdir(dir)).not.toContain('layers');
  });

  test('cache list and prune --all report and remove stored layers and leftovers', async () => {
    const key = 'a'.repeat(64);
    const entry = join(dir, 'layers', 'zlib', key);
    await mkdir(join(entry, 'out'), { recursive: true });
    await writeFile(join(entry, 'out', 'f'), '12345');
    const files = await recordFiles(join(entry, 'out'));
    const meta = {
      name: 'zlib',
      key,
      deps: {},
      inputs: {},
      size: 5,
      buildMs: 1,
      createdAt: '',
      files,
    };
    await writeFile(join(entry, 'meta.json'), JSON.stringify(meta));
    // A killed build's staging dir (pid 999999999 is not running).
    await mkdir(join(dir, 'layers', 'zlib', '.staging-aaaaaaaaaaaa-999999999-abcdef'));
    // A killed build's work dir (no lock for its key), and one in use (its lock is held).
    await mkdir(join(dir, 'work', 'zlib-aaaaaaaaaaaa'), { recursive: true });
    await mkdir(join(dir, 'work', 'zlib-bbbbbbbbbbbb'), { recursive: true });
    await writeFile(join(dir, 'layers', 'zlib', `${'b'.repeat(64)}.lock`), '{}');

    expect(await main(['cache', 'list', '--cache-dir', dir])).toBe(0);
    expect(out.join('\n')).toMatch(/zlib\s+aaaaaaaaaaaa\s+5 B/);
    out = [];
    expect(await main(['cache', 'list', '--json', '--cache-dir', dir])).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({
      cacheDir: dir,
      layers: [expect.objectContaining({ name: 'zlib', key, bytes: 5, buildSeconds: 0.001 })],
    });
    out = [];
    expect(await main(['cache', 'prune', '--all', '--cache-dir', dir])).toBe(0);
    expect(out.at(-1)).toBe('removed 1 layers (5 B) and 2 leftovers of killed builds');
    expect(await readdir(join(dir, 'layers', 'zlib'))).toEqual([`${'b'.repeat(64)}.lock`]);
    expect(await readdir(join(dir, 'work'))).toEqual(['zlib-bbbbbbbbbbbb']);
  });

  test('modules list --json is every recipe, as JSON on stdout', async () => {
    expect(await main(['modules', 'list', '--json', '--cache-dir', dir])).toBe(0);
    const recipes = JSON.parse(out.join('\n')) as { name: string; version: string }[];
    const names = recipes.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pyfaasm', 'numpy']));
    for (const r of recipes) expect(r.version).toMatch(/^\d/);
  });
});
