import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { captureConsole } from '../../helpers/console.js';
import { main } from '../../../src/cli.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { parseSums, verifyRelease } from '../../../src/release/verify.js';
import { type TempRepo, removeTempDirs, tempDir, tempRepo } from './helpers.js';

// verify for real on a tiny pipeline: a real git repository whose tagged checkout has its own
// bin/faasm-python.js (a few lines that "build" a bundle from data/ into the cache it is given
// and report the bundle layer's dir as `build bundle --json` does), so the worktree, the
// checkout's own build, the comparison and the exit codes all run, in a second.
const TINY_BUILD = `
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [cmd, layer, flag, cache, json] = process.argv.slice(2);
if (cmd !== 'build' || layer !== 'bundle' || flag !== '--cache-dir' || json !== '--json') process.exit(3);
const out = join(cache, 'layers', 'bundle', 'k', 'out');
const bundle = join(out, 'bundle');
mkdirSync(bundle, { recursive: true });
const version = readFileSync('VERSION', 'utf8').trim();
const sums = [];
for (const name of readdirSync('data').sort()) writeFileSync(join(bundle, name), readFileSync(join('data', name)));
writeFileSync(join(bundle, 'manifest.json'), JSON.stringify({ version }) + '\\n');
for (const name of readdirSync(bundle).sort())
  sums.push(createHash('sha256').update(readFileSync(join(bundle, name))).digest('hex') + '  ' + name + '\\n');
writeFileSync(join(bundle, 'SHA256SUMS'), sums.join(''));
process.stderr.write('built the tiny bundle\\n');
console.log(JSON.stringify({ layers: [{ name: 'bundle', dir: out }] }));
`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A release directory as the tiny build makes it, with `files` over data/'s. */
async function releaseDir(version: string, files: Record<string, string>): Promise<string> {
  const dir = await tempDir('faasm-verify-release-');
  const all: Record<string, string> = {
    ...files,
    'manifest.json': `${JSON.stringify({ version })}\n`,
  };
  for (const [name, text] of Object.entries(all)) await writeFile(join(dir, name), text);
  const sums = Object.keys(all)
    .sort()
    .map((n) => `${sha(all[n]!)}  ${n}\n`)
    .join('');
  await writeFile(join(dir, 'SHA256SUMS'), sums);
  return dir;
}

let repo: TempRepo;
const console_ = captureConsole();
beforeAll(async () => {
  repo = await tempRepo({
    VERSION: '1.0.0\n',
    'bin/faasm-python.js': TINY_BUILD,
    'data/runtime.tar.gz': 'the runtime',
    'data/py_func.wasm': 'the entrypoint',
  });
  repo.git('tag', 'v1.0.0');
  // A later commit changes an asset; the release of 1.0.0 must still verify from its tag.
  await repo.commit('later', { 'data/py_func.wasm': 'another entrypoint' });
});
afterAll(removeTempDirs);

const GOOD = { 'runtime.tar.gz': 'the runtime', 'py_func.wasm': 'the entrypoint' };

describe('faasm-python verify', () => {
  test("rebuilds from the tag's own checkout and finds every file the same (exit 0)", async () => {
    const dir = await releaseDir('1.0.0', GOOD);
    const code = await main(['verify', dir, '--repo', repo.root]);
    // py_func.wasm is the same as the tag's, not HEAD's: the tag's checkout was built.
    expect(console_.out).toEqual([
      'same     manifest.json',
      'same     py_func.wasm',
      'same     runtime.tar.gz',
      'v1.0.0: 3 files, 3 the same, 0 differ',
    ]);
    expect(code).toBe(0);
    // The worktree and the scratch dir are gone again.
    expect(repo.git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  test('names each file that differs from the rebuild, and exits 1', async () => {
    const dir = await releaseDir('1.0.0', { ...GOOD, 'py_func.wasm': 'a tampered entrypoint' });
    expect(await main(['verify', dir, '--repo', repo.root])).toBe(1);
    expect(console_.out.find((l) => l.startsWith('DIFFERS'))).toBe(
      `DIFFERS  py_func.wasm: the release has sha256 ${sha('a tampered entrypoint').slice(0, 16)}..., the rebuild ${sha('the entrypoint').slice(0, 16)}...`,
    );
    expect(console_.out.at(-1)).toBe('v1.0.0: 3 files, 2 the same, 1 differs (py_func.wasm)');
  });

  test('a file only one side has, and a release copy that is not its SHA256SUMS, are named', async () => {
    const dir = await releaseDir('1.0.0', { ...GOOD, 'notes.txt': 'not built by the tag' });
    await writeFile(join(dir, 'runtime.tar.gz'), 'changed after SHA256SUMS was written');
    const report = await verifyRelease({ releaseDir: dir, repo: repo.root, self: REPO_ROOT });
    expect(report.verdicts.map((v) => `${v.status} ${v.name}`)).toEqual([
      'same manifest.json',
      'missing notes.txt',
      'same py_func.wasm',
      'damaged runtime.tar.gz',
    ]);
    const fewer = await releaseDir('1.0.0', { 'runtime.tar.gz': 'the runtime' });
    const extra = await verifyRelease({ releaseDir: fewer, repo: repo.root, self: REPO_ROOT });
    expect(
      extra.verdicts.filter((v) => v.status !== 'same').map((v) => `${v.status} ${v.name}`),
    ).toEqual(['extra py_func.wasm']);
  });

  test.each([
    [
      'no directory',
      async () => '/nonexistent/release',
      /^error: \/nonexistent\/release is not a directory; pass the directory holding a release's assets and its SHA256SUMS\.$/,
    ],
    [
      'no SHA256SUMS',
      async () => tempDir('faasm-verify-empty-'),
      /has no SHA256SUMS, so it is not a release directory; /,
    ],
    [
      'a SHA256SUMS that is not one',
      async () => {
        const dir = await tempDir('faasm-verify-bad-');
        await writeFile(join(dir, 'SHA256SUMS'), 'hello\n');
        return dir;
      },
      /SHA256SUMS line 1 is not '<sha256> {2}<file name>'; /,
    ],
    [
      'an unknown tag',
      async () => releaseDir('9.9.9', GOOD),
      /^error: The tag v9\.9\.9 \(version 9\.9\.9, from .*manifest\.json\) is not in .*; fetch it \(git fetch --tags\) or pass --repo\.$/,
    ],
  ])('bad input (%s) is one sentence and exit 2', async (_what, make, message) => {
    const dir = await make();
    expect(await main(['verify', dir, '--repo', repo.root])).toBe(2);
    expect(console_.err).toHaveLength(1);
    expect(console_.err[0]).toMatch(message);
    expect(console_.out).toEqual([]);
  });

  test('no release dir at all is a usage mistake: exit 2', async () => {
    expect(await main(['verify'])).toBe(2);
    expect(console_.err).toEqual([
      'error: Pass one release directory: faasm-python verify <dir holding the assets and SHA256SUMS>.',
    ]);
  });

  test('SHA256SUMS as sha256sum writes it, binary marks included', () => {
    const text = `${'a'.repeat(64)}  one.tar.gz\n${'b'.repeat(64)} *two.wasm\n`;
    expect([...parseSums(text, 'S')]).toEqual([
      ['one.tar.gz', 'a'.repeat(64)],
      ['two.wasm', 'b'.repeat(64)],
    ]);
  });
});
