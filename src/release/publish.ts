// The GitHub release of a tag with its notes and the bundle's files attached.
import type { BundleFile } from './bundle.js';
import { type PublishResult, publishRelease } from './github-release.js';
import { type GitHubTarget, createOctokit } from './github-target.js';
import { releaseNotes } from './notes.js';

/**
 * The GitHub release of `tag` for `version`, with notes from the commits since the previous
 * release tag and `files` attached: the bundle's, which are every asset (pyfaasm's sdist and wheel
 * and the SBOM among them) with SHA256SUMS over them all. What `faasm-python release` and the
 * tag-release action do.
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
  const notes = await releaseNotes(repoRoot, tag, version, target.url);
  return publishRelease({
    octokit: createOctokit(target.token),
    owner: target.owner,
    repo: target.repo,
    tag,
    version,
    notes,
    files: opts.files,
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(opts.info ? { info: opts.info } : {}),
  });
}
