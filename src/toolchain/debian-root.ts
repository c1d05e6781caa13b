/**
 * A pinned Debian root: every .deb of a package set, by exact version and sha256
 * (third-party/debian/<suite>.json, written by `faasm-python pin-debian`), fetched from the
 * mirror's pool, verified, and unpacked with `dpkg-deb -x` into a directory. No maintainer script
 * runs, nothing is installed on the machine, and the root's bytes are fixed by the pins.
 *
 * How its programs run on a machine of an older Debian (bookworm's glibc 2.36 cannot load
 * trixie's binaries, which need 2.38+): each program the build calls (`run` in the pins) is
 * renamed to `<name>.elf` and replaced by a small shell script that starts it through the root's
 * own dynamic loader with the root's library directory (`ld-linux-x86-64.so.2 --library-path`).
 * This was chosen over chroot or bubblewrap because it needs no privileges, no mounts and no
 * copy of the build tree inside the root: configure scripts, make and the host's tools keep
 * running on the host, and only the root's programs use the root's libc. The script passes
 * `--argv0` with its own path, so a program that finds itself from argv[0] finds the root:
 * Python's sys.executable is the script (pip's subprocesses start through it again) and its
 * prefix is the root's /usr; clang runs with -no-canonical-prefixes (its /proc/self/exe is the
 * loader), so its resource directory and the wasm-ld beside it (itself a script) are the root's,
 * and clang's own -cc1 re-execution goes through the script too; rustc is given the root's
 * sysroot for the same reason. The scripts find the root from their own location
 * (`readlink -f`), so the layer holds no absolute path and works wherever the cache is.
 */
import { readFile, rename, writeFile, chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Json, LayerContext } from '../layers/types.js';
import type { DebRecord } from '../sources/apt.js';
import { fetchSource } from '../sources/fetch.js';
import { UserError } from '../util/errors.js';

/** One package set unpacked into one root. */
export interface DebianRootSet {
  /** What `pin-debian` resolves (with everything they depend on). */
  packages: string[];
  /**
   * Source packages whose binaries `pin-debian` takes from the suite's backports
   * (`<suite>-backports`, e.g. `rustc` for a newer Rust than the suite's own).
   */
  backports?: string[];
  /** Programs (paths in the root) the build runs, each wrapped to run on the root's loader. */
  run: string[];
  /** The pins: every .deb of the closure. */
  debs: DebRecord[];
}

export interface DebianPins {
  $comment?: string;
  suite: string;
  architecture: string;
  roots: Record<string, DebianRootSet>;
}

export function pinsFile(repoRoot: string, suite: string): string {
  return join(repoRoot, 'third-party', 'debian', `${suite}.json`);
}

export async function readDebianPins(repoRoot: string, suite: string): Promise<DebianPins> {
  const file = pinsFile(repoRoot, suite);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UserError(`No pins for Debian ${suite} (${file}); run: ./run pin-debian ${suite}`);
  });
  return JSON.parse(text) as DebianPins;
}

export async function debianRootSet(
  repoRoot: string,
  suite: string,
  set: string,
): Promise<DebianRootSet> {
  const pins = await readDebianPins(repoRoot, suite);
  const root = pins.roots[set];
  if (!root) {
    throw new UserError(
      `third-party/debian/${suite}.json has no root '${set}' (it has: ${Object.keys(pins.roots).join(', ')}).`,
    );
  }
  if (root.debs.length === 0) {
    throw new UserError(
      `The ${suite} root '${set}' has no pinned packages; run: ./run pin-debian ${suite}`,
    );
  }
  return root;
}

/** What a root contributes to a layer key: the exact files, and the programs wrapped. */
export async function debianRootInputs(
  repoRoot: string,
  suite: string,
  set: string,
): Promise<Json> {
  const root = await debianRootSet(repoRoot, suite, set);
  return {
    suite,
    set,
    debs: root.debs.map((d) => `${basename(d.filename)}:${d.sha256}`),
    run: root.run,
    wrapper: wrapperScript('usr/bin/example'),
  };
}

const LOADER = 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';
const LIBRARY_PATH = 'usr/lib/x86_64-linux-gnu';

/**
 * The script that replaces the program at `rel` (see the header). clang gets
 * -no-canonical-prefixes (not for its own `-cc1` runs, whose first argument must stay first)
 * and the root's bin directory first on PATH, where Debian's clang looks for `wasm-ld-19`;
 * rustc gets the root's sysroot.
 */
export function wrapperScript(rel: string): string {
  const name = basename(rel);
  const lines = [
    '#!/bin/sh',
    `# ${name} from a pinned Debian root, run on the root's own loader and libc (written by`,
    '# faasm-python: src/toolchain/debian-root.ts). The real program is beside it as .elf.',
    'self=$(readlink -f -- "$0")',
    `root=\${self%/${rel}}`,
  ];
  let extra = '';
  if (name === 'clang') {
    lines.push('case "$1" in -cc1*) ;; *) set -- -no-canonical-prefixes "$@" ;; esac');
    lines.push('PATH="$root/usr/bin:$PATH"; export PATH');
  }
  if (name === 'rustc') extra = ' --sysroot "$root/usr"';
  lines.push(
    `exec "$root/${LOADER}" --library-path "$root/${LIBRARY_PATH}" --argv0 "\${self%/*}/\${0##*/}" "$self.elf"${extra} "$@"`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Fetches each pinned .deb of `set` (checked against its sha256 before it is cached or
 * unpacked), unpacks it into `dest` and wraps the programs the build runs.
 */
export async function unpackDebianRoot(
  ctx: Pick<LayerContext, 'opts' | 'log' | 'exec'>,
  suite: string,
  set: string,
  dest: string,
): Promise<void> {
  const root = await debianRootSet(ctx.opts.repoRoot, suite, set);
  const fetchOpts = { cacheDir: ctx.opts.cacheDir, repoRoot: ctx.opts.repoRoot, log: ctx.log };
  for (const deb of root.debs) {
    const file = basename(deb.filename);
    const route = { kind: 'debian-pool' as const, path: deb.filename, file, sha256: deb.sha256 };
    const fetched = await fetchSource(`${deb.package} ${deb.version}`, [route], fetchOpts);
    await ctx.exec('dpkg-deb', ['-x', fetched.path, dest]);
  }
  for (const rel of root.run) {
    const path = join(dest, rel);
    await rename(path, `${path}.elf`).catch(() => {
      throw new UserError(
        `The ${suite} root '${set}' has no ${rel} to run; fix 'run' in third-party/debian/${suite}.json.`,
      );
    });
    await writeFile(path, wrapperScript(rel));
    await chmod(path, 0o755);
  }
}
