import { join, resolve } from 'node:path';
import { buildImage, selectEngine } from '../image/engine.js';
import { planImage } from '../image/plan.js';
import { imageBuildArgs, imageLabels } from '../image/tags.js';
import { REPO_ROOT } from '../paths.js';
import { verifyBundle } from '../release/bundle.js';
import { UserError } from '../util/errors.js';
import { stringOption } from './common.js';
import type { Command } from './types.js';

export const imageCommand: Command = {
  name: 'image',
  summary: 'Build the cpython image from the release bundle, and push it',
  usage: `Usage: faasm-python image --bundle DIR [--push] [--nocache] [--engine docker|podman]
                         [--registry HOST] [--owner NAME]

  --bundle DIR       the release bundle to put in the image
  --push             push every tag (the registry is checked before building)
  --nocache          build without the engine's cache
  --engine E         docker or podman (default: docker if its daemon answers, else podman)
  --registry HOST    default ghcr.io
  --owner NAME       default $GITHUB_REPOSITORY_OWNER, else faasm

Tags follow docker/metadata-action: built from the tag v<VERSION>, <version>, <major>.<minor>,
<major> and latest (only <version> for a pre-release); from anything else, sha-<short commit> and
the branch name (pr-<n> for a pull request). The ref and commit come from $GITHUB_REF and
$GITHUB_SHA when set, else from git. A push never overwrites <version> in the registry when it
was pushed from another commit: that is refused.`,
  options: {
    bundle: { type: 'string' },
    push: { type: 'boolean' },
    nocache: { type: 'boolean' },
    engine: { type: 'string' },
    registry: { type: 'string' },
    owner: { type: 'string' },
  },
  async run(values) {
    const env = process.env;
    const bundle = stringOption(values, 'bundle');
    if (!bundle)
      throw new UserError('Pass --bundle DIR, the directory holding the release bundle.');
    const plan = await planImage({
      repoRoot: REPO_ROOT,
      registry: stringOption(values, 'registry') ?? 'ghcr.io',
      owner: stringOption(values, 'owner') ?? env.GITHUB_REPOSITORY_OWNER ?? 'faasm',
    });
    const contextDir = resolve(bundle);
    await verifyBundle(contextDir, plan.version);
    const engine = await selectEngine(stringOption(values, 'engine'));
    const result = await buildImage({
      engine,
      contextDir,
      dockerfile: join(REPO_ROOT, 'Dockerfile'),
      tags: plan.tags,
      labels: imageLabels(plan.labels),
      buildArgs: imageBuildArgs(plan.labels),
      push: values.push === true,
      noCache: values.nocache === true,
    });
    for (const t of result.tags) console.log(t);
    console.log(result.digest ? `pushed ${result.digest}` : `built ${result.imageId} (not pushed)`);
    return 0;
  },
};
