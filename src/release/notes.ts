// Release notes from the commits since the previous tag, grouped by kind.
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

/** The sections of the notes, in the order they are printed. */
export const GROUPS = [
  'Breaking changes',
  'Features',
  'Fixes',
  'Performance',
  'Documentation',
  'Maintenance',
  'Other changes',
] as const;
export type Group = (typeof GROUPS)[number];

const CONVENTIONAL: Record<string, Group> = {
  feat: 'Features',
  feature: 'Features',
  fix: 'Fixes',
  perf: 'Performance',
  docs: 'Documentation',
  doc: 'Documentation',
  refactor: 'Maintenance',
  test: 'Maintenance',
  tests: 'Maintenance',
  build: 'Maintenance',
  ci: 'Maintenance',
  chore: 'Maintenance',
  style: 'Maintenance',
  revert: 'Other changes',
};

/**
 * Conventional-ish grouping of one commit: a Conventional Commits prefix (`feat(x)!: ...`) when
 * there is one, else the subject's first word (Add/Support -> Features, Fix -> Fixes, ...), since
 * this project's history is mostly plain sentences. Returns the group and the subject without
 * its prefix.
 */
export function classify(commit: NoteCommit & { body?: string }): { group: Group; text: string } {
  const m = /^(\w+)(?:\([^)]*\))?(!)?:\s*(.+)$/.exec(commit.subject);
  const type = m?.[1]?.toLowerCase();
  if (m && type && (type in CONVENTIONAL || m[2])) {
    const breaking = m[2] === '!' || /^BREAKING[ -]CHANGE:/m.test(commit.body ?? '');
    const text = m[3] ?? commit.subject;
    return { group: breaking ? 'Breaking changes' : (CONVENTIONAL[type] ?? 'Other changes'), text };
  }
  const first = (/^\s*([A-Za-z]+)/.exec(commit.subject)?.[1] ?? '').toLowerCase();
  const text = commit.subject;
  if (/^(add|adds|added|support|supports|new|implement|implements|introduce)$/.test(first))
    return { group: 'Features', text };
  if (/^(fix|fixes|fixed|repair|correct)$/.test(first)) return { group: 'Fixes', text };
  if (/^(faster|speed|speeds|perf)$/.test(first)) return { group: 'Performance', text };
  if (/^(docs?|readme)$/.test(first)) return { group: 'Documentation', text };
  if (/^(ci|test|tests|refactor|bump|chore|lint|deps|build)$/.test(first))
    return { group: 'Maintenance', text };
  return { group: 'Other changes', text };
}

/** The commits as Markdown sections (`### Features` ...), in GROUPS order, commits in order. */
function renderGroups(commits: readonly NoteCommit[], heading: string): string[] {
  const byGroup = new Map<Group, string[]>();
  for (const c of commits) {
    const { group, text } = classify(c);
    const lines = byGroup.get(group) ?? [];
    lines.push(`- ${text} (${c.sha.slice(0, 7)})`);
    byGroup.set(group, lines);
  }
  return GROUPS.filter((g) => byGroup.has(g)).flatMap((g) => [
    '',
    `${heading} ${g}`,
    '',
    ...(byGroup.get(g) ?? []),
  ]);
}

/** Markdown release notes: the commits grouped by kind, newest first in each group. Pure. */
export function renderNotes(input: {
  version: string;
  previous: string | undefined;
  commits: readonly NoteCommit[];
  /** e.g. https://github.com/owner/repo, to link the compare view. */
  repoUrl?: string;
  /** Markdown heading for the groups (default ###). */
  heading?: string;
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
  lines.push(...renderGroups(commits, input.heading ?? '###'));
  return `${lines.join('\n')}\n`;
}

/** Non-merge commits in a git range (or up to a commit), newest first. */
async function commitsIn(repoRoot: string, range: string): Promise<NoteCommit[]> {
  const log = await git(repoRoot, ['log', '--no-merges', '--format=%H%x09%s', range]);
  return log
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha = '', ...subject] = l.split('\t');
      return { sha, subject: subject.join('\t') };
    });
}

/** The tag a release's notes start from, among the v* tags reachable from `commit`. */
async function previousReachable(repoRoot: string, commit: string, tag: string, version: string) {
  // Only tags reachable from this one: a release on a maintenance branch ignores newer lines.
  const tags = (await git(repoRoot, ['tag', '--merged', commit, '--list', 'v*'])).split('\n');
  return previousTag(
    tags.filter((t) => t && t !== tag),
    version,
  );
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
  const previous = await previousReachable(repoRoot, commit, tag, version);
  const commits = await commitsIn(repoRoot, previous ? `refs/tags/${previous}..${commit}` : commit);
  return renderNotes({ version, previous, commits, ...(repoUrl ? { repoUrl } : {}) });
}

/**
 * CHANGELOG.md for the whole history: one section per final `v*` tag, newest first, each with
 * the notes releaseNotes gives it. Released tags only, so the text changes when a release is
 * tagged and not with every commit; `unreleased` adds a section for the commits after the
 * newest tag (a preview of the next release's notes).
 */
export async function changelog(
  repoRoot: string,
  opts: { repoUrl?: string; unreleased?: boolean } = {},
): Promise<string> {
  const tags = (await git(repoRoot, ['tag', '--list', 'v*']))
    .split('\n')
    .filter((t) => {
      const v = semver.valid(t.slice(1));
      return t.startsWith('v') && v !== null && semver.prerelease(v) === null;
    })
    .sort((a, b) => semver.rcompare(a.slice(1), b.slice(1)));
  const out = [
    '# Changelog',
    '',
    'Generated by `faasm-python changelog` from the commits between release tags.',
  ];
  if (opts.unreleased) {
    const head = await commitOf(repoRoot, 'HEAD');
    const newest = tags[0];
    const unreleased = head
      ? await commitsIn(repoRoot, newest ? `refs/tags/${newest}..${head}` : head)
      : [];
    if (unreleased.length) out.push('', '## Unreleased', ...renderGroups(unreleased, '###'));
  }
  if (!tags.length) out.push('', 'No release has been tagged yet.');
  for (const tag of tags) {
    const version = tag.slice(1);
    const commit = await commitOf(repoRoot, `refs/tags/${tag}`);
    if (!commit) continue;
    const date = await git(repoRoot, ['log', '-1', '--format=%cs', commit]);
    const notes = await releaseNotes(repoRoot, tag, version, opts.repoUrl);
    out.push('', `## ${version} (${date})`, '', notes.trimEnd());
  }
  return `${out.join('\n')}\n`;
}
