import { afterAll, beforeEach, expect, jest, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectFiles, removeTempDirs, tempRepo } from './helpers.js';

// `bump --json` and `tag --json` against a real git repository standing in for the checkout:
// the result is one JSON document on stdout, with the fields the bump-version and tag-release
// actions give as outputs.
jest.setTimeout(30_000);

const repo = await tempRepo(projectFiles('0.1.0'));
const real = await import('../../../src/paths.js');
jest.unstable_mockModule('../../../src/paths.js', () => ({ ...real, REPO_ROOT: repo.root }));
const { main } = await import('../../../src/cli.js');

let out: string[];
beforeEach(() => {
  out = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
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
