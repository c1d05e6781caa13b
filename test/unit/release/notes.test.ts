import {
  changelog,
  classify,
  previousTag,
  releaseNotes,
  renderNotes,
} from '../../../src/release/notes.js';
import { projectFiles, tempRepo, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

describe('previousTag', () => {
  const tags = ['v0.1.0', 'v0.1.1', 'v0.2.0-rc.1', 'v0.2.0-rc.2', 'v0.2.0', 'v0.3.0', 'junk', 'v1'];
  test.each([
    ['0.2.0', 'v0.1.1'], // a final release skips its own candidates
    ['0.2.0-rc.2', 'v0.2.0-rc.1'], // a candidate follows the one before it
    ['0.2.0-rc.1', 'v0.1.1'],
    ['0.2.1', 'v0.2.0'],
    ['0.1.0', undefined],
    ['0.0.1', undefined],
  ])('before %s comes %s', (version, expected) => {
    expect(previousTag(tags, version)).toBe(expected);
  });
});

describe('renderNotes', () => {
  test('lists commits with a compare link', () => {
    const notes = renderNotes({
      version: '0.2.0',
      previous: 'v0.1.0',
      commits: [{ sha: 'abcdef1234567890', subject: 'Add numpy' }],
      repoUrl: 'https://github.com/o/r',
    });
    expect(notes).toBe(
      'Changes since [v0.1.0](https://github.com/o/r/compare/v0.1.0...v0.2.0):\n\n### Features\n\n- Add numpy (abcdef1)\n',
    );
  });
  test('first release and no changes', () => {
    expect(renderNotes({ version: '0.1.0', previous: undefined, commits: [] })).toBe(
      'First release.\n',
    );
    expect(renderNotes({ version: '0.1.1', previous: 'v0.1.0', commits: [] })).toBe(
      'No changes since v0.1.0.\n',
    );
  });
});

describe('classify', () => {
  test.each([
    ['feat(modules): numpy', 'Features', 'numpy'],
    ['fix: zlib link', 'Fixes', 'zlib link'],
    ['feat!: drop Python 3.8', 'Breaking changes', 'drop Python 3.8'],
    ['refactor(runner)!: one WASI layer', 'Breaking changes', 'one WASI layer'],
    ['docs: README', 'Documentation', 'README'],
    ['ci: pin actions', 'Maintenance', 'pin actions'],
    ['perf: cache compiled module', 'Performance', 'cache compiled module'],
    ['Add pyaes', 'Features', 'Add pyaes'],
    ['Fix the sleep hang', 'Fixes', 'Fix the sleep hang'],
    ['README: actions', 'Documentation', 'README: actions'],
    ['release.yml: refuse drift', 'Other changes', 'release.yml: refuse drift'],
    ['Version line continues', 'Other changes', 'Version line continues'],
  ])('%s -> %s', (subject, group, text) => {
    expect(classify({ sha: 'x', subject })).toEqual({ group, text });
  });

  test('groups print in a fixed order', () => {
    const notes = renderNotes({
      version: '0.2.0',
      previous: 'v0.1.0',
      commits: [
        { sha: '1111111aaaa', subject: 'chore: tidy' },
        { sha: '2222222bbbb', subject: 'fix: b' },
        { sha: '3333333cccc', subject: 'feat: a' },
        { sha: '4444444dddd', subject: 'fix: c' },
      ],
    });
    expect(notes).toBe(
      [
        'Changes since v0.1.0:',
        '',
        '### Features',
        '',
        '- a (3333333)',
        '',
        '### Fixes',
        '',
        '- b (2222222)',
        '- c (4444444)',
        '',
        '### Maintenance',
        '',
        '- tidy (1111111)',
        '',
      ].join('\n'),
    );
  });
});

describe('changelog', () => {
  test('one section per final tag, newest first, and Unreleased when asked', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    repo.git('tag', '-a', '-m', 'r', 'v0.1.0');
    await repo.commit('feat: pyaes');
    repo.git('tag', '-a', '-m', 'r', 'v0.2.0-rc.1');
    await repo.commit('fix: zlib');
    repo.git('tag', '-a', '-m', 'r', 'v0.2.0');
    await repo.commit('docs: more');
    const text = await changelog(repo.root, { unreleased: true });
    const headings = text.split('\n').filter((l) => l.startsWith('## '));
    expect(headings.map((h) => h.replace(/ \(\d{4}-\d\d-\d\d\)$/, ''))).toEqual([
      '## Unreleased',
      '## 0.2.0',
      '## 0.1.0',
    ]);
    const section = (name: string) => text.split(`## ${name}`)[1]?.split('\n## ')[0] ?? '';
    expect(section('Unreleased')).toMatch(/### Documentation\n\n- more \(/);
    expect(section('0.2.0')).toContain('Changes since v0.1.0:');
    expect(section('0.2.0')).toMatch(/### Features\n\n- pyaes \(/);
    expect(section('0.2.0')).toMatch(/### Fixes\n\n- zlib \(/);
    expect(section('0.1.0')).toContain('Changes in this first release:');
    // Without it, released tags only: a commit after the newest tag changes nothing.
    const released = await changelog(repo.root);
    await repo.commit('feat: more');
    expect(await changelog(repo.root)).toBe(released);
    expect(released).not.toContain('## Unreleased');
    expect(released.split('\n## ').slice(1)).toEqual(text.split('\n## ').slice(2));
  }, 60_000); // real git repositories: slow on a loaded machine

  test('before the first release tag it says so', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    await repo.commit('feat: pyaes');
    expect(await changelog(repo.root)).toMatch(/\n\nNo release has been tagged yet\.\n$/);
    expect(await changelog(repo.root, { unreleased: true })).toMatch(/## Unreleased\n/);
  }, 60_000);
});

describe('releaseNotes', () => {
  test('covers the commits since the previous release tag, newest first, without merges', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    repo.git('tag', '-a', '-m', 'r', 'v0.1.0');
    await repo.commit('Add pyaes');
    repo.git('tag', '-a', '-m', 'r', 'v0.2.0-rc.1');
    await repo.commit('Fix zlib');
    repo.git('checkout', '-q', '-b', 'side');
    await repo.commit('Side work');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge side', 'side');
    repo.git('tag', '-a', '-m', 'r', 'v0.2.0');
    // A tag on a later commit is not "previous" even though it sorts lower.
    await repo.commit('After');
    repo.git('tag', 'v0.1.5');

    const notes = await releaseNotes(repo.root, 'v0.2.0', '0.2.0');
    const lines = notes
      .split('\n')
      .filter((l) => l.startsWith('- '))
      .map((l) => l.replace(/ \(\w+\)$/, ''));
    expect(notes.split('\n')[0]).toBe('Changes since v0.1.0:');
    // Commits made within one second have no defined order, so compare as a set.
    expect(lines.sort()).toEqual(['- Add pyaes', '- Fix zlib', '- Side work']);
    expect(notes).not.toContain('Merge side');
    expect(notes).not.toContain('After');

    const rc = await releaseNotes(repo.root, 'v0.2.0-rc.1', '0.2.0-rc.1');
    expect(rc).toMatch(
      /^Changes since v0\.1\.0:\n\n### Features\n\n- Add pyaes \([0-9a-f]{7}\)\n$/,
    );
  }, 60_000); // real git repositories: slow on a loaded machine

  test('the first release lists every commit; a missing tag is one sentence', async () => {
    const repo = await tempRepo(projectFiles('0.1.0'));
    await repo.commit('Second');
    repo.git('tag', '-a', '-m', 'r', 'v0.1.0');
    const notes = await releaseNotes(repo.root, 'v0.1.0', '0.1.0');
    expect(notes).toMatch(
      /^Changes in this first release:\n\n### Other changes\n\n- Second \(\w+\)\n- initial \(\w+\)\n$/,
    );
    await expect(releaseNotes(repo.root, 'v9.9.9', '9.9.9')).rejects.toThrow(
      "The tag v9.9.9 does not exist here; run 'faasm-python tag --push' first.",
    );
  }, 60_000); // real git repositories: slow on a loaded machine
});
