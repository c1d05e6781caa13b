/**
 * Kernel pseudo file systems (/proc, /sys, cgroups, ...) look like directories but are not
 * storage: writes there fail half-way with the host's paths, or change the kernel. A directory
 * the tools keep data in (state, uploads) is refused up front when it is on one.
 */
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.js';

/** statfs f_type magic numbers (linux/magic.h) of file systems that hold no files. */
const PSEUDO: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
  [0x19800202, 'mqueue'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x6e736673, 'nsfs'],
]);

/** The pseudo file system `path` (or its nearest existing parent) is on, if it is on one. */
export function pseudoFileSystem(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return PSEUDO.get(Number(statfsSync(p).type));
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** Throws one sentence when `dir` (given as `option`) is on a pseudo file system. */
export function refusePseudoFileSystem(dir: string, option: string): void {
  const fs = pseudoFileSystem(dir);
  if (fs) {
    throw new UserError(
      `${dir} is on the kernel's ${fs} file system, which holds no files; pass a directory on a real disk as ${option}.`,
    );
  }
}
