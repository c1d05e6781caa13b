import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { recordFiles } from '../../src/layers/manifest.js';
import { SnapshotStore } from '../../src/runner/snapshot-store.js';

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
    expect(help).toMatch(
      /^ {2}2 {4}usage: the command line is wrong \(an unknown command, option/m,
    );
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
      /^error: Unknown command 'frobnicate'; the commands are: setup, build, /,
    );
  });

  test('an unknown option is one sentence naming the options, and exit 2', async () => {
    expect(await main(['build', '--frob'])).toBe(2);
    expect(err).toEqual([
      expect.stringMatching(
        /^error: 'faasm-python build' has no option --frob; its options are --cache-dir, --no-cache, .*--json \(see 'faasm-python build --help'\)\.$/,
      ),
    ]);
  });

  test('a bad --jobs is one sentence and exit 2, not a stack trace', async () => {
    expect(await main(['build', '--jobs', 'many', '--cache-dir', dir])).toBe(2);
    expect(err).toEqual(["error: --jobs takes a whole number from 1 to 1024, not 'many'."]);
  });

  test('an unknown layer is refused before anything is built', async () => {
    expect(await main(['build', 'pyhton', '--cache-dir', dir])).toBe(2);
    expect(err.join('\n')).toMatch(/Unknown layer 'pyhton'; the layers are: toolchain, zlib/);
    expect(await readdir(dir)).toEqual([]);
  });

  test('regrtest refuses a bad module name, selection or timeout before building anything', async () => {
    const cache = ['--cache-dir', dir];
    expect(await main(['regrtest', 'os', ...cache])).toBe(2);
    expect(await main(['regrtest', '--selection', 'nightly', ...cache])).toBe(2);
    expect(await main(['regrtest', '--timeout', 'soon', ...cache])).toBe(2);
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
    expect(out.at(-1)).toBe('removed 1 layers, 0 snapshots (5 B) and 2 leftovers of killed builds');
    expect(await readdir(join(dir, 'layers', 'zlib'))).toEqual([`${'b'.repeat(64)}.lock`]);
    expect(await readdir(join(dir, 'work'))).toEqual(['zlib-bbbbbbbbbbbb']);
  });

  test('cache verify hashes zygote snapshots; prune removes damaged ones and those of a gone root', async () => {
    const store = new SnapshotStore(join(dir, 'snapshots'));
    const [good, bad, orphan] = ['b', 'c', 'd'].map((c) => c.repeat(64)) as [string, string, string]; // prettier-ignore
    const page = () => new SharedArrayBuffer(65536);
    await store.save(good, page(), dir);
    await store.save(bad, page(), dir);
    await store.save(orphan, page(), join(dir, 'no-such-root'));
    await writeFile(join(dir, 'snapshots', `${bad}.mem`), new Uint8Array(65536).fill(1));
    expect(await main(['cache', 'verify', '--cache-dir', dir])).toBe(1);
    expect(out).toContain(`damaged  snapshot   cccccccccccc: its content does not match its recorded hash. Removed; the next run takes it again.`); // prettier-ignore
    expect(out.at(-1)).toBe('3 snapshots verified, 1 damaged');
    out = [];
    expect(await main(['cache', 'prune', '--cache-dir', dir])).toBe(0);
    expect(out.at(-1)).toMatch(/^removed 0 layers, 1 snapshots \(64\.0 KiB\)/);
    expect((await store.list()).map((e) => e.key)).toEqual([good]);
  });

  test('run and invoke refuse an input file that is a FIFO, a device or too big, unread', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const huge = join(dir, 'huge');
    execFileSync('truncate', ['-s', '1G', huge]);
    const cases: [string[], string][] = [
      [['run', 'x.py', '--input-file', fifo], `error: the input file ${fifo} is a FIFO; pass a regular file.`], // prettier-ignore
      [['run', 'x.py', '--input-file', '/dev/zero'], 'error: the input file /dev/zero is a device; pass a regular file.'], // prettier-ignore
      [['run', 'x.py', '--input-file', huge], `error: the input file ${huge} is 1073741824 bytes, over the 16777216-byte limit; raise it with --input-mb.`], // prettier-ignore
      [['run', 'x.py', '--input-file', huge, '--input-mb', '1'], `error: the input file ${huge} is 1073741824 bytes, over the 1048576-byte limit; raise it with --input-mb.`], // prettier-ignore
      [['invoke', 'u/f', '--input-file', fifo], `error: the input file ${fifo} is a FIFO; pass a regular file.`], // prettier-ignore
      [['upload', fifo.replace(/fifo$/, 'f.py'), '--local', dir], `error: the function file ${join(dir, 'f.py')} is a FIFO; pass a regular file.`], // prettier-ignore
    ];
    execFileSync('mkfifo', [join(dir, 'f.py')]);
    for (const [args, message] of cases) {
      err = [];
      expect(await main(args)).toBe(1);
      expect(err).toEqual([message]);
    }
  }, 20_000);

  test('upload --local on a pseudo file system is refused before anything is written', async () => {
    const file = join(dir, 'f.py');
    await writeFile(file, 'def faasm_main():\n    return 0\n');
    expect(await main(['upload', file, '--local', '/proc/self/faasm'])).toBe(1);
    expect(err).toEqual([
      "error: /proc/self/faasm is on the kernel's proc file system, which holds no files; pass a directory on a real disk as --local.",
    ]);
  });

  test('run --help lists every budget a call has, with its default', async () => {
    expect(await main(['run', '--help'])).toBe(0);
    const help = out.join('\n');
    for (const flag of [
      '--memory-mb',
      '--timeout',
      '--input-mb',
      '--output-mb',
      '--log-mb',
      '--tmp-mb',
      '--chain-depth',
      '--chains-in-flight',
      '--chained-calls',
      '--max-state-key-bytes',
      '--max-state-bytes',
    ]) {
      // prettier-ignore
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/--input-mb MIB +input per call \(default 16 MiB\)/);
    expect(help).toContain('a finished one counts until its output is awaited or its caller ends');
  });

  test('modules list --json is every recipe, as JSON on stdout', async () => {
    expect(await main(['modules', 'list', '--json', '--cache-dir', dir])).toBe(0);
    const recipes = JSON.parse(out.join('\n')) as { name: string; version: string }[];
    const names = recipes.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pyfaasm', 'numpy']));
    for (const r of recipes) expect(r.version).toMatch(/^\d/);
  });
});
