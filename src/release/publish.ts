import type { BundleFile } from './bundle.js';
import { type PublishResult, publishRelease } from './github-release.js';
import { type GitHubTarget, createOctokit } from './github-target.js';
import { releaseNotes } from './notes.js';

/**
 * The GitHub release of `tag` for `version`, with notes from the commits since the previous
 * release tag and `files` attached: what `faasm-python release` and the tag-release action do.
 */
export async function publishTaggedRelease(opts: {
  repoRoot: string;
  target: GitHubTarget;
  tag: string;
  version: string;
  files: BundleFile[];
  warn?: (message: string) => void;
  info?: (message: string) => void;
}): Promise<PublishResult> {
  const { repoRoot, target, tag, version } = opts;
  return publishRelease({
    octokit: createOctokit(target.token),
    owner: target.owner,
    repo: target.repo,
    tag,
    version,
    notes: await releaseNotes(repoRoot, tag, version, target.url),
    files: opts.files,
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(opts.info ? { info: opts.info } : {}),
  });
}
