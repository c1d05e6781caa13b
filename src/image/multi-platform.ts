// The cpython image for several platforms as one OCI image index: each platform built with
// podman on its own base, the index annotated with the image's OCI labels and pushed with all
// its images. The Dockerfile has no RUN, so a platform other than this machine's needs no
// emulation: its base supplies the binaries, the build only copies files onto it.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';
import { removeTree } from '../util/fs.js';
import { debianNodeBase } from './debian-base.js';
import { type BuildImageOptions, type Engine, buildArgv, push, tagsToPush } from './engine.js';
import { isLocalRegistry, registryOf } from './registry.js';

/** The platforms the release image is made for. */
export const IMAGE_PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;

/** `--platform linux/amd64,linux/arm64` as a list; a usage mistake names what is accepted. */
export function parsePlatforms(text: string): string[] {
  const list = [...new Set(text.split(',').map((p) => p.trim()))].filter(Boolean);
  const bad = list.filter((p) => !(IMAGE_PLATFORMS as readonly string[]).includes(p));
  if (list.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--platform takes ${IMAGE_PLATFORMS.join(' and/or ')} (comma-separated), not '${text}'.`,
    );
  }
  return list;
}

export interface PlatformImage {
  platform: string;
  /** The local image id (its config's digest). */
  imageId: string;
  base: string;
}

export interface BuildIndexResult {
  /** The local manifest list, named by the first tag. */
  index: string;
  tags: string[];
  images: PlatformImage[];
  /** The index digest the registry holds (sha256:...), when pushed. */
  digest?: string;
}

/**
 * One value of a podman list flag, which podman reads as CSV (a comma would split the label's
 * value): quoted, its quotes doubled. Pure.
 */
export function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** `podman manifest inspect` of a local list: its entries' digests and platforms. */
async function listEntries(list: string) {
  const { stdout } = await exec('podman', ['manifest', 'inspect', list]);
  const index = JSON.parse(stdout) as {
    manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
  };
  return (index.manifests ?? []).map((m) => ({
    digest: m.digest,
    platform: `${m.platform?.os}/${m.platform?.architecture}`,
  }));
}

/**
 * Builds one image per platform on that platform's base and gathers them in a manifest list named
 * by the first tag (replacing a list of that name), annotates each entry with the labels, and
 * with `push` pushes the list and its images under every tag (refusing as buildImage does) as an
 * OCI index. Each platform is built without the engine's cache (see below), so `noCache` is moot.
 */
export async function buildIndex(
  opts: Omit<BuildImageOptions, 'engine'> & {
    engine: 'podman';
    /** Each platform and the base its image is built on. */
    platforms: { platform: string; base?: string }[];
  },
): Promise<BuildIndexResult> {
  const tags = await tagsToPush(opts);
  const list = tags[0]!;
  const execOpts = { log: opts.log, echo: opts.echo };
  // A list of that name from an earlier build would gather this build's images beside its own.
  if ((await probe('podman', ['manifest', 'exists', list])) !== undefined)
    await exec('podman', ['manifest', 'rm', list]);
  await exec('podman', ['manifest', 'create', list], execOpts);
  const tmp = await mkdtemp(join(tmpdir(), 'faasm-index-'));
  try {
    const images: PlatformImage[] = [];
    for (const { platform, base } of opts.platforms) {
      const iid = join(tmp, `iid-${images.length}`);
      // Never from podman's build cache: podman 4 reuses a step built for another platform from
      // the same base (linux/arm64 got the linux/amd64 image of a FROM scratch build).
      const argv = buildArgv(
        {
          ...opts,
          tags: [],
          noCache: true,
          buildArgs: { ...opts.buildArgs, ...(base ? { BASE: base } : {}) },
        },
        iid,
      );
      await exec('podman', [...argv.slice(0, 1), '--platform', platform, ...argv.slice(1)], execOpts); // prettier-ignore
      const imageId = (await readFile(iid, 'utf8')).trim();
      await exec('podman', ['manifest', 'add', list, `containers-storage:${imageId.replace(/^sha256:/, '')}`], execOpts); // prettier-ignore
      images.push({ platform, imageId, base: base ?? '' });
    }
    const entries = await listEntries(list);
    const built = images.map((i) => i.platform).sort();
    if (JSON.stringify(entries.map((e) => e.platform).sort()) !== JSON.stringify(built)) {
      throw new Error(`the list ${list} holds ${entries.map((e) => e.platform).join(', ')}, not ${built.join(', ')}`); // prettier-ignore
    }
    // The labels on each entry of the index too, where a registry's UI and tools that read only
    // the index find them (podman 4 sets annotations per entry, not on the index itself).
    const annotations = Object.entries(opts.labels ?? {}).flatMap(([k, v]) => ['--annotation', csvField(`${k}=${v}`)]); // prettier-ignore
    for (const e of entries) {
      await exec('podman', ['manifest', 'annotate', ...annotations, list, e.digest], execOpts);
    }
    if (!opts.push) return { index: list, tags, images };

    const digests = new Set<string>();
    for (const tag of tags) {
      const digestFile = join(tmp, 'digest');
      const tls = isLocalRegistry(registryOf(tag)) ? ['--tls-verify=false'] : [];
      const args = ['manifest', 'push', '--all', '--format', 'oci', ...tls, '--digestfile', digestFile, list, `docker://${tag}`]; // prettier-ignore
      await push(tag, 'podman', args, execOpts);
      digests.add((await readFile(digestFile, 'utf8')).trim());
    }
    if (digests.size !== 1)
      throw new Error(`the pushed tags have different digests: ${[...digests].join(', ')}`);
    return { index: list, tags, images, digest: [...digests][0] };
  } catch (err) {
    // No half-made list is left under the image's name.
    await probe('podman', ['manifest', 'rm', list]);
    throw err;
  } finally {
    await removeTree(tmp);
  }
}

