import semver from 'semver';
import { UserError } from '../util/errors.js';
import { isPrerelease, parseVersion } from '../release/version.js';

export const IMAGE_NAME = 'cpython';

export interface TagInput {
  /** e.g. ghcr.io, or 127.0.0.1:5000 */
  registry: string;
  owner: string;
  version: string;
  /** The git ref the build is for (GITHUB_REF), e.g. refs/tags/v0.1.0 or refs/heads/main. */
  ref?: string;
  /** GITHUB_EVENT_NAME: push, workflow_dispatch, pull_request; undefined or 'local' on a laptop. */
  eventName?: string;
  /** The branch whose manual builds are release builds (default main). */
  defaultBranch?: string;
  image?: string;
}

/** A branch name as an image tag: lower case, [a-z0-9_.-], not starting with . or -. */
export function refSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/**
 * The image tags for a build, by the event that started it:
 * - a pushed tag must be v<version> and gives `<version>`, plus `<major>.<minor>` and `latest`
 *   unless the version is a pre-release;
 * - a manual or local build on the default branch (or on the version's tag) is a rebuild of the
 *   release and gets the same tags;
 * - any other branch gets only its slug (`cpython:my-branch`), a pull request `pr-<n>`, so
 *   unreleased code never overwrites a release tag.
 */
export function imageTags(input: TagInput): string[] {
  const version = parseVersion(input.version);
  const registry = input.registry.replace(/\/+$/, '').toLowerCase();
  const owner = input.owner.toLowerCase();
  if (!registry || !owner) throw new UserError('The image registry and owner must not be empty.');
  const repo = `${registry}/${owner}/${input.image ?? IMAGE_NAME}`;
  const ref = input.ref ?? '';
  const event = input.eventName ?? 'local';
  const defaultBranch = input.defaultBranch ?? 'main';

  const release = () => {
    const tags = [version];
    if (!isPrerelease(version))
      tags.push(`${semver.major(version)}.${semver.minor(version)}`, 'latest');
    return tags;
  };
  let tags: string[];
  if (ref.startsWith('refs/tags/')) {
    const tag = ref.slice('refs/tags/'.length);
    if (tag !== `v${version}`) {
      throw new UserError(
        `The tag ${tag} does not match VERSION ${version}; push v${version}, or bump VERSION.`,
      );
    }
    tags = release();
  } else if (ref.startsWith('refs/pull/')) {
    tags = [`pr-${ref.split('/')[2] ?? 'unknown'}`];
  } else if (ref.startsWith('refs/heads/')) {
    const branch = ref.slice('refs/heads/'.length);
    const manual = event === 'workflow_dispatch' || event === 'local';
    tags = manual && branch === defaultBranch ? release() : [refSlug(branch)];
  } else if (ref === '') {
    if (event !== 'local' && event !== 'workflow_dispatch') {
      throw new UserError(`A ${event} build needs a git ref (GITHUB_REF) to name its image tags.`);
    }
    tags = release();
  } else {
    throw new UserError(
      `Cannot name image tags for the ref '${ref}'; expected refs/tags/, refs/heads/ or refs/pull/.`,
    );
  }
  return tags.map((t) => `${repo}:${t}`);
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
      'CPython cross-compiled to wasm32-wasi for Faasm: runtime root, libpython and the py_func entrypoint',
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
