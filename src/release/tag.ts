// Release tags: the tag for VERSION, checks against it, creating and pushing it.
import semver from 'semver';
import { ExecError, UserError } from '../util/errors.js';
import { commitOf, dirtyFiles, git, gitMaybe, gitRemote } from './git.js';
import { readVersion } from './version.js';
import { assertInStep, checkVersions } from './versioned-files.js';

export interface TagOptions {
  /** Push the tag to `remote` as well. */
  push?: boolean;
  /** Move a tag of the same name that points at another commit. */
  force?: boolean;
  remote?: string;
  /** The tag the caller expects (e.g. from a pushed ref); refused unless it is v<VERSION>. */
  tag?: string;
  log?: string;
}

export interface TagResult {
  tag: string;
  commit: string;
  /** Whether a tag was (re)created locally; false when it already pointed at HEAD. */
  created: boolean;
  pushed: boolean;
}

export const tagName = (version: string): string => `v${version}`;

/**
 * Refuses a tag name that is not v<VERSION>, so a pushed ref and the version files cannot
 * disagree. Returns VERSION.
 */
export async function assertTagMatchesVersion(repoRoot: string, tag: string | undefined) {
  const version = await readVersion(repoRoot);
  if (tag !== undefined && tag !== tagName(version)) {
    throw new UserError(
      `The tag ${tag} does not match VERSION ${version}; tag v${version}, or bump VERSION first.`,
    );
  }
  return version;
}

/** The commit `refs/tags/<tag>` has on `remote`, or undefined when it has none. */
async function remoteTagCommit(repoRoot: string, remote: string, tag: string) {
  if ((await gitMaybe(repoRoot, ['remote', 'get-url', remote])) === undefined) {
    throw new UserError(`There is no git remote '${remote}'; add it or pass --remote NAME.`);
  }
  let out: string;
  try {
    out = await gitRemote(repoRoot, remote, [
      'ls-remote',
      '--tags',
      remote,
      `refs/tags/${tag}`,
      `refs/tags/${tag}^{}`,
    ]);
  } catch (err) {
    if (err instanceof ExecError) {
      throw new UserError(
        `Cannot reach the git remote '${remote}' (${err.tail.at(-1) ?? err.message}); check its URL and your access.`,
      );
    }
    throw err;
  }
  const refs = new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha = '', ref = ''] = l.split('\t');
        return [ref, sha] as const;
      }),
  );
  // An annotated tag is listed twice: the tag object, and `^{}` with the commit it peels to.
  return refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`);
}

/** The `v*` tags `remote` has, by ls-remote (names only). */
async function remoteVersionTags(repoRoot: string, remote: string): Promise<string[]> {
  const out = await gitRemote(repoRoot, remote, [
    'ls-remote',
    '--tags',
    '--refs',
    remote,
    'refs/tags/v*',
  ]);
  return out
    .split('\n')
    .map((l) => l.split('\t')[1]?.replace(/^refs\/tags\//, '') ?? '')
    .filter(Boolean);
}

/** The highest semver among `tags` (v-prefixed names), other than `except`. */
export function highestVersionTag(tags: readonly string[], except?: string): string | undefined {
  let best: string | undefined;
  for (const tag of tags) {
    const v = tag !== except && tag.startsWith('v') ? semver.valid(tag.slice(1)) : null;
    if (v && (!best || semver.gt(v, best))) best = v;
  }
  return best;
}

/**
 * Refuses a version at or below the highest `v*` tag already made (here, or on the remote when
 * pushing): `latest` and the release line must never move backwards. The tag itself is left out,
 * so re-running `tag` for the same version stays a no-op.
 */
function assertAhead(version: string, tags: readonly string[]): void {
  const highest = highestVersionTag(tags, tagName(version));
  if (highest !== undefined && !semver.gt(version, highest)) {
    throw new UserError(
      `VERSION ${version} is not above the highest release tag v${highest}; bump it past ${highest} (faasm-python bump --set X.Y.Z) before tagging.`,
    );
  }
}

/**
 * Creates the annotated tag v<VERSION> at HEAD and optionally pushes it. Re-running on the same
 * commit does nothing; every refusal (files out of step, dirty tree, tag on another commit) comes
 * before anything is created or pushed.
 */
export async function createTag(repoRoot: string, opts: TagOptions = {}): Promise<TagResult> {
  const remote = opts.remote ?? 'origin';
  const version = await assertTagMatchesVersion(repoRoot, opts.tag);
  const tag = tagName(version);
  assertInStep(await checkVersions(repoRoot));

  if ((await gitMaybe(repoRoot, ['rev-parse', '--git-dir'])) === undefined) {
    throw new UserError(`${repoRoot} is not a git repository; tag from a checkout.`);
  }
  const head = await commitOf(repoRoot, 'HEAD');
  if (!head) throw new UserError(`${repoRoot} has no commits yet; commit before tagging.`);
  const dirty = await dirtyFiles(repoRoot);
  if (dirty.length) {
    throw new UserError(
      `The work tree has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', ...' : ''}); commit or stash them before tagging.`,
    );
  }

  const short = (sha: string) => sha.slice(0, 12);
  const local = await commitOf(repoRoot, `refs/tags/${tag}`);
  const annotated =
    local !== undefined && (await git(repoRoot, ['cat-file', '-t', `refs/tags/${tag}`])) === 'tag';
  const localOk = local === head && annotated;
  if (local !== undefined && !localOk && !opts.force) {
    throw new UserError(
      local !== head
        ? `The tag ${tag} already points at ${short(local)}, not HEAD ${short(head)}; use --force to move it.`
        : `The tag ${tag} is a lightweight tag; use --force to replace it with an annotated one.`,
    );
  }
  const localTags = (await git(repoRoot, ['tag', '--list', 'v*'])).split('\n');
  let remoteCommit: string | undefined;
  if (opts.push) {
    remoteCommit = await remoteTagCommit(repoRoot, remote, tag);
    assertAhead(version, [...localTags, ...(await remoteVersionTags(repoRoot, remote))]);
    if (remoteCommit !== undefined && remoteCommit !== head && !opts.force) {
      throw new UserError(
        `The tag ${tag} on ${remote} points at ${short(remoteCommit)}, not HEAD ${short(head)}; use --force to move it.`,
      );
    }
  }

  if (!opts.push) assertAhead(version, localTags);

  let created = false;
  if (!localOk) {
    if ((await gitMaybe(repoRoot, ['var', 'GIT_COMMITTER_IDENT'])) === undefined) {
      throw new UserError(
        'git has no committer identity; set user.name and user.email with git config.',
      );
    }
    const force = local !== undefined ? ['-f'] : [];
    await git(
      repoRoot,
      ['tag', '-a', ...force, '-m', `faasm-python ${version}`, tag, head],
      opts.log,
    );
    created = true;
  }
  let pushed = false;
  if (opts.push && remoteCommit !== head) {
    const force = remoteCommit !== undefined ? ['--force'] : [];
    await gitRemote(
      repoRoot,
      remote,
      ['push', ...force, remote, `refs/tags/${tag}:refs/tags/${tag}`],
      opts.log,
    );
    pushed = true;
  }
  return { tag, commit: head, created, pushed };
}
