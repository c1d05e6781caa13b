// Creating or updating a GitHub release and uploading its assets.
import { readFile } from 'node:fs/promises';
import type { Octokit } from '@octokit/rest';
import { UserError, errorMessage } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { verifyBundle, type BundleFile } from './bundle.js';
import { isPrerelease } from './version.js';

export interface PublishOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  tag: string;
  version: string;
  notes: string;
  /** A bundle made by makeBundle; verified against `version` before anything is published. */
  bundleDir?: string;
  /** Or the files to attach, already described. */
  files?: BundleFile[];
  warn?: (message: string) => void;
  info?: (message: string) => void;
}

export interface PublishResult {
  releaseId: number;
  url: string;
  /**
   * 'created': a new draft was made, filled and published; 'updated': an existing draft was
   * reused (its notes brought up to date), filled and published; 'unchanged': the release was
   * already published, so nothing was written (assets that differ are warnings).
   */
  action: 'created' | 'updated' | 'unchanged';
  prerelease: boolean;
  uploaded: string[];
  /** Assets that were there with other bytes: deleted, then uploaded again (drafts only). */
  replaced: string[];
  /** Assets that were there and identical. */
  skipped: string[];
  /** On a release published earlier: assets missing or with other bytes (each was warned). */
  differing: string[];
}

interface ApiError {
  status: number;
  response?: { data?: { message?: string; errors?: { code?: string }[] } };
}

function isApiError(err: unknown, status?: number): err is ApiError {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' && (status === undefined || s === status);
}

function alreadyExists(err: unknown): boolean {
  return (
    isApiError(err, 422) &&
    (err.response?.data?.errors ?? []).some((e) => e.code === 'already_exists')
  );
}

/** The innermost message of an error's cause chain (fetch wraps the socket error twice). */
function deepestMessage(err: unknown): string {
  let message = errorMessage(err);
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m && m !== 'fetch failed') message = m;
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}

/** GitHub answers a user can fix (bad token, no access, no network) become one sentence. */
function explain(err: unknown, what: string): never {
  // Octokit reports a request that got no answer at all as a 500 without a response.
  if (isApiError(err, 500) && err.response === undefined) {
    throw new UserError(
      `Cannot reach GitHub while ${what} (${deepestMessage(err)}); check the network or GITHUB_API_URL.`,
    );
  }
  if (isApiError(err, 401)) {
    throw new UserError(
      `GitHub rejected the token while ${what}; give a valid one in GITHUB_TOKEN or --token-file.`,
    );
  }
  if (isApiError(err, 403) || isApiError(err, 404)) {
    throw new UserError(
      `GitHub refused ${what} (${(err as ApiError).status}); check the repository name and that the token may write releases (contents: write).`,
    );
  }
  throw err;
}

type Release = Awaited<ReturnType<Octokit['rest']['repos']['getReleaseByTag']>>['data'];
type Asset = Awaited<ReturnType<Octokit['rest']['repos']['listReleaseAssets']>>['data'][number];

/**
 * Publishes the GitHub release for `tag` the way immutable releases require: a draft first (an
 * existing draft for the tag is reused), every asset uploaded to it, then the draft published,
 * so the release is never visible without its assets. Re-runs are idempotent: identical assets
 * are not uploaded again, a 422 "already exists" on create is a warning followed by a lookup, and
 * a release already published is left alone: its assets are compared and each difference is a
 * warning (an immutable release cannot take new assets).
 */
