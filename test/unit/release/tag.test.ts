import { jest } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTag } from '../../../src/release/tag.js';
import { UserError } from '../../../src/util/errors.js';
import { projectFiles, run, tempRepo, removeTempDirs } from './helpers.js';

/** What the bare remote has for a tag: [tag object type, commit it peels to], or undefined. */
function remoteTag(remote: string, tag: string): [string, string] | undefined {
  try {
    return [
      run(remote, 'git', ['cat-file', '-t', `refs/tags/${tag}`]),
      run(remote, 'git', ['rev-parse', `refs/tags/${tag}^{commit}`]),
    ];
  } catch {
    return undefined;
  }
}

// Each test runs a few dozen git processes; on a loaded machine that takes more than jest's 5 s.
jest.setTimeout(30_000);

afterAll(removeTempDirs);

describe('createTag', () => {
  test('creates an annotated v<VERSION> at HEAD and pushes it; a re-run is a no-op', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    const head = repo.git('rev-parse', 'HEAD');
    const first = await createTag(repo.root, { push: true });
    expect(first).toEqual({ tag: 'v0.1.0', commit: head, created: true, pushed: true });
    expect(repo.git('cat-file', '-t', 'v0.1.0')).toBe('tag');
    expect(repo.git('tag', '-l', '--format=%(contents:subject)', 'v0.1.0')).toBe(
      'faasm-python 0.1.0',
    );
    expect(remoteTag(repo.remote, 'v0.1.0')).toEqual(['tag', head]);

    const tagObject = repo.git('rev-parse', 'v0.1.0');
    const again = await createTag(repo.root, { push: true });
    expect(again).toEqual({ tag: 'v0.1.0', commit: head, created: false, pushed: false });
    expect(repo.git('rev-parse', 'v0.1.0')).toBe(tagObject);
  });

  test('without --push nothing reaches the remote', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    expect((await createTag(repo.root)).created).toBe(true);
    expect(remoteTag(repo.remote, 'v0.1.0')).toBeUndefined();
  });

  test('a re-run with --push pushes a tag that was only made locally', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    await createTag(repo.root);
    const result = await createTag(repo.root, { push: true });
    expect(result).toMatchObject({ created: false, pushed: true });
    expect(remoteTag(repo.remote, 'v0.1.0')?.[1]).toBe(repo.git('rev-parse', 'HEAD'));
  });

  test('a tag on another commit is an error unless --force, which moves it locally and remotely', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    const old = repo.git('rev-parse', 'HEAD');
    await createTag(repo.root, { push: true });
    const head = await repo.commit('fix', { 'src.txt': 'fixed\n' });
    repo.git('push', '-q', 'origin', 'main');

    await expect(createTag(repo.root, { push: true })).rejects.toThrow(
      new RegExp(
        `The tag v0\\.1\\.0 already points at ${old.slice(0, 12)}, not HEAD ${head.slice(0, 12)}; use --force`,
      ),
    );
    expect(repo.git('rev-parse', 'v0.1.0^{commit}')).toBe(old);
    expect(remoteTag(repo.remote, 'v0.1.0')?.[1]).toBe(old);

    const forced = await createTag(repo.root, { push: true, force: true });
    expect(forced).toMatchObject({ created: true, pushed: true, commit: head });
    expect(repo.git('rev-parse', 'v0.1.0^{commit}')).toBe(head);
    expect(remoteTag(repo.remote, 'v0.1.0')).toEqual(['tag', head]);
  });

  test('a tag on the remote at another commit is refused before anything is created', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    const old = repo.git('rev-parse', 'HEAD');
    await createTag(repo.root, { push: true });
    repo.git('tag', '-d', 'v0.1.0');
    await repo.commit('more');
    await expect(createTag(repo.root, { push: true })).rejects.toThrow(/on origin points at/);
    expect(repo.git('tag', '-l', 'v0.1.0')).toBe('');
    expect(remoteTag(repo.remote, 'v0.1.0')?.[1]).toBe(old);
  });

  test('a lightweight tag at HEAD is replaced only with --force', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    repo.git('tag', 'v0.1.0');
    await expect(createTag(repo.root)).rejects.toThrow(/lightweight/);
    await createTag(repo.root, { force: true });
    expect(repo.git('cat-file', '-t', 'v0.1.0')).toBe('tag');
  });

  test('refuses a version at or below the highest v* tag on the remote, before anything is made', async () => {
    const repo = await tempRepo(projectFiles('0.4.0'));
    await createTag(repo.root, { push: true });
    // Someone else's clone: it has never fetched v0.4.0, and VERSION went back to 0.3.0.
    repo.git('tag', '-d', 'v0.4.0');
    await repo.commit('back', projectFiles('0.3.0'));
    for (const version of ['0.3.0', '0.4.0']) {
      if (version === '0.4.0') await repo.commit('same', projectFiles('0.4.0'));
      await expect(createTag(repo.root, { push: true })).rejects.toThrow(
        version === '0.3.0'
          ? 'VERSION 0.3.0 is not above the highest release tag v0.4.0; bump it past 0.4.0 (faasm-python bump --set X.Y.Z) before tagging.'
          : /The tag v0\.4\.0 on origin points at/,
      );
    }
    expect(repo.git('tag', '-l')).toBe('');
    expect(remoteTag(repo.remote, 'v0.3.0')).toBeUndefined();
  });

  test.each([
    ['0.4.9', ['v0.5.0-rc.1'], /not above the highest release tag v0\.5\.0-rc\.1/],
    ['0.5.0-rc.1', ['v0.5.0'], /not above the highest release tag v0\.5\.0/],
    [
      '0.5.0',
      ['v0.4.0', 'v0.5.0-rc.2', 'not-a-version', 'v1.0.0-beta.1'],
      /above the highest release tag v1\.0\.0-beta\.1/,
    ],
    ['0.5.0', ['v0.4.0', 'v0.5.0-rc.2', 'vX'], undefined],
  ])('VERSION %s with local tags %j', async (version, tags, refusal) => {
    const repo = await tempRepo(projectFiles('0.0.1'));
    for (const t of tags) repo.git('tag', t);
    await repo.commit('bump', projectFiles(version));
    const result = createTag(repo.root);
    if (refusal) await expect(result).rejects.toThrow(refusal);
    else await expect(result).resolves.toMatchObject({ tag: `v${version}`, created: true });
  });

  const refusals: [
    string,
    (repo: Awaited<ReturnType<typeof tempRepo>>) => Promise<void>,
    object,
    RegExp,
  ][] = [
    [
      'a dirty work tree',
      async (repo) =>
        writeFile(
          join(repo.root, 'Dockerfile'),
          'FROM scratch\nARG FAASM_PYTHON_VERSION=0.1.0\n# edit\n',
        ),
      {},
      /uncommitted changes \(Dockerfile\); commit or stash/,
    ],
    [
      'a tag that differs from VERSION',
      async () => undefined,
      { tag: 'v0.2.0' },
      /The tag v0\.2\.0 does not match VERSION 0\.1\.0/,
    ],
    [
      'files out of step with VERSION',
      async (repo) => {
        await repo.commit('drift', { 'package.json': '{"name": "x", "version": "0.0.9"}\n' });
      },
      {},
      /out of step.*package\.json:1 has 0\.0\.9/,
    ],
    [
      'an unknown remote',
      async () => undefined,
      { remote: 'upstream' },
      /no git remote 'upstream'/,
    ],
    [
      'an unreachable remote',
      async (repo) => {
        repo.git('remote', 'set-url', 'origin', join(repo.root, 'no-such-remote.git'));
      },
      {},
      /Cannot reach the git remote 'origin'/,
    ],
  ];
  test.each(refusals)(
    'refuses %s: no tag made, none pushed',
    async (_name, setup, opts, message) => {
      const repo = await tempRepo(projectFiles('0.1.0'));
      await setup(repo);
      const result = createTag(repo.root, { push: true, ...opts });
      await expect(result).rejects.toThrow(message);
      await expect(createTag(repo.root, { push: true, ...opts })).rejects.toBeInstanceOf(UserError);
      expect(repo.git('tag', '-l')).toBe('');
      expect(remoteTag(repo.remote, 'v0.1.0')).toBeUndefined();
      expect(remoteTag(repo.remote, 'v0.2.0')).toBeUndefined();
    },
  );
});
