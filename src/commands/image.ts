// `faasm-python image`: the cpython image from the release bundle, optionally pushed.
import { join, resolve } from 'node:path';
import { buildImageFromBundle, cliBundleDir } from '../image/context.js';
import { selectEngine } from '../image/engine.js';
import { IMAGE_PLATFORMS, parsePlatforms, platformBases } from '../image/multi-platform.js';
import { planImage } from '../image/plan.js';
import { REPO_ROOT, cachePaths, defaultCacheDir } from '../paths.js';
import { verifyBundle } from '../release/bundle.js';
import { UsageError } from '../util/errors.js';
import { printJson, stringOption } from './common.js';
import type { Command } from './types.js';

export const imageCommand: Command = {
  name: 'image',
  summary: 'Build the cpython image from the release bundle, and push it',
  usage: `Usage: faasm-python image --bundle DIR [--push] [--nocache] [--engine docker|podman]
                         [--registry HOST] [--owner NAME] [--base IMAGE|debian] [--cli DIR]
                         [--platform LIST] [--json]

The image holds the runtime at Faasm's paths (/usr/local/faasm) and the faasm-python CLI, so
\`docker run IMAGE faasm-python run|upload ...\` runs and uploads functions with that runtime.
It is one OCI index for linux/amd64 and linux/arm64, built with podman (the Dockerfile runs
nothing, so arm64 needs no emulation); docker builds one platform.

  --bundle DIR       the release bundle to put in the image
  --base IMAGE       the image to build on: any with Node.js >= 24 and /bin/sh (default
                     node:24-slim by the digest in third-party/node-base/Dockerfile); 'debian'
                     makes one per platform from Debian's nodejs packages and their
                     dependencies, for machines that cannot pull images
  --platform LIST    linux/amd64 and/or linux/arm64, comma-separated (default both)
  --cli DIR          the CLI bundle to put in (default dist/cli; 'npm run package' makes it)
  --push             push every tag (the registry is checked before building)
  --nocache          build without the engine's cache
  --engine E         docker or podman (default: docker if its daemon answers, else podman)
  --registry HOST    default ghcr.io
  --owner NAME       default $GITHUB_REPOSITORY_OWNER, else faasm
  --json             print the result as JSON on stdout: image, tags, image id, digest, pushed;
                     the engine's progress goes to stderr

Tags follow docker/metadata-action: built from the tag v<VERSION>, <version>, <major>.<minor>,
<major> and latest (only <version> for a pre-release); from anything else, sha-<short commit> and
the branch name (pr-<n> for a pull request). The ref and commit come from $GITHUB_REF and
$GITHUB_SHA when set, else from git. A push never overwrites <version> in the registry when it
was pushed from another commit: that is refused. <major>.<minor>, <major> and latest are left
alone (with a warning) where the registry has them at a higher version.`,
  options: {
    bundle: { type: 'string' },
    push: { type: 'boolean' },
    nocache: { type: 'boolean' },
    engine: { type: 'string' },
    registry: { type: 'string' },
    owner: { type: 'string' },
    base: { type: 'string' },
    cli: { type: 'string' },
    platform: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const env = process.env;
    const bundle = stringOption(values, 'bundle');
    if (!bundle)
      throw new UsageError('Pass --bundle DIR, the directory holding the release bundle.');
    const platforms = parsePlatforms(stringOption(values, 'platform') ?? IMAGE_PLATFORMS.join(','));
    const engine = await selectEngine(
      stringOption(values, 'engine'),
      platforms.length > 1 ? 'podman' : undefined,
    );
    const plan = await planImage({
      repoRoot: REPO_ROOT,
      registry: stringOption(values, 'registry') ?? 'ghcr.io',
      owner: stringOption(values, 'owner') ?? env.GITHUB_REPOSITORY_OWNER ?? 'faasm',
    });
    const bundleDir = resolve(bundle);
    await verifyBundle(bundleDir, plan.version);
    const cacheDir = defaultCacheDir();
    const build = await platformBases({
      engine,
      platforms,
      base: stringOption(values, 'base'),
      cacheDir,
      log: join(cachePaths(cacheDir).logs, 'image-base.log'),
    });
    const result = await buildImageFromBundle({
      engine,
      bundleDir,
      cliDir: resolve(stringOption(values, 'cli') ?? cliBundleDir(REPO_ROOT)),
      repoRoot: REPO_ROOT,
      tags: plan.tags,
      labels: plan.labels,
      ...build,
      push: values.push === true,
      noCache: values.nocache === true,
    });
    if (values.json === true) {
      printJson({
        image: result.tags[0],
        version: plan.version,
        tags: result.tags,
        imageId: result.imageId,
        digest: result.digest ?? null,
        pushed: result.digest !== undefined,
        platforms: (result.images ?? []).map((i) => ({ platform: i.platform, imageId: i.imageId })),
      });
      return 0;
    }
    for (const t of result.tags) console.log(t);
    console.log(result.digest ? `pushed ${result.digest}` : `built ${result.imageId} (not pushed)`);
    return 0;
  },
};
