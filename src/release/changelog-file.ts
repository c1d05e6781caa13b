/**
 * CHANGELOG.md as `faasm-python changelog` writes it into the repository, in one place, so the
 * command and the check that the committed file is current (test/unit/release/changelog-current)
 * cannot disagree: the released tags' notes, linked to the project's canonical repository (from
 * package.json, not the environment, so a fork's CI or a local run writes the same text), in the
 * repository's prettier format.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asRepoFormats } from '../util/format.js';
import { changelog } from './notes.js';

/** The repository's web URL from package.json's `repository` (https://github.com/o/r). */
export async function projectRepoUrl(repoRoot: string): Promise<string | undefined> {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    repository?: string | { url?: string };
  };
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!raw) return undefined;
  return raw.replace(/^git\+/, '').replace(/\.git$/, '');
}

export const changelogPath = (repoRoot: string) => join(repoRoot, 'CHANGELOG.md');

/** The text `faasm-python changelog` writes (with `unreleased`, the preview it prints). */
export async function changelogText(
  repoRoot: string,
  opts: { repoUrl?: string; unreleased?: boolean } = {},
): Promise<string> {
  const repoUrl = opts.repoUrl ?? (await projectRepoUrl(repoRoot));
  const text = await changelog(repoRoot, {
    ...(repoUrl ? { repoUrl } : {}),
    ...(opts.unreleased ? { unreleased: true } : {}),
  });
  return asRepoFormats(changelogPath(repoRoot), text, 'markdown');
}
