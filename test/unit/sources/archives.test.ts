// Adversarial: archives whose members escape the tree are refused before anything is unpacked.
import { afterAll, beforeAll, beforeEach, describe, expect, test, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths.js';
import { checkMembers, unpack } from '../../../src/sources/unpack.js';
import { UserError } from '../../../src/util/errors.js';
import { type TarEntry, tarball } from '../../helpers/tar.js';

// Each case starts the CLI as a process; on a loaded 2-core machine that can take seconds.
jest.setTimeout(120_000);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fp-archives-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pkg = (rest: TarEntry[]): TarEntry[] => [
  { name: 'evil-1.0/', type: '5' },
  { name: 'evil-1.0/setup.py', content: 'from setuptools import setup\nsetup(name="evil")\n' },
  ...rest,
];

const hostile: Array<[string, TarEntry[], RegExp]> = [
  [
    'a symlink to /etc/passwd',
    pkg([{ name: 'evil-1.0/passwd', type: '2', link: '/etc/passwd' }]),
    /member evil-1\.0\/passwd is a link to \/etc\/passwd, outside the archive/,
  ],
  [
    'a symlink to a host directory',
    pkg([{ name: 'evil-1.0/etc', type: '2', link: '/etc' }]),
    /member evil-1\.0\/etc is a link to \/etc, outside the archive/,
  ],
  [
    'a relative symlink that climbs out',
    pkg([{ name: 'evil-1.0/up', type: '2', link: '../../../etc' }]),
    /member evil-1\.0\/up is a link to \.\.\/\.\.\/\.\.\/etc, outside the archive/,
  ],
  [
    'a symlink chain through a link to . that climbs out',
    pkg([
      { name: 'evil-1.0/here', type: '2', link: '.' },
      { name: 'evil-1.0/x', type: '2', link: 'here/here/here/../../..' },
    ]),
    /member evil-1\.0\/x is a link to here\/here\/here\/\.\.\/\.\.\/\.\., outside the archive/,
  ],
  [
    'a file written through a symlinked directory',
    pkg([
      { name: 'evil-1.0/tmp', type: '2', link: '/tmp' },
      { name: 'evil-1.0/tmp/planted', content: 'x' },
    ]),
    /member evil-1\.0\/tmp is a link to \/tmp, outside the archive|written through a link/,
  ],
  [
    'an absolute member',
    pkg([{ name: '/tmp/fp-absolute-member', content: 'x' }]),
    /member \/tmp\/fp-absolute-member is an absolute path/,
  ],
  [
    'a member that climbs out with ..',
    pkg([{ name: 'evil-1.0/../../fp-escaped', content: 'x' }]),
    /member evil-1\.0\/\.\.\/\.\.\/fp-escaped climbs out with '\.\.'/,
  ],
  [
    'a hard link to a host file',
    pkg([{ name: 'evil-1.0/shadow', type: '1', link: '/etc/shadow' }]),
    /member evil-1\.0\/shadow is a hard link to \/etc\/shadow, outside the archive/,
  ],
  [
    'a character device',
    pkg([{ name: 'evil-1.0/null', type: '3' }]),
    /member evil-1\.0\/null is a device or special file \(type 'c'\)/,
  ],
  [
    'a fifo',
    pkg([{ name: 'evil-1.0/pipe', type: '6' }]),
    /member evil-1\.0\/pipe is a device or special file \(type 'p'\)/,
  ],
];

describe('unpack', () => {
  let dest: string;
  beforeEach(async () => {
    dest = await mkdtemp(join(dir, 'dest-'));
  });

  test.each(hostile)('refuses %s and writes nothing', async (_what, entries, why) => {
    const archive = join(dir, 'evil-1.0.tar.gz');
    await writeFile(archive, tarball(entries));
    const err = await unpack(archive, dest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^Refusing to unpack evil-1\.0\.tar\.gz: /);
    expect((err as Error).message).toMatch(why);
    expect(await readdir(dest)).toEqual([]);
  });

  test('unpacks links that stay inside the tree', async () => {
    const archive = join(dir, 'good-1.0.tar.gz');
    await writeFile(
      archive,
      tarball(
        pkg([
          { name: 'evil-1.0/pkg/', type: '5' },
          { name: 'evil-1.0/pkg/a.py', content: 'A = 1\n' },
          { name: 'evil-1.0/pkg/b.py', type: '2', link: 'a.py' },
          { name: 'evil-1.0/c.py', type: '2', link: 'pkg/../setup.py' },
          { name: 'evil-1.0/d.py', type: '1', link: 'evil-1.0/setup.py' },
        ]),
      ),
    );
    await unpack(archive, dest);
    expect(await readFile(join(dest, 'pkg', 'b.py'), 'utf8')).toBe('A = 1\n');
    expect((await readdir(dest)).sort()).toEqual(['c.py', 'd.py', 'pkg', 'setup.py']);
  });

  test('checkMembers follows links as the kernel would: a link via a link to the top is outside', () => {
    expect(() =>
      checkMembers(
        'x.tar',
        [
          { name: 'p/', type: 'd' },
          { name: 'p/top', type: 'l', link: '..' },
        ],
        1,
      ),
    ).toThrow(/member p\/top is a link to \.\., outside the archive/);
  });
});

describe('modules build --source', () => {
  const CLI = join(REPO_ROOT, 'bin', 'faasm-python.js');
  const cli = (cache: string, ...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'modules', 'build', ...args, '--cache-dir', cache],
      {
        env: { ...process.env, FAASM_PYTHON_ACTIONS_CACHE: '0', NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 110_000,
      },
    );
    return { code: r.status, err: r.stderr.trim() };
  };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  test.each([
    ['a symlink to /etc/passwd', hostile[0]![1]],
    ['a symlink to a host directory', hostile[1]![1]],
  ])('of a tarball with %s fails in one sentence and builds nothing', async (_what, entries) => {
    const cache = join(dir, `cache-${Math.random().toString(36).slice(2)}`);
    await mkdir(cache);
    const archive = join(dir, 'evil-1.0.tar.gz');
    const bytes = tarball(entries);
    await writeFile(archive, bytes);
    const r = cli(cache, '--name', 'evil', '--source', archive, '--sha256', sha(bytes));
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter((l) => !l.startsWith('warning:'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^error: Refusing to unpack evil-1\.0\.tar\.gz: member evil-1\.0\/\w+ is a link to \/etc(\/passwd)?, outside the archive\.$/,
      ),
    ]);
    expect(await readdir(cache)).toEqual([]);
  });

  test('of a file whose sha256 differs is refused before it is unpacked', async () => {
    const cache = join(dir, 'cache-sha');
    await mkdir(cache);
    const archive = join(dir, 'plain-1.0.tar.gz');
    await writeFile(archive, tarball(pkg([])));
    const r = cli(cache, '--name', 'plain', '--source', archive, '--sha256', 'a'.repeat(64));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error: .*plain-1\.0\.tar\.gz has sha256 [0-9a-f]{64}, not the a{64} given with --sha256; it was not unpacked, so check where it came from\.$/m,
    );
    expect(await readdir(cache)).toEqual([]);
  });

  test('of a URL that does not parse is one sentence', async () => {
    const cache = join(dir, 'cache-url');
    await mkdir(cache);
    const r = cli(
      cache,
      '--name',
      'x',
      '--source',
      'http://exa mple.com/x.tar.gz',
      '--sha256',
      'a'.repeat(64),
    );
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error: --source http://exa mple.com/x.tar.gz is not a valid URL; give an http(s) URL or a file path.',
    );
  });
});
