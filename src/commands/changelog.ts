import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { changelog } from '../release/notes.js';
import { writeFileAtomic } from '../util/fs.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const changelogCommand: Command = {
  name: 'changelog',
  summary: 'Write CHANGELOG.md from the commits between the v* release tags',
  usage: `Usage: faasm-python changelog [--output FILE | --stdout] [--repo-url URL]

  --output FILE   where to write it (default CHANGELOG.md at the repository root)
  --stdout        print it instead
  --repo-url URL  link each release's compare view (default from $GITHUB_REPOSITORY)

One section per release tag, newest first, and Unreleased for commits after the newest; commits
are grouped as in the release notes (Conventional Commits prefixes, else the first word).`,
  options: {
    output: { type: 'string' },
    stdout: { type: 'boolean' },
    'repo-url': { type: 'string' },
  },
  async run(values) {
    const env = process.env;
    const repoUrl =
      stringOption(values, 'repo-url') ??
      (env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`
        : undefined);
    const text = await changelog(REPO_ROOT, repoUrl);
    if (values.stdout === true) {
      process.stdout.write(text);
      return 0;
    }
    const out = resolve(stringOption(values, 'output') ?? join(REPO_ROOT, 'CHANGELOG.md'));
    await writeFileAtomic(out, text);
    console.log(`wrote ${out}`);
    return 0;
  },
};
