import semver from 'semver';
import { UserError } from '../util/errors.js';
import { commitOf, git } from './git.js';

export interface NoteCommit {
  sha: string;
  subject: string;
}

/**
 * The tag a release's notes start from: the highest v<semver> tag below `version`. A final
 * release skips pre-releases, so 0.2.0's notes cover everything since 0.1.0, not since 0.2.0-rc.2.
 */
export function previousTag(tags: readonly string[], version: string): string | undefined {
  const final = semver.prerelease(version) === null;
  let best: string | undefined;
  for (const tag of tags) {
    const v = tag.startsWith('v') ? semver.valid(tag.slice(1)) : null;
    if (!v || !semver.lt(v, version)) continue;
    if (final && semver.prerelease(v) !== null) continue;
    if (!best || semver.gt(v, best)) best = v;
  }
  return best === undefined ? undefined : `v${best}`;
}

/** Markdown release notes: one line per commit, newest first. Pure. */
export function renderNotes(input: {
  version: string;
  previous: string | undefined;
  commits: readonly NoteCommit[];
  /** e.g. https://github.com/owner/repo, to link the compare view. */
  repoUrl?: string;
}): string {
  const { version, previous, commits, repoUrl } = input;
  const lines: string[] = [];
  if (previous) {
    const since = repoUrl
      ? `[${previous}](${repoUrl}/compare/${previous}...v${version})`
      : previous;
    lines.push(commits.length ? `Changes since ${since}:` : `No changes since ${since}.`);
  } else {
    lines.push(commits.length ? 'Changes in this first release:' : 'First release.');
  }
  if (commits.length)
    lines.push('', ...commits.map((c) => `- ${c.subject} (${c.sha.slice(0, 7)})`));
  return `${lines.join('\n')}\n`;
}

/** The notes for `tag` (which must exist locally): the commits since the previous release tag. */
export async function releaseNotes(
  repoRoot: string,
  tag: string,
  version: string,
  repoUrl?: string,
): Promise<string> {
  const commit = await commitOf(repoRoot, `refs/tags/${tag}`);
  if (!commit) {
    throw new UserError(`The tag ${tag} does not exist here; run 'faasm-python tag --push' first.`);
  }
  // Only tags reachable from this one: a release on a maintenance branch ignores newer lines.
  const tags = (await git(repoRoot, ['tag', '--merged', commit, '--list', 'v*'])).split('\n');
  const previous = previousTag(
    tags.filter((t) => t && t !== tag),
    version,
  );
  const range = previous ? [`refs/tags/${previous}..${commit}`] : [commit];
  const log = await git(repoRoot, ['log', '--no-merges', '--format=%H%x09%s', ...range]);
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha = '', ...subject] = l.split('\t');
      return { sha, subject: subject.join('\t') };
    });
  return renderNotes({ version, previous, commits, ...(repoUrl ? { repoUrl } : {}) });
}
