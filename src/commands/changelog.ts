// `faasm-python changelog`: CHANGELOG.md from the commits between the v* release tags.
import { resolve } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { changelogPath, changelogText } from '../release/changelog-file.js';
import { writeFileAtomic } from '../util/fs.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const changelogCommand: Command = {
  name: 'changelog',
  summary: 'Write CHANGELOG.md from the commits between the v* release tags',
  usage: `Usage: faasm-python changelog [--output FILE | --stdout] [--unreleased] [--repo-url URL]

  --output FILE   where to write it (default CHANGELOG.md at the repository root)
  --stdout        print it instead
  --unreleased    add a section for the commits after the newest release tag (a preview)
  --repo-url URL  link each release's compare view (default: package.json's repository)

One section per release tag, newest first; commits are grouped as in the release notes
(Conventional Commits prefixes, else the first word). The committed CHANGELOG.md is this
command's output without --unreleased, so it changes when a release is tagged, not with every
commit: run it after pushing a release tag and commit the file (a unit test checks it is current).`,
  options: {
    output: { type: 'string' },
    stdout: { type: 'boolean' },
    unreleased: { type: 'boolean' },
    'repo-url': { type: 'string' },
  },
  async run(values) {
    const repoUrl = stringOption(values, 'repo-url');
    const text = await changelogText(REPO_ROOT, {
      ...(repoUrl !== undefined ? { repoUrl } : {}),
      unreleased: values.unreleased === true,
    });
    if (values.stdout === true) {
      process.stdout.write(text);
      return 0;
    }
    const out = resolve(stringOption(values, 'output') ?? changelogPath(REPO_ROOT));
    await writeFileAtomic(out, text);
    console.log(`wrote ${out}`);
    return 0;
  },
};
