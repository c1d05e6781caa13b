import { join, resolve } from 'node:path';
import { buildImage, selectEngine } from '../image/engine.js';
import { imageBuildArgs, imageLabels, imageTags } from '../image/tags.js';
import { REPO_ROOT } from '../paths.js';
import { verifyBundle } from '../release/bundle.js';
import { gitMaybe } from '../release/git.js';
import { readVersion } from '../release/version.js';
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

Tags: <registry>/<owner>/cpython:<version>, plus <major>.<minor> and latest for releases; a
branch other than main gets only its name. The ref and event come from $GITHUB_REF and
$GITHUB_EVENT_NAME when set.`,
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
    const version = await readVersion(REPO_ROOT);
    const tags = imageTags({
      registry: stringOption(values, 'registry') ?? 'ghcr.io',
      owner: stringOption(values, 'owner') ?? env.GITHUB_REPOSITORY_OWNER ?? 'faasm',
      version,
      ...(env.GITHUB_REF ? { ref: env.GITHUB_REF } : {}),
      ...(env.GITHUB_EVENT_NAME ? { eventName: env.GITHUB_EVENT_NAME } : {}),
    });
    const contextDir = resolve(bundle);
    await verifyBundle(contextDir, version);
    const engine = await selectEngine(stringOption(values, 'engine'));
    const labelInput = {
      version,
      revision: env.GITHUB_SHA ?? (await gitMaybe(REPO_ROOT, ['rev-parse', 'HEAD'])) ?? 'unknown',
      source: env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`
        : 'https://github.com/faasm/python',
      created: env.SOURCE_DATE_EPOCH
        ? new Date(Number(env.SOURCE_DATE_EPOCH) * 1000).toISOString()
        : new Date().toISOString(),
    };
    const result = await buildImage({
      engine,
      contextDir,
      dockerfile: join(REPO_ROOT, 'Dockerfile'),
      tags,
      labels: imageLabels(labelInput),
      buildArgs: imageBuildArgs(labelInput),
      push: values.push === true,
      noCache: values.nocache === true,
    });
    for (const t of result.tags) console.log(t);
    console.log(result.digest ? `pushed ${result.digest}` : `built ${result.imageId} (not pushed)`);
    return 0;
  },
};
