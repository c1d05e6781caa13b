// The image's build context, laid out from a release bundle and the CLI bundle, and the build from
// it.
import { chmod, copyFile, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFileNames } from '../release/bundle.js';
import { UserError } from '../util/errors.js';
import { exists, removeTree } from '../util/fs.js';
import { type BuildImageOptions, type BuildImageResult, buildImage } from './engine.js';
import { type PlatformImage, assertIndexEngine, buildIndex } from './multi-platform.js';
import { pinnedNodeBase } from './pinned-base.js';
import { type LabelInput, imageBuildArgs, imageLabels } from './tags.js';

/** Where the image keeps the CLI: its bundle in cli/, beside the files it reads from its root. */
export const IMAGE_CLI_DIR = '/opt/faasm-python';

/** The CLI's bundle in a checkout: `npm run package` writes it, the image carries it. */
export const cliBundleDir = (repoRoot: string) => join(repoRoot, 'dist', 'cli');

// The CLI on the image's node: node:24-slim keeps node in /usr/local/bin, Debian in /usr/bin.
const LAUNCHER = `#!/bin/sh
exec node ${IMAGE_CLI_DIR}/cli/index.js "$@"
`;

/**
 * The image's build context, in a new temp directory the caller removes: the release bundle's
 * files (ADDed at Faasm's paths), and under faasm-python/ the CLI as the Dockerfile copies it to
 * /opt/faasm-python (the bundle in cli/; VERSION and the Faasm profile where the bundled code
 * looks for them, one level above index.js; the launcher in bin/). Copies, never links: the
 * bundle may be a cached layer, and an engine may not follow links out of its context.
 */
export async function makeImageContext(opts: {
  bundleDir: string;
  version: string;
  /** The CLI's ncc bundle (dist/cli of the checkout). */
  cliDir: string;
  repoRoot: string;
}): Promise<string> {
  if (!(await exists(join(opts.cliDir, 'index.js')))) {
    throw new UserError(
      `${opts.cliDir} holds no CLI bundle (index.js); run 'npm run package' in the checkout first.`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'faasm-image-context-'));
  try {
    for (const name of Object.values(bundleFileNames(opts.version))) {
      await copyFile(join(opts.bundleDir, name), join(dir, name));
    }
    const cli = join(dir, 'faasm-python');
    await cp(opts.cliDir, join(cli, 'cli'), { recursive: true });
    await copyFile(join(opts.repoRoot, 'VERSION'), join(cli, 'VERSION'));
    await mkdir(join(cli, 'third-party', 'faasm'), { recursive: true });
    const profile = join('third-party', 'faasm', 'profile.json');
    await copyFile(join(opts.repoRoot, profile), join(cli, profile));
    await mkdir(join(cli, 'bin'));
    await writeFile(join(cli, 'bin', 'faasm-python'), LAUNCHER);
    await chmod(join(cli, 'bin', 'faasm-python'), 0o755);
    return dir;
  } catch (err) {
    await removeTree(dir);
    throw err;
  }
}

/**
 * The cpython image of a release bundle and the CLI: the context made, built with the
 * Dockerfile of `repoRoot` (labels and build args from `labels`, on `base` when given), and
 * removed afterwards.
 */
export async function buildImageFromBundle(
  opts: Omit<BuildImageOptions, 'contextDir' | 'dockerfile' | 'labels' | 'buildArgs'> & {
    bundleDir: string;
    cliDir: string;
    repoRoot: string;
    labels: LabelInput;
    /** The image to build on (default the pinned node:24-slim of third-party/node-base). */
    base?: string;
    /**
     * Build these platforms into one OCI index (podman), each on its own base when it names one
     * (else on `base`), instead of one image for this machine's platform.
     */
    platforms?: { platform: string; base?: string }[];
  },
): Promise<BuildImageResult & { images?: PlatformImage[] }> {
  const { bundleDir, cliDir, repoRoot, labels, platforms, ...build } = opts;
  const version = labels.version;
  const base = opts.base ?? (await pinnedNodeBase(repoRoot));
  const contextDir = await makeImageContext({ bundleDir, version, cliDir, repoRoot });
  try {
    const common = {
      ...build,
      contextDir,
      dockerfile: join(repoRoot, 'Dockerfile'),
      labels: imageLabels(labels),
      buildArgs: { ...imageBuildArgs(labels), BASE: base },
    };
    if (!platforms) return await buildImage(common);
    assertIndexEngine(build.engine);
    const index = await buildIndex({
      ...common,
      engine: build.engine,
      platforms: platforms.map((p) => ({ platform: p.platform, base: p.base ?? base })),
    });
    // The index has no image id of its own; the first platform's image stands for it locally.
    return { ...index, imageId: index.images[0]!.imageId };
  } finally {
    await removeTree(contextDir);
  }
}
