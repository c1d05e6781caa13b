import { afterAll, beforeEach, expect, jest, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectFiles, removeTempDirs, tempRepo } from './helpers.js';

// `--json` on bump, tag, release and image, against a real git repository standing in for the
// checkout: the result is one JSON document on stdout, with the fields the bump-version,
// tag-release and build-image actions give as outputs, and progress on stderr. bump and tag run
// for real; release and image have GitHub and the container engine replaced (their own tests
// cover those), so what is checked here is the command's output.
jest.setTimeout(30_000);

const repo = await tempRepo(projectFiles('0.1.0'));
const real = await import('../../../src/paths.js');
jest.unstable_mockModule('../../../src/paths.js', () => ({ ...real, REPO_ROOT: repo.root }));
const bundle = await import('../../../src/release/bundle.js');
jest.unstable_mockModule('../../../src/release/bundle.js', () => ({
  ...bundle,
  verifyBundle: async () => ({ files: [] }),
}));
jest.unstable_mockModule('../../../src/release/publish.js', () => ({
  publishTaggedRelease: async (opts: { info?: (m: string) => void; tag: string }) => {
    (opts.info ?? console.log)(`uploading ${opts.tag}`);
    const url = `https://github.com/o/r/releases/tag/${opts.tag}`;
    return {
      ...{ releaseId: 7, url, action: 'created', prerelease: false },
      ...{ uploaded: ['SHA256SUMS'], replaced: [], skipped: [] },
    };
  },
}));
const engine = await import('../../../src/image/engine.js');
jest.unstable_mockModule('../../../src/image/engine.js', () => ({
  ...engine,
  selectEngine: async () => 'podman',
}));
const context = await import('../../../src/image/context.js');
jest.unstable_mockModule('../../../src/image/context.js', () => ({
  ...context,
  buildImageFromBundle: async (opts: { tags: string[]; platforms?: { platform: string }[] }) => ({
    imageId: 'abc123',
    tags: opts.tags,
    images: opts.platforms?.map((p, i) => ({ platform: p.platform, imageId: `id${i}` })),
  }),
}));
const { main } = await import('../../../src/cli.js');

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterAll(async () => {
  jest.restoreAllMocks();
  await removeTempDirs();
});

test('bump --json prints the previous and new version, the tag and the files rewritten', async () => {
  expect(await main(['bump', '--minor', '--json'])).toBe(0);
  expect(JSON.parse(out.join('\n'))).toEqual({
    previous: '0.1.0',
    version: '0.2.0',
    tag: 'v0.2.0',
    files: ['VERSION', 'package.json', 'Dockerfile'],
  });
  expect(await readFile(join(repo.root, 'VERSION'), 'utf8')).toBe('0.2.0\n');
});

test('tag --json prints the tag, its commit, whether it was made and where it was pushed', async () => {
  const head = await repo.commit('0.2.0');
  expect(await main(['tag', '--push', '--json'])).toBe(0);
  expect(JSON.parse(out.join('\n'))).toEqual({
    tag: 'v0.2.0',
    commit: head,
    created: true,
    pushed: true,
    remote: 'origin',
  });
  out = [];
  expect(await main(['tag', '--json'])).toBe(0);
  expect(JSON.parse(out.join('\n'))).toMatchObject({ created: false, pushed: false, remote: null });
});

test('release --json prints the release on stdout, its progress on stderr', async () => {
  const token = join(repo.root, '..', 'token');
  await writeFile(token, 'ghp_fromfile\n');
  const args = ['release', '--bundle', repo.root, '--token-file', token, '--repo', 'o/r'];
  expect(await main([...args, '--json'])).toBe(0);
  expect(JSON.parse(out.join('\n'))).toEqual({
    tag: 'v0.2.0',
    version: '0.2.0',
    releaseId: 7,
    url: 'https://github.com/o/r/releases/tag/v0.2.0',
    action: 'created',
    prerelease: false,
    uploaded: ['SHA256SUMS'],
    replaced: [],
    skipped: [],
  });
  expect(err).toEqual(['uploading v0.2.0']);
});

test('image --json prints the image, its tags and whether it was pushed', async () => {
  const env = { GITHUB_REF: process.env.GITHUB_REF, GITHUB_SHA: process.env.GITHUB_SHA };
  delete process.env.GITHUB_REF;
  delete process.env.GITHUB_SHA;
  try {
    expect(await main(['image', '--bundle', repo.root, '--owner', 'faasm', '--json'])).toBe(0);
  } finally {
    for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  }
  const result = JSON.parse(out.join('\n')) as { tags: string[] };
  expect(result).toEqual({
    image: 'ghcr.io/faasm/cpython:0.2.0',
    version: '0.2.0',
    tags: expect.arrayContaining(['ghcr.io/faasm/cpython:0.2.0', 'ghcr.io/faasm/cpython:latest']),
    imageId: 'abc123',
    digest: null,
    pushed: false,
    platforms: [
      { platform: 'linux/amd64', imageId: 'id0' },
      { platform: 'linux/arm64', imageId: 'id1' },
    ],
  });
});
