// A Node.js base image built from Debian's packages, for when node:24-slim cannot be pulled.
import { chmod, mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { PrivateApt } from '../sources/apt.js';
import { UserError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';
import { exists, removeTree } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import type { Engine } from './engine.js';

/** trixie's nodejs is 20.x, within package.json's engines; bookworm's (18) is not. */
export const DEBIAN_BASE_SUITE = 'trixie';
/** Node.js for the CLI; dash and coreutils for the launcher (/bin/sh) and a usable shell. */
const PACKAGES = ['nodejs', 'dash', 'coreutils'];
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A base image with Node.js made from Debian's packages, for machines that cannot pull one (no
 * registry access, as where the tests run): the packages and everything they depend on, unpacked
 * with dpkg-deb into a root file system and imported into the engine. No package script runs
 * and nothing runs inside it, so making it needs no privileges a container build lacks. Its tag
 * names the exact .deb files, so it is made once per machine, and again only when Debian updates
 * one of them. Returns the tag.
 */
export async function debianNodeBase(opts: {
  engine: Engine;
  cacheDir: string;
  log?: string;
}): Promise<string> {
  const apt = new PrivateApt(cachePaths(opts.cacheDir).apt, DEBIAN_BASE_SUITE, opts.log);
  const work = await mkdtemp(join(tmpdir(), 'faasm-python-base-'));
  try {
    const debs = await apt.closure(PACKAGES, join(work, 'plan'));
    if (!debs.some((f) => f.startsWith('nodejs_'))) {
      throw new UserError(
        `Debian ${DEBIAN_BASE_SUITE} offers no nodejs package here; check FAASM_PYTHON_DEBIAN_MIRROR, or pass --base with an image that has Node.js.`,
      );
    }
    const tag = `localhost/faasm-python-base:${DEBIAN_BASE_SUITE}-${sha256(debs.join('\n')).slice(0, 16)}`;
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
    await exec(opts.engine, ['import', '--change', `ENV PATH=${PATH}`, tar, tag], {
      log: opts.log,
    });
    return tag;
  } finally {
    await removeTree(work);
  }
}
