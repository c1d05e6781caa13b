// Adversarial: bad input is refused at the door, by the real CLI process, in one sentence.
import { afterAll, beforeAll, describe, expect, test, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';

// Each case starts the CLI as a process; on a loaded 2-core machine that can take seconds.
jest.setTimeout(120_000);

const CLI = join(REPO_ROOT, 'bin', 'faasm-python.js');
let dir: string;
let cache: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-door-'));
  cache = join(dir, 'cache');
  await mkdir(cache);
  await writeFile(join(dir, 'a-file'), 'not a directory');
  await writeFile(join(dir, 'hello.py'), 'def faasm_main():\n    return 0\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the CLI with raw byte arguments (spawnSync passes Buffers through untouched). */
function cli(...args: (string | Buffer)[]) {
  const r = spawnSync(process.execPath, [CLI, ...(args as string[])], {
    env: {
      ...process.env,
      FAASM_PYTHON_CACHE: cache,
      FAASM_PYTHON_ACTIONS_CACHE: '0',
      NODE_OPTIONS: '', // jest's --experimental-vm-modules would add a warning to stderr
    },
    encoding: 'utf8',
    timeout: 110_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr.trim() };
}

/**
 * One `error:` sentence, no stack frame, and nothing written to the cache; exit 2 for a mistake
 * in the command line itself, 1 for anything else.
 */
async function refused(r: ReturnType<typeof cli>, sentence: RegExp, code: 1 | 2 = 1) {
  expect(r.code).toBe(code);
  expect(r.err).toMatch(sentence);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/^\s+at /m);
  expect(await readdir(cache)).toEqual([]);
}

describe('checked at the door', () => {
  test('build of an unknown layer lists the layers', async () => {
    await refused(
      cli('build', 'nosuchlayer'),
      /^error: Unknown layer 'nosuchlayer'; the layers are: toolchain, zlib, .*, root, bundle(, [a-z-]+)*\.$/,
      2,
    );
  });

  test('--cache-dir under /proc is refused at once instead of spinning', async () => {
    await refused(
      cli('build', '--cache-dir', '/proc/faasm-python-cache'),
      /^error: --cache-dir \/proc\/faasm-python-cache is not a directory this user can write \(ENOENT\); choose another\.$/,
    );
  });

  test.each([
    ['a file', () => join(dir, 'a-file')],
    ['below a file', () => join(dir, 'a-file', 'sub')],
  ])('--cache-dir that is %s', async (_what, path) => {
    await refused(
      cli('cache', 'list', '--cache-dir', path()),
      /^error: --cache-dir .* cannot be used: .*a-file is not a directory\.$/,
    );
  });

  test('--cache-dir this user cannot write', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; a pseudo file system refuses it all the same.
      await refused(
        cli('cache', 'list', '--cache-dir', '/sys/faasm-python'),
        /^error: --cache-dir \/sys\/faasm-python is not a directory this user can write \(\w+\); choose another\.$/,
      );
      return;
    }
    const ro = join(dir, 'read-only');
    await mkdir(ro);
    await chmod(ro, 0o555);
    await refused(
      cli('cache', 'list', '--cache-dir', join(ro, 'cache')),
      /^error: --cache-dir .* is not a directory this user can write \(EACCES\); choose another\.$/,
    );
  });

  test.each([
    [
      'run',
      'hello.py',
      '--timeout',
      '1e308',
      /^error: --timeout takes a number of seconds from 0\.001 to 86400, not '1e308'\.$/,
    ],
    ['run', 'hello.py', '--timeout', 'Infinity', /^error: --timeout takes a number of seconds/],
    ['run', 'hello.py', '--timeout', '0', /^error: --timeout takes a number of seconds/],
    [
      'build',
      'zlib',
      '--jobs',
      '1e3',
      /^error: --jobs takes a whole number from 1 to 1024, not '1e3'\.$/,
    ],
    [
      'cache',
      'prune',
      '--older-than',
      '1e400',
      /^error: --older-than takes a number of days from 0 to 36500, not '1e400'\.$/,
    ],
  ])('%s %s %s %s is out of bounds', async (...args) => {
    const sentence = args.pop() as RegExp;
    const [cmd, first, ...rest] = args as string[];
    const file = first === 'hello.py' ? join(dir, first) : first!;
    await refused(cli(cmd!, file, ...rest), sentence, 2);
  });

  test('invalid UTF-8 in --input is refused with a hint to use --input-file', async () => {
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
    await refused(
      cli('run', join(dir, 'hello.py'), '--input', bad),
      /^error: --input holds bytes that are not UTF-8 .*; pass such input with --input-file FILE\.$/,
      2,
    );
  });

  test('a function file that does not exist is refused before the runtime is built', async () => {
    await refused(
      cli('run', join(dir, 'nope.py')),
      /^error: There is no function file .*nope\.py; check the path\.$/,
    );
  });

  test('an unknown option is one sentence naming the options, and exits 2', async () => {
    await refused(
      cli('cache', 'list', '--frobnicate'),
      /^error: 'faasm-python cache' has no option --frobnicate; its options are --cache-dir, .*\.$/,
      2,
    );
  });
});