export async function publishRelease(opts: PublishOptions): Promise<PublishResult> {
  const { octokit, owner, repo, tag, version } = opts;
  const warn = opts.warn ?? ((m: string) => console.warn(`warning: ${m}`));
  const info = opts.info ?? ((m: string) => console.log(m));
  const prerelease = isPrerelease(version);
  if (tag !== `v${version}`) {
    throw new UserError(
      `The tag ${tag} does not match the version ${version}; release v${version}.`,
    );
  }
  // Everything that can be checked locally is checked before the first write to GitHub.
  const files =
    opts.files ?? (opts.bundleDir ? (await verifyBundle(opts.bundleDir, version)).files : []);

  // Creating a release for a missing tag would make GitHub create the tag itself, at whatever
  // the default branch is: a tag that `faasm-python tag` never vetted. Refuse instead.
  try {
    await octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` });
  } catch (err) {
    if (isApiError(err, 404)) {
      throw new UserError(
        `The tag ${tag} is not on GitHub (${owner}/${repo}); push it with 'faasm-python tag --push' first.`,
      );
    }
    explain(err, `looking up the tag ${tag}`);
  }

  const wanted = { name: `faasm-python ${version}`, body: opts.notes, prerelease };
  // GET /releases/tags/{tag} finds published releases only; a draft is found in the list.
  const lookup = async (): Promise<Release | undefined> => {
    try {
      return (await octokit.rest.repos.getReleaseByTag({ owner, repo, tag })).data;
    } catch (err) {
      if (!isApiError(err, 404)) return explain(err, `looking up the release ${tag}`);
    }
    try {
      const all = await octokit.paginate(octokit.rest.repos.listReleases, {
        owner,
        repo,
        per_page: 100,
      });
      return all.find((r) => r.draft && r.tag_name === tag);
    } catch (err) {
      return explain(err, `listing the releases of ${owner}/${repo}`);
    }
  };

  let release = await lookup();
  let action: PublishResult['action'];
  if (!release) {
    try {
      release = (
        await octokit.rest.repos.createRelease({
          owner,
          repo,
          tag_name: tag,
          draft: true,
          ...wanted,
        })
      ).data;
      action = 'created';
    } catch (err) {
      if (!alreadyExists(err)) explain(err, `creating the release ${tag}`);
      warn(`the release ${tag} was created by someone else meanwhile; using theirs`);
      release = await lookup();
      if (!release)
        throw new UserError(`GitHub says the release ${tag} exists but cannot find it; try again.`);
      action = 'updated';
    }
  } else {
    action = release.draft ? 'updated' : 'unchanged';
  }
  const result: PublishResult = {
    releaseId: release.id,
    url: release.html_url,
    action,
    prerelease,
    uploaded: [],
    replaced: [],
    skipped: [],
    differing: [],
  };
  const assets = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
    owner,
    repo,
    release_id: release.id,
    per_page: 100,
  });

  if (!release.draft) {
    for (const file of files) {
      const existing = assets.find((a) => a.name === file.name);
      if (existing && (await sameBytes(opts, existing, file))) {
        result.skipped.push(file.name);
      } else {
        result.differing.push(file.name);
        warn(
          `the release ${tag} was published earlier ${existing ? `with another ${file.name}` : `without ${file.name}`}; a published release keeps its assets, so release a new version to change it`,
        );
      }
    }
    info(`release ${tag}: already published ${release.html_url}`);
    return result;
  }

  if (
    action === 'updated' &&
    (release.name !== wanted.name ||
      (release.body ?? '') !== wanted.body ||
      release.prerelease !== prerelease)
  ) {
    try {
      release = (
        await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, ...wanted })
      ).data;
    } catch (err) {
      explain(err, `updating the draft release ${tag}`);
    }
  }
  for (const file of files) {
    const existing = assets.find((a) => a.name === file.name);
    if (existing) {
      if (await sameBytes(opts, existing, file)) {
        result.skipped.push(file.name);
        continue;
      }
      await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: existing.id });
      result.replaced.push(file.name);
    }
    try {
      await octokit.request({
        method: 'POST',
        url: release.upload_url,
        name: file.name,
        data: await readFile(file.path),
        headers: { 'content-type': 'application/octet-stream', 'content-length': file.size },
      });
    } catch (err) {
      explain(err, `uploading ${file.name} to the draft release ${tag} (run again to resume)`);
    }
    result.uploaded.push(file.name);
    info(`  uploaded ${file.name}`);
  }
  // Published last: with immutable releases, the assets are final from this moment.
  try {
    release = (
      await octokit.rest.repos.updateRelease({
        owner,
        repo,
        release_id: release.id,
        draft: false,
        // Only the newest final release is `latest`; GitHub decides by semver and date.
        make_latest: prerelease ? 'false' : 'legacy',
      })
    ).data;
  } catch (err) {
    explain(err, `publishing the release ${tag}`);
  }
  result.url = release.html_url;
  info(
    `release ${tag}: ${action} and published${prerelease ? ' (prerelease)' : ''} ${release.html_url}`,
  );
  return result;
}

/**
 * Whether an attached asset holds exactly `file`'s bytes: by GitHub's sha256 digest when it
 * gives one, else by downloading it (only when the sizes already agree).
 */
async function sameBytes(opts: PublishOptions, asset: Asset, file: BundleFile): Promise<boolean> {
  if (asset.state !== 'uploaded' || asset.size !== file.size) return false;
  if (asset.digest) return asset.digest === `sha256:${file.sha256}`;
  const res = await opts.octokit.rest.repos.getReleaseAsset({
    owner: opts.owner,
    repo: opts.repo,
    asset_id: asset.id,
    headers: { accept: 'application/octet-stream' },
  });
  // With that accept header the response body is the asset's bytes, not the JSON the type says.
  const bytes = new Uint8Array(res.data as unknown as ArrayBuffer);
  return sha256(bytes) === file.sha256;
}
