// `faasm-python release`: creates or updates the GitHub release for v<VERSION> with the bundle
// attached.
import { resolve } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { verifyBundle } from '../release/bundle.js';
import {
  readTokenFile,
  resolveGitHubTarget,
  TOKEN_ARGUMENT_REFUSED,
} from '../release/github-target.js';
import { publishTaggedRelease } from '../release/publish.js';
import { assertTagMatchesVersion, tagName } from '../release/tag.js';
import { assertInStep, checkVersions } from '../release/versioned-files.js';
import { UsageError } from '../util/errors.js';
import { printJson, stringOption } from './common.js';
import type { Command } from './types.js';

export const releaseCommand: Command = {
  name: 'release',
  summary: 'Create or update the GitHub release for v<VERSION> and attach the bundle',
  usage: `Usage: faasm-python release --bundle DIR [--token-file FILE] [--repo owner/name]
                           [--tag vX.Y.Z] [--json]

  --bundle DIR       the release bundle (tarballs, py_func.wasm, the SBOM, pyfaasm's sdist and
                     wheel, manifest.json, SHA256SUMS over them all)
  --token-file FILE  a file holding the GitHub token (default: $GITHUB_TOKEN); the token is
                     never an argument, where ps and shell history would show it
  --repo owner/name  the repository (default $GITHUB_REPOSITORY)
  --tag NAME         the tag being released; refused unless it is v<VERSION>
  --json             print the result as JSON on stdout: tag, version, release id and url, action,
                     the assets uploaded, replaced and skipped (unchanged); progress to stderr

The tag must already be on GitHub (faasm-python tag --push). The release is made as a draft,
every asset of the bundle is uploaded to it, and only then is it published, as immutable releases require. Notes group the
commits since the previous release tag; pre-release versions are marked as such. Running it
again reuses a draft and uploads only assets whose bytes changed; a release that is already
published is compared with the assets and each difference is a warning.`,
  options: {
    bundle: { type: 'string' },
    'token-file': { type: 'string' },
    repo: { type: 'string' },
    tag: { type: 'string' },
    json: { type: 'boolean' },
  },
  refused: { token: TOKEN_ARGUMENT_REFUSED },
  async run(values) {
    const bundle = stringOption(values, 'bundle');
    if (!bundle)
      throw new UsageError('Pass --bundle DIR, the directory holding the release bundle.');
    const tokenFile = stringOption(values, 'token-file');
    const target = resolveGitHubTarget({
      token: tokenFile !== undefined ? await readTokenFile(tokenFile) : undefined,
      repo: stringOption(values, 'repo'),
    });
    const json = values.json === true;
    const version = await assertTagMatchesVersion(REPO_ROOT, stringOption(values, 'tag'));
    const tag = tagName(version);
    assertInStep(await checkVersions(REPO_ROOT));
    const { files } = await verifyBundle(resolve(bundle), version);
    const result = await publishTaggedRelease({
      repoRoot: REPO_ROOT,
      target,
      tag,
      version,
      files,
      // With --json, stdout holds the result only.
      ...(json ? { info: (m: string) => console.error(m) } : {}),
    });
    if (json) {
      printJson({ tag, version, ...result });
      return 0;
    }
    console.log(
      `${result.url}: ${result.action}; uploaded ${result.uploaded.length}, unchanged ${result.skipped.length}`,
    );
    return 0;
  },
};
