// What an image build will be: its version, reference, tags and labels, from VERSION and git.
import { commitOf, gitMaybe } from '../release/git.js';
import { readVersion } from '../release/version.js';
import { UserError } from '../util/errors.js';
import { type LabelInput, imageTags } from './tags.js';

export interface ImagePlan {
  version: string;
  ref: string;
  tags: string[];
  labels: LabelInput;
}

/**
 * The ref a local build stands for: the tag v<VERSION> when HEAD is exactly that tag, else the
 * branch checked out. A detached HEAD elsewhere has no name to tag an image with.
 */
export async function localRef(repoRoot: string, version: string): Promise<string> {
  const head = await commitOf(repoRoot, 'HEAD');
  if (head && (await commitOf(repoRoot, `refs/tags/v${version}`)) === head) {
    return `refs/tags/v${version}`;
  }
  const branch = await gitMaybe(repoRoot, ['symbolic-ref', '-q', 'HEAD']);
  if (branch) return branch;
  throw new UserError(
    `HEAD is detached and not at v${version}; check out a branch or the tag v${version}, or set GITHUB_REF.`,
  );
}

/**
 * Tags and labels of the image built from `repoRoot`: the ref given, else GITHUB_REF, else the
 * local tag or branch; the commit checked out. `created` is the commit's time,
 * so rebuilding a commit gives the same labels.
 */
export async function planImage(opts: {
  repoRoot: string;
  registry: string;
  owner: string;
  /** The ref to tag for, instead of GITHUB_REF (a workflow that checked out a release tag). */
  ref?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ImagePlan> {
  const env = opts.env ?? process.env;
  const version = await readVersion(opts.repoRoot);
  // The commit checked out is what is built (a workflow may check out a tag other than
  // GITHUB_SHA); GITHUB_SHA only stands in when there is no git checkout.
  const sha = (await commitOf(opts.repoRoot, 'HEAD')) ?? env.GITHUB_SHA;
  if (!sha) throw new UserError(`${opts.repoRoot} has no commit to build an image from.`);
  const ref = opts.ref || env.GITHUB_REF || (await localRef(opts.repoRoot, version));
  const created =
    (await gitMaybe(opts.repoRoot, ['show', '-s', '--format=%cI', sha])) ??
    new Date(0).toISOString();
  const source = env.GITHUB_REPOSITORY
    ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`
    : 'https://github.com/faasm/python';
  return {
    version,
    ref,
    tags: imageTags({ registry: opts.registry, owner: opts.owner, version, ref, sha }),
    labels: { version, revision: sha, source, created: toRfc3339(created) },
  };
}

function toRfc3339(iso: string): string {
  return new Date(iso).toISOString().replace(/\.000Z$/, 'Z');
}
