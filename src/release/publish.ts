import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../util/fs.js';
import type { BundleFile } from './bundle.js';
import { git } from './git.js';
import { type PublishResult, publishRelease } from './github-release.js';
import { type GitHubTarget, createOctokit } from './github-target.js';
import { releaseNotes } from './notes.js';
import { buildPyfaasmDists } from './pyfaasm-dist.js';

/**
 * The GitHub release of `tag` for `version`, with notes from the commits since the previous
 * release tag and `files` attached, plus pyfaasm's sdist and wheel built from the checkout (with
 * the tag's commit time as their file times): what `faasm-python release` and the tag-release
 * action do.
 */
export async function publishTaggedRelease(opts: {
  repoRoot: string;
  target: GitHubTarget;
  tag: string;
  version: string;
  files: BundleFile[];
  /** Where PyPA's `build` is installed when the system Python lacks it (a cache dir). */
  toolsDir: string;
  log?: string;
  warn?: (message: string) => void;
  info?: (message: string) => void;
}): Promise<PublishResult> {
  const { repoRoot, target, tag, version } = opts;
  const notes = await releaseNotes(repoRoot, tag, version, target.url);
  const distDir = await mkdtemp(join(tmpdir(), 'faasm-pyfaasm-dist-'));
  try {
    const epoch = Number(await git(repoRoot, ['log', '-1', '--format=%ct', `refs/tags/${tag}`]));
    const dists = await buildPyfaasmDists({
      repoRoot,
      version,
      outDir: distDir,
      toolsDir: opts.toolsDir,
      sourceDateEpoch: epoch,
      ...(opts.log ? { log: opts.log } : {}),
    });
    return await publishRelease({
      octokit: createOctokit(target.token),
      owner: target.owner,
      repo: target.repo,
      tag,
      version,
      notes,
      files: [...opts.files, ...dists],
      ...(opts.warn ? { warn: opts.warn } : {}),
      ...(opts.info ? { info: opts.info } : {}),
    });
  } finally {
    await removeTree(distDir);
  }
}
