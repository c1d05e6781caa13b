// The image's tags, labels and build arguments for a version and the ref that built it.
import semver from 'semver';
import { UserError } from '../util/errors.js';
import { isPrerelease, parseVersion } from '../release/version.js';

export const IMAGE_NAME = 'cpython';

export interface TagInput {
  /** e.g. ghcr.io, or 127.0.0.1:5000 */
  registry: string;
  owner: string;
  version: string;
  /** The git ref the build is for (GITHUB_REF, or localRef()), e.g. refs/tags/v0.5.0. */
  ref: string;
  /** The commit being built (GITHUB_SHA); its first 7 characters name the `sha-` tag. */
  sha: string;
  image?: string;
}

/**
 * A ref name as an image tag, as docker/metadata-action sanitises: runs of characters outside
 * [A-Za-z0-9_.-] become '-', no leading '.' or '-', at most 128 characters.
 */
export function refSlug(name: string): string {
  return name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/** Whether a tag (without the repository) names one release exactly: X.Y.Z or X.Y.Z-pre. */
export function isVersionTag(tag: string): boolean {
  return semver.valid(tag) === tag;
}

/** Whether a tag moves from release to release: X.Y, X or latest. */
export function isFloatingReleaseTag(tag: string): boolean {
  return tag === 'latest' || /^\d+(\.\d+)?$/.test(tag);
}

/**
 * The tags of a build, by docker/metadata-action's rules (type=semver for {{version}},
 * {{major}}.{{minor}} and {{major}}; type=sha; type=ref for branches, tags and pull requests):
 * - a `v*` tag must be v<VERSION> and gives `X.Y.Z`, plus `X.Y`, `X` and `latest` unless the
 *   version is a pre-release;
 * - anything else gives `sha-<short>` and its ref: the branch name, the other tag's name, or
 *   `pr-<n>`, sanitised. So a build from a branch (main included, manual or not) never moves a
 *   release tag; rebuilding a release means building its tag.
 * Pure: the caller supplies the ref and commit.
 */
export function imageTags(input: TagInput): string[] {
  const version = parseVersion(input.version);
  const registry = input.registry.replace(/\/+$/, '').toLowerCase();
  const owner = input.owner.toLowerCase();
  if (!registry || !owner) throw new UserError('The image registry and owner must not be empty.');
  if (!/^[0-9a-f]{7,40}$/.test(input.sha)) {
    throw new UserError(`The commit '${input.sha}' is not a git commit id; build from a checkout.`);
  }
  const repo = `${registry}/${owner}/${input.image ?? IMAGE_NAME}`;
  const { ref } = input;
  const sha = `sha-${input.sha.slice(0, 7)}`;

  let tags: string[];
  if (ref.startsWith('refs/tags/v')) {
    const tag = ref.slice('refs/tags/'.length);
    if (tag !== `v${version}`) {
      throw new UserError(
        `The tag ${tag} does not match VERSION ${version}; push v${version}, or bump VERSION.`,
      );
    }
    tags = isPrerelease(version)
      ? [version]
      : [
          version,
          `${semver.major(version)}.${semver.minor(version)}`,
          `${semver.major(version)}`,
          'latest',
        ];
  } else if (ref.startsWith('refs/tags/')) {
    tags = [sha, refSlug(ref.slice('refs/tags/'.length))];
  } else if (ref.startsWith('refs/pull/')) {
    tags = [sha, `pr-${ref.split('/')[2] ?? 'unknown'}`];
  } else if (ref.startsWith('refs/heads/')) {
    tags = [sha, refSlug(ref.slice('refs/heads/'.length))];
  } else {
    throw new UserError(
      `Cannot name image tags for the ref '${ref}'; expected refs/tags/, refs/heads/ or refs/pull/.`,
    );
  }
  return [...new Set(tags.filter(Boolean))].map((t) => `${repo}:${t}`);
}

export interface LabelInput {
  version: string;
  /** The git commit the image was built from. */
  revision: string;
  /** The repository URL. */
  source: string;
  /** RFC 3339 time of the build. */
  created: string;
}

/** OCI annotations for the image (https://github.com/opencontainers/image-spec). */
export function imageLabels(input: LabelInput): Record<string, string> {
  return {
    'org.opencontainers.image.title': 'faasm-python',
    'org.opencontainers.image.description':
      "CPython cross-compiled to wasm32-wasi for Faasm: runtime root, libpython and the py_func entrypoint at Faasm's paths, and the faasm-python CLI",
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'org.opencontainers.image.version': input.version,
    'org.opencontainers.image.revision': input.revision,
    'org.opencontainers.image.source': input.source,
    'org.opencontainers.image.created': input.created,
  };
}

/** The Dockerfile's build args, so a plain `docker build` gets the same labels. */
export function imageBuildArgs(input: LabelInput): Record<string, string> {
  return {
    FAASM_PYTHON_VERSION: input.version,
    REVISION: input.revision,
    SOURCE: input.source,
    CREATED: input.created,
  };
}
