import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  jest,
  test,
} from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { REPO_ROOT } from '../../src/paths.js';

// Every command's usage mistakes exit 2 with one `error:` sentence and nothing on stdout, and
// nothing runs (the cache stays empty, VERSION is untouched); failures of a well-formed command
// line still exit 1.
let out: string[];
let err: string[];
const dir = mkdtempSync(join(tmpdir(), 'fp-cli-usage-'));
let version: string;
beforeAll(async () => {
  version = await readFile(join(REPO_ROOT, 'VERSION'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(async () => {
  jest.restoreAllMocks();
  expect(await readFile(join(REPO_ROOT, 'VERSION'), 'utf8')).toBe(version);
});

const cache = ['--cache-dir', join(dir, 'cache')];

/** [command line, what the one sentence must say] */
const usageMistakes: [string[], RegExp][] = [
  [['frobnicate'], /^Unknown command 'frobnicate'; the commands are: setup, build, /],
  [
    ['build', '--frob'],
    /^'faasm-python build' has no option --frob; its options are --cache-dir, /,
  ],
  [['build', '-z'], /has no option -z; /],
  [['build', '--jobs'], /^--jobs needs a value \(--jobs VALUE, /],
  [['build', '-j'], /^--jobs needs a value/],
  [['build', '--no-cache=yes'], /^--no-cache is a switch and takes no value/],
  [
    ['build', '--jobs', 'many', ...cache],
    /^--jobs takes a whole number from 1 to 1024, not 'many'\.$/,
  ],
  [['build', 'pyhton', ...cache], /^Unknown layer 'pyhton'; the layers are: toolchain, /],
  [['bump', '--patch', '--minor'], /^Name only one of --major, --minor and --patch\.$/],
  [['bump'], /^Name the part to bump: /],
  [
    ['bump', '--minor', '--set', '9.9.9'],
    /^Name only one of --major, --minor, --patch and --set\.$/,
  ],
  [['bump', '--set', 'banana'], /^--set 'banana' is not a semantic version/],
  [['bump', '--minor', '--pre', 'gamma'], /^--pre takes alpha, beta or rc, not 'gamma'\.$/],
  [['bump', '--set', '9.9.9-rc.1', '--pre', 'rc'], /already names a pre-release; drop --pre\.$/],
  [['bump', 'minor'], /^'faasm-python bump' takes options only, no arguments \(got 'minor'\)\.$/],
  [['version', '--check', '--sync'], /^Use either --check or --sync, not both\.$/],
  [['cache', 'lst', ...cache], /^Unknown cache action 'lst'; use list, verify, prune or path\.$/],
  [['cache', 'list', 'zlib', ...cache], /^'cache list' takes no further arguments \(got zlib\)\.$/],
  [['cache', 'verify', 'zlibb', ...cache], /^Unknown layer 'zlibb'; /],
  [['cache', 'prune', '--older-than', 'ages', ...cache], /^--older-than takes /],
  [['tag', '--push=yes'], /^--push is a switch and takes no value/],
  [['tag', 'v9.9.9'], /takes options only, no arguments \(got 'v9\.9\.9'\)/],
  [
    ['release', '--bundle', dir, '--token', 'ghp_secret'],
    /^A token given as an argument shows in ps and shell history, so --token is not taken: set GITHUB_TOKEN, or .* --token-file FILE\.$/,
  ],
  [['release', '--token=ghp_secret'], /so --token is not taken/],
  [['release', '--repo', 'a/b'], /^Pass --bundle DIR, /],
  [['image', '--push'], /^Pass --bundle DIR, /],
  [['image', '--bundle', dir, '--engine', 'lxc'], /^--engine takes docker or podman, not 'lxc'\.$/],
  [['run', ...cache], /^Name one function: a \.py file or user\/func\.$/],
  [['run', 'a.py', 'b.py', ...cache], /^Name one function: /],
  [
    ['run', 'x.py', '--input', 'a', '--input-file', 'b'],
    /^Give --input or --input-file, not both\.$/,
  ],
  [['run', 'x.py', '--conf', 'PRELOAD'], /^--conf takes KEY=NUMBER/],
  [['run', 'x.py', '--vm', 'v8'], /^--vm takes wavm or wamr, not 'v8'\.$/],
  [['run', 'x.py', '--timeout', 'soon'], /^--timeout takes /],
  [['run', 'x.py', '--max-state-bytes', 'lots'], /^--max-state-bytes takes a number of bytes/],
  [['regrtest', 'os', ...cache], /^'os' is not a test module name/],
  [['regrtest', '--selection', 'nightly', ...cache], /^There is no regrtest selection 'nightly'/],
  [
    ['regrtest', 'test_os', '--selection', 'ci', ...cache],
    /^Give test modules or --selection, not both\.$/,
  ],
  [
    ['modules', 'frob', ...cache],
    /^Unknown modules action 'frob'; use list, build, install, add, compat or test-suite\.$/,
  ],
  [['modules', 'install', ...cache], /^'modules install' needs --root DIR/],
  [['modules', 'add', ...cache], /^'modules add' needs at least one requirement/],
  [['modules', 'test-suite', ...cache], /^'modules test-suite' takes one module name/],
  [['modules', 'list', 'x', ...cache], /^'modules list' takes no further arguments/],
  [['modules', 'build', '--sha256', 'ab', ...cache], /^--source and --sha256 go with --name/],
  [['modules', 'build', '--name', 'nosuchmod', ...cache], /^Unknown module 'nosuchmod'; /],
  [['upload', dir], /^Say where to upload: --local /],
  [['upload', dir, dir, '--local', dir], /^Upload one file or one directory at a time\.$/],
  [['upload', dir, '--local', dir, '--user', '../x'], /^'\.\.\/x' is not a valid user name/],
  [['invoke', 'hello'], /^Name one function as user\/func\.$/],
  [
    ['invoke', 'u/f', '--host', 'ftp://x'],
    /^--host must be an http:\/\/ or https:\/\/ URL, not 'ftp:\/\/x'\.$/,
  ],
  [['invoke', 'u/f', '--timeout', 'soon'], /^--timeout takes seconds, not 'soon'\.$/],
  [['upload', dir, '--host', 'not a url'], /^--host takes a URL such as /],
  [['reproduce', ...cache], /^reproduce takes one layer name \(one of: toolchain, /],
  [['reproduce', 'nosuchlayer', ...cache], /^Unknown layer 'nosuchlayer'; /],
  [['changelog', '--stdout=1'], /^--stdout is a switch/],
  [['setup', 'now'], /^'faasm-python setup' takes options only, no arguments/],
];

describe('usage mistakes exit 2 with one sentence, before anything runs', () => {
  test.each(usageMistakes.map(([args, says]) => [args.join(' '), args, says] as const))(
    '%s',
    async (_, args, says) => {
      expect(await main([...args])).toBe(2);
      expect(out).toEqual([]);
      expect(err).toHaveLength(1);
      const sentence = err[0]!.replace(/^error: /, '');
      expect(err[0]).toMatch(/^error: /);
      expect(sentence).toMatch(says);
      // One sentence: no line breaks, one full stop at the end (dots inside names aside).
      expect(sentence).not.toContain('\n');
      expect(sentence).not.toMatch(/[.!?] [A-Z]/);
    },
  );

  test('no usage mistake has left a layer in the cache', async () => {
    const layers = await readdir(join(dir, 'cache', 'layers')).catch(() => []);
    expect(layers).toEqual([]);
  });
});

describe('a failure of a well-formed command line still exits 1', () => {
  test.each([
    [
      'a version that is not greater',
      ['bump', '--set', '0.0.1'],
      /is not greater than the current/,
    ],
    [
      'an unreadable token file',
      ['release', '--bundle', dir, '--token-file', join(dir, 'no-token')],
      /^Cannot read the token file .*no-token \(ENOENT\); check --token-file\.$/,
    ],
    [
      'a function file that is not there',
      ['run', join(dir, 'none.py')],
      /^There is no function file /,
    ],
  ] as const)('%s', async (_, args, says) => {
    expect(await main([...args])).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]!.replace(/^error: /, '')).toMatch(says);
  });

  test('an empty token file is refused, and the token comes from the file, not GITHUB_TOKEN', async () => {
    const { readTokenFile, resolveGitHubTarget } =
      await import('../../src/release/github-target.js');
    const file = join(dir, 'token');
    await writeFile(file, '\n');
    await expect(readTokenFile(file)).rejects.toThrow(/The token file .* is empty/);
    await writeFile(file, '  ghp_fromfile \nsecond line\n');
    const token = await readTokenFile(file);
    expect(token).toBe('ghp_fromfile');
    const env = { GITHUB_TOKEN: 'ghp_fromenv', GITHUB_REPOSITORY: 'o/r' };
    expect(resolveGitHubTarget({ token }, env).token).toBe('ghp_fromfile');
    expect(resolveGitHubTarget({}, env).token).toBe('ghp_fromenv');
  });
});
