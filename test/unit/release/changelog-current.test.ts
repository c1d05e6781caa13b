import { expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT } from '../../../src/paths.js';
import { changelogPath, changelogText } from '../../../src/release/changelog-file.js';
import { git } from '../../../src/release/git.js';

// The committed CHANGELOG.md is what `faasm-python changelog` writes for the release tags of
// this repository. It covers released tags only, so ordinary commits never make it stale; after
// a release tag is pushed, `./run changelog` and a commit bring it up to date.
test('CHANGELOG.md is current: what `faasm-python changelog` writes for the release tags', async () => {
  // A shallow clone lacks the tags (and the history between them) the changelog is made from.
  const shallow = await git(REPO_ROOT, ['rev-parse', '--is-shallow-repository']);
  expect(
    shallow === 'true'
      ? 'this clone is shallow: fetch the whole history and the tags (actions/checkout with fetch-depth: 0)'
      : 'full history',
  ).toBe('full history');
  const committed = await readFile(changelogPath(REPO_ROOT), 'utf8').catch(() => '(missing)');
  const expected = await changelogText(REPO_ROOT);
  expect({ committed, fix: "run './run changelog' and commit CHANGELOG.md" }).toEqual({
    committed: expected,
    fix: "run './run changelog' and commit CHANGELOG.md",
  });
}, 60_000);
