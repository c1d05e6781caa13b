// A Node.js base image built from Debian's packages, for when node:24-slim cannot be pulled.
import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { PrivateApt } from '../sources/apt.js';
import { UserError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';
import { exists, removeTree } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import type { Engine } from './engine.js';

/**
 * Debian's suite whose nodejs is the Node the project runs on (24: trixie's is 20, forky's 24).
 * forky is Debian's testing suite, so its packages move; the base's tag names the exact .deb
 * files, so a base is made again only when one of them changes.
 */
export const DEBIAN_BASE_SUITE = 'forky';
/** Node.js for the CLI; dash and coreutils for the launcher (/bin/sh) and a usable shell. */
const PACKAGES = ['nodejs', 'dash', 'coreutils'];
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The Debian architecture of an OCI platform (linux/amd64 -> amd64, linux/arm64 -> arm64). */
export function debianArch(platform: string): string {
  const m = /^linux\/(amd64|arm64)$/.exec(platform);
  if (!m)
    throw new UserError(`The Debian base is made for linux/amd64 or linux/arm64, not ${platform}.`);
  return m[1]!;
}

/**
 * A base image with Node.js made from Debian's packages, for machines that cannot pull one (no
 * registry access, as where the tests run): the packages and everything they depend on, unpacked
 * with dpkg-deb into a root file system and imported into the engine. No package script runs
 * and nothing runs inside it, so making it needs no privileges a container build lacks, and an
 * arm64 base is made on an amd64 machine from arm64 .debs with no emulation. Its tag names the
 * architecture and the exact .deb files, so it is made once per machine, and again only when
 * Debian updates one of them. Returns the tag.
 */
export async function debianNodeBase(opts: {
  engine: Engine;
  cacheDir: string;
  log?: string;
  /** The platform to make it for (default linux/amd64). */
  platform?: string;
}): Promise<string> {
  const platform = opts.platform ?? 'linux/amd64';
  const arch = debianArch(platform);
  // Lists of the architecture's own, under apt/image-<arch>/<suite>.
  const apt = new PrivateApt(join(cachePaths(opts.cacheDir).apt, `image-${arch}`), DEBIAN_BASE_SUITE, opts.log); // prettier-ignore
  const work = await mkdtemp(join(tmpdir(), 'faasm-python-base-'));
  const restore = await aptForArch(arch, work);
  try {
    const debs = await apt.closure(PACKAGES, join(work, 'plan'));
    if (!debs.some((f) => f.startsWith('nodejs_'))) {
      throw new UserError(
        `Debian ${DEBIAN_BASE_SUITE} offers no nodejs package here; check FAASM_PYTHON_DEBIAN_MIRROR, or pass --base with an image that has Node.js.`,
      );
    }
    const tag = `localhost/faasm-python-base:${DEBIAN_BASE_SUITE}-${arch}-${sha256(debs.join('\n')).slice(0, 16)}`;
    if ((await probe(opts.engine, ['image', 'inspect', '--format', '{{.Id}}', tag])) !== undefined)
      return tag;

    const archives = join(work, 'debs');
    await apt.downloadClosure(PACKAGES, archives);
    const rootfs = join(work, 'rootfs');
    for (const deb of debs) {
      await exec('dpkg-deb', ['-x', join(archives, deb), rootfs], { log: opts.log });
    }
    // Debian's merged /usr: the top-level links its installer makes (the packages ship only
    // usr/), which the dynamic loader's path /lib64/ld-linux-x86-64.so.2 goes through.
    for (const dir of ['bin', 'sbin', 'lib', 'lib64']) {
      if (await exists(join(rootfs, 'usr', dir))) await symlink(`usr/${dir}`, join(rootfs, dir));
    }
    for (const dir of ['tmp', 'root']) await mkdir(join(rootfs, dir), { recursive: true });
    await chmod(join(rootfs, 'tmp'), 0o1777);
    const tar = join(work, 'rootfs.tar');
    await exec('tar', ['-C', rootfs, '--numeric-owner', '-cf', tar, '.'], { log: opts.log });
    const target =
      opts.engine === 'podman' ? ['--os', 'linux', '--arch', arch] : ['--platform', platform];
    await exec(opts.engine, ['import', ...target, '--change', `ENV PATH=${PATH}`, tar, tag], {
      log: opts.log,
    });
    return tag;
  } finally {
    restore();
    await removeTree(work);
  }
}

/**
 * Points apt at `arch` for the calls that follow, until the returned function is called: a
 * configuration file named by APT_CONFIG, which apt reads besides its options. (PrivateApt's
 * options stay as they are: its code is in every layer's key, and this concerns only the image.)
 */
async function aptForArch(arch: string, dir: string): Promise<() => void> {
  const config = join(dir, 'apt.conf');
  await writeFile(config, `APT::Architecture "${arch}";\nAPT::Architectures { "${arch}"; };\n`);
  const before = process.env.APT_CONFIG;
  process.env.APT_CONFIG = config;
  return () => {
    if (before === undefined) delete process.env.APT_CONFIG;
    else process.env.APT_CONFIG = before;
  };
}
