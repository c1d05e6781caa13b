// The build-image action: the cpython image from a release bundle, tagged by ref and event,
// optionally pushed.
import { join } from 'node:path';
import * as core from '@actions/core';
import { buildImageFromBundle, cliBundleDir } from '../image/context.js';
import { selectEngine } from '../image/engine.js';
import { IMAGE_PLATFORMS, parsePlatforms, platformBases } from '../image/multi-platform.js';
import { planImage } from '../image/plan.js';
import { verifyBundle } from '../release/bundle.js';
import { cachePaths } from '../paths.js';
import { cacheDir, workspaceRoot } from './context.js';
import { InputError, getBoolean, getEnum, getPath, getString } from './inputs.js';
import { code, keyValueTable, writeSummary } from './summary.js';

/**
 * build-image: the cpython image from a release bundle, tagged by the ref and event that started
 * the workflow (a release tag, a manual rebuild on main, or a branch), optionally pushed.
 */
export async function buildImageAction(): Promise<void> {
  const env = process.env;
  const repoRoot = workspaceRoot();
  const plan = await planImage({
    repoRoot,
    registry: getString('registry', { default: 'ghcr.io' }),
    owner: getString('owner') || env.GITHUB_REPOSITORY_OWNER || 'faasm',
    ref: getString('ref'),
  });
  const { version } = plan;
  const wanted = getString('version');
  if (wanted && wanted !== version) {
    throw new InputError(
      `Input 'version' is ${wanted} but VERSION in ${repoRoot} is ${version}; check out v${wanted} first.`,
    );
  }
  const bundleDir = await getPath('bundle-dir', { base: repoRoot, required: true, mustBe: 'dir' });
  const engineInput = getEnum('engine', ['docker', 'podman', ''], '');
  const push = getBoolean('push');
  const base = getString('base');
  await verifyBundle(bundleDir!, version);
  const platforms = parsePlatforms(getString('platforms') || IMAGE_PLATFORMS.join(','));
  const engine = await selectEngine(
    engineInput || undefined,
    platforms.length > 1 ? 'podman' : undefined,
  );
  const build = await platformBases({
    engine,
    platforms,
    base: base || undefined,
    cacheDir: cacheDir(repoRoot),
  });
  core.startGroup(`${engine} build${push ? ' and push' : ''}`);
  let result;
  try {
    result = await buildImageFromBundle({
      engine,
      bundleDir: bundleDir!,
      // The CLI bundle committed beside the actions' (CI checks it is fresh).
      cliDir: cliBundleDir(repoRoot),
      repoRoot,
      tags: plan.tags,
      labels: plan.labels,
      ...build,
      push,
      noCache: getBoolean('nocache'),
      log: join(cachePaths(cacheDir(repoRoot)).logs, 'image.log'),
      echo: true,
      warn: (m) => core.warning(m),
    });
  } finally {
    core.endGroup();
  }
  core.setOutput('image', result.tags[0]);
  core.setOutput('tags', result.tags.join('\n'));
  core.setOutput('image-id', result.imageId);
  core.setOutput('digest', result.digest ?? '');
  core.setOutput('version', version);
  await writeSummary(
    `### build-image\n\n${keyValueTable([
      ['Tags', result.tags.map(code).join('<br>')],
      ['Image ID', code(result.imageId)],
      ['Digest', result.digest ? code(result.digest) : 'not pushed'],
      [
        'Platforms',
        (result.images ?? []).map((i) => `${i.platform} ${code(i.imageId)}`).join('<br>') ||
          "this machine's",
      ],
      ['Engine', engine],
    ])}\n`,
  );
}