/** Multi-platform images are built with podman; docker's classic builder makes one platform. */
export function assertIndexEngine(engine: string): asserts engine is 'podman' {
  if (engine !== 'podman') {
    throw new UsageError(
      `An image for several platforms is built with podman, not ${engine}; pass --engine podman, or one --platform.`,
    );
  }
}

/**
 * What the image command and action build on: with podman, each platform on its base ('debian'
 * makes that platform's from Debian's packages, any other name is one image, typically an
 * index, for all); with docker, one platform (this machine's), on `base` alone.
 */
export async function platformBases(opts: {
  engine: Engine;
  platforms: string[];
  base?: string;
  cacheDir: string;
  log?: string;
}): Promise<{ base?: string; platforms?: { platform: string; base?: string }[] }> {
  const debian = (platform: string) =>
    debianNodeBase({ engine: opts.engine, cacheDir: opts.cacheDir, log: opts.log, platform });
  if (opts.engine === 'docker') {
    if (opts.platforms.length > 1) assertIndexEngine(opts.engine);
    return { base: opts.base === 'debian' ? await debian(opts.platforms[0]!) : opts.base };
  }
  const platforms = [];
  for (const platform of opts.platforms) {
    if (opts.base && opts.base !== 'debian') await assertBaseFits(opts.base, platform);
    platforms.push({ platform, base: opts.base === 'debian' ? await debian(platform) : opts.base });
  }
  return { platforms };
}

/**
 * Refuses a base that is a local image of another platform: podman would build on it with a
 * warning, and the arm64 image would hold amd64 binaries. A list, or an image to pull, is left
 * to podman, which takes the platform's image from it or fails.
 */
async function assertBaseFits(base: string, platform: string): Promise<void> {
  if ((await probe('podman', ['manifest', 'exists', base])) !== undefined) return;
  const local = await probe('podman', ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', base]); // prettier-ignore
  const has = local?.trim();
  if (has && has !== platform) {
    throw new UsageError(
      `The base ${base} is a ${has} image, not ${platform}; pass an index of both platforms, --base debian, or --platform ${has}.`,
    );
  }
}
