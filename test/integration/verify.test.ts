import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { captureConsole } from '../helpers/console.js';
import { main } from '../../src/cli.js';
import { cachePaths, defaultCacheDir, REPO_ROOT } from '../../src/paths.js';
import { bundleFileNames } from '../../src/release/bundle.js';
import { readVersion } from '../../src/release/version.js';
import { exec } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';
import { sha256 } from '../../src/util/hash.js';
import { buildLayers } from '../helpers/runtime.js';

// `faasm-python verify` on the real bundle, from a real git repository of this tree tagged
// v<VERSION>: the tag's checkout runs its own `build bundle` and every asset is compared with
// the release's SHA256SUMS. The cheap path: the scratch cache holds the layers the bundle is made
// from (hard links into the default cache) but not the bundle, so the bundle itself (tarballs,
// SBOM, pyfaasm's dists, manifest) is rebuilt for real in another cache directory, in a minute,
// instead of the ~40 CPU-minute rebuild of everything the command does by default.
let work: string;
let repo: string;
let release: string;
let version: string;
const console_ = captureConsole();

const git = (...args: string[]) => exec('git', ['-C', repo, ...args]);

beforeAll(async () => {
  const layers = await buildLayers(['bundle']);
  version = await readVersion(REPO_ROOT);
  work = await mkdtemp(join(tmpdir(), 'fp-verify-'));
  // The release: the bundle's files, as a user downloads them.
  release = join(work, 'release');
  await cp(join(layers.get('bundle')!.dir, 'bundle'), release, { recursive: true });
  // This tree (its files as they are, committed or not) as a repository with the release tag.
  repo = join(work, 'repo');
  const files = (
    await exec('git', [
      '-C',
      REPO_ROOT,
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
    ])
  ).stdout
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    await mkdir(dirname(join(repo, f)), { recursive: true });
    await cp(join(REPO_ROOT, f), join(repo, f)).catch(() => undefined); // a deleted file is left out
  }
  await exec('git', ['init', '-q', '-b', 'main', repo]);
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'release');
  await git(
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@example.com',
    'tag',
    '-a',
    `v${version}`,
    '-m',
    'release',
  );
}, 1_800_000);

afterAll(async () => {
  if (work) await removeTree(work);
});

/** How many files SHA256SUMS lists: every asset but itself. */
const assets = () => Object.keys(bundleFileNames(version)).length - 1;

/** A cache with every layer of the default cache except the bundle (hard links: no copy). */
async function scratchCache(): Promise<string> {
  const dir = await mkdtemp(join(work, 'cache-'));
  const from = cachePaths(defaultCacheDir());
  await exec('cp', ['-al', from.layers, join(dir, 'layers')]);
  await removeTree(join(dir, 'layers', 'bundle'));
  // PyPA's build, installed there once, rather than from the package index again.
  await exec('cp', ['-al', from.tools, join(dir, 'tools')]).catch(() => undefined);
  return dir;
}

describe('faasm-python verify on the real bundle', () => {
  test('rebuilds the bundle from the tag in another cache: every asset the same bytes', async () => {
    const cache = await scratchCache();
    const code = await main(['verify', release, '--repo', repo, '--cache-dir', cache]);
    const names = Object.values(bundleFileNames(version)).filter((n) => n !== 'SHA256SUMS');
    expect(names).toHaveLength(assets());
    expect(console_.out.slice(0, -1).sort()).toEqual(names.map((n) => `same     ${n}`).sort());
    expect(console_.out.at(-1)).toBe(
      `v${version}: ${names.length} files, ${names.length} the same, 0 differ`,
    );
    expect(code).toBe(0);
    // Rebuilt there, not found: the scratch cache now holds a bundle of its own.
    expect(await readdir(join(cache, 'layers', 'bundle'))).toHaveLength(1);
  }, 1_800_000);

  test('a release whose py_func.wasm is not what the tag builds is named, exit 1', async () => {
    const tampered = join(work, 'tampered');
    await cp(release, tampered, { recursive: true });
    const wasm = Buffer.concat([await readFile(join(tampered, 'py_func.wasm')), Buffer.from([0])]);
    await writeFile(join(tampered, 'py_func.wasm'), wasm);
    const sums = (await readFile(join(tampered, 'SHA256SUMS'), 'utf8')).replace(
      /^[0-9a-f]{64}( {2}py_func\.wasm)$/m,
      `${sha256(wasm)}$1`,
    );
    await writeFile(join(tampered, 'SHA256SUMS'), sums);
    // The default cache: the bundle of this tree is there already, so this one is quick.
    const code = await main(['verify', tampered, '--repo', repo, '--cache-dir', defaultCacheDir()]);
    expect(console_.out.filter((l) => !l.startsWith('same'))).toEqual([
      expect.stringMatching(
        /^DIFFERS {2}py_func\.wasm: the release has sha256 [0-9a-f]{16}\.\.\., the rebuild [0-9a-f]{16}\.\.\.$/,
      ),
      `v${version}: ${assets()} files, ${assets() - 1} the same, 1 differs (py_func.wasm)`,
    ]);
    expect(code).toBe(1);
  }, 1_800_000);
});
