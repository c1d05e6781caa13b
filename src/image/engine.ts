// docker or podman: choosing one, building an image and pushing its tags.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecError, UsageError, UserError } from '../util/errors.js';
import { type ExecOptions, exec, probe } from '../util/exec.js';
import { removeTree } from '../util/fs.js';
import {
  assertNotOverwriting,
  checkRegistry,
  floatingTagsNotMovingBack,
  isLocalRegistry,
  registryOf,
} from './registry.js';
import { isFloatingReleaseTag, isVersionTag } from './tags.js';

export type Engine = 'docker' | 'podman';

/**
 * The container engine: the one asked for (which must be installed), else `prefer` when it is
 * installed, else docker when a Docker daemon answers, else podman.
 */
export async function selectEngine(requested?: string, prefer?: Engine): Promise<Engine> {
  if (requested !== undefined) {
    if (requested !== 'docker' && requested !== 'podman') {
      throw new UsageError(`--engine takes docker or podman, not '${requested}'.`);
    }
    if ((await probe(requested, ['--version'])) === undefined) {
      throw new UserError(
        `${requested} is not installed; install it or choose the other --engine.`,
      );
    }
    return requested;
  }
  // An image for several platforms needs podman (docker's classic builder makes one).
  if (prefer === 'podman' && (await probe('podman', ['--version'])) !== undefined) return 'podman';
  if ((await probe('docker', ['info'])) !== undefined) return 'docker';
  if ((await probe('podman', ['--version'])) !== undefined) return 'podman';
  throw new UserError(
    'No container engine: start a Docker daemon, or install podman (apt-get install -y podman).',
  );
}

export interface BuildImageOptions {
  engine: Engine;
  contextDir: string;
  dockerfile: string;
  /** Full references; the first is the primary. */
  tags: string[];
  labels?: Record<string, string>;
  buildArgs?: Record<string, string>;
  push?: boolean;
  noCache?: boolean;
  log?: string;
  echo?: boolean;
  /** Where a tag left alone is reported (default: stderr). */
  warn?: (message: string) => void;
}

export interface BuildImageResult {
  imageId: string;
  tags: string[];
  /** The manifest digest the registry holds (sha256:...), when pushed. */
  digest?: string;
}

function pairs(flag: string, record: Record<string, string> = {}): string[] {
  return Object.entries(record).flatMap(([k, v]) => [flag, `${k}=${v}`]);
}

/** `docker build` / `podman build` arguments. Pure. */
export function buildArgv(opts: BuildImageOptions, iidFile: string): string[] {
  return [
    'build',
    // Podman's default OCI isolation needs privileges a CI container may lack; chroot does not,
    // and a FROM scratch image has no RUN steps for it to matter to.
    ...(opts.engine === 'podman' ? ['--isolation', 'chroot'] : []),
    '-f',
    opts.dockerfile,
    ...(opts.noCache ? ['--no-cache'] : []),
    ...pairs('--build-arg', opts.buildArgs),
    ...pairs('--label', opts.labels),
    ...opts.tags.flatMap((t) => ['-t', t]),
    '--iidfile',
    iidFile,
    opts.contextDir,
  ];
}

/** How long pushing one tag may take: a registry that stops answering fails the push. */
export const PUSH_TIMEOUT_MS = 30 * 60_000;

export async function push(tag: string, engine: Engine, args: string[], opts: ExecOptions) {
  try {
    return await exec(engine, args, { ...opts, timeoutMs: PUSH_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof ExecError && err.timedOut) {
      throw new UserError(
        `Pushing ${tag} did not finish within ${PUSH_TIMEOUT_MS / 60_000} minutes; check that ${registryOf(tag)} answers, then run again.`,
      );
    }
    throw err;
  }
}

/**
 * The tags a build goes on with: all of them, or, to push, those left once the registries answer,
 * no release tag would be overwritten, and no floating tag would move back (those are warned of).
 */
export async function tagsToPush(opts: BuildImageOptions): Promise<string[]> {
  if (opts.tags.length === 0) throw new UserError('An image needs at least one tag.');
  if (!opts.push) return opts.tags;
  for (const r of new Set(opts.tags.map(registryOf))) await checkRegistry(r);
  const revision = opts.labels?.['org.opencontainers.image.revision'];
  const version = opts.labels?.['org.opencontainers.image.version'];
  if (!revision || !version)
    throw new UserError('A pushed image needs its revision and version labels.');
  await assertNotOverwriting(opts.tags, revision, isVersionTag);
  const { keep, left } = await floatingTagsNotMovingBack(opts.tags, version, isFloatingReleaseTag);
  const warn = opts.warn ?? ((m: string) => console.error(`warning: ${m}`));
  for (const why of left) warn(`${why}: not pushed.`);
  return keep;
}

/**
 * Builds the image with every tag and, with `push`, pushes each tag and returns the registry's
 * manifest digest. Registries are checked before the build, so an unreachable one stops the run
 * before anything is built or pushed.
 */
export async function buildImage(opts: BuildImageOptions): Promise<BuildImageResult> {
  const tags = await tagsToPush(opts);

  const tmp = await mkdtemp(join(tmpdir(), 'faasm-image-'));
  try {
    const iidFile = join(tmp, 'iid');
    const execOpts = { log: opts.log, echo: opts.echo };
    await exec(opts.engine, buildArgv({ ...opts, tags }, iidFile), execOpts);
    const imageId = (await readFile(iidFile, 'utf8')).trim();
    if (!opts.push) return { imageId, tags };

    const digests = new Set<string>();
    for (const tag of tags) {
      if (opts.engine === 'podman') {
        const digestFile = join(tmp, 'digest');
        const tls = isLocalRegistry(registryOf(tag)) ? ['--tls-verify=false'] : [];
        await push(tag, 'podman', ['push', ...tls, '--digestfile', digestFile, tag], execOpts);
        digests.add((await readFile(digestFile, 'utf8')).trim());
      } else {
        const { stdout } = await push(tag, 'docker', ['push', tag], execOpts);
        const digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
        if (!digest) throw new Error(`docker push ${tag} printed no digest`);
        digests.add(digest);
      }
    }
    // Tags of one build name one manifest; two digests would mean the engine rebuilt in between.
    if (digests.size !== 1)
      throw new Error(`the pushed tags have different digests: ${[...digests].join(', ')}`);
    return { imageId, tags, digest: [...digests][0] };
  } finally {
    await removeTree(tmp);
  }
}
