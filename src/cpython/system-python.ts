// The distribution's CPython as the build Python, when it is exactly the pinned version.
import { access } from 'node:fs/promises';
import { ensurePackages } from '../toolchain/system-packages.js';
import { probe } from '../util/exec.js';
import { sha256File } from '../util/hash.js';
import { shortVersion } from './config.js';

/** A distribution's CPython of exactly the pinned version, usable as the build Python. */
export interface SystemPython {
  path: string;
  /** `sys.version` in full: the build date and compiler tell two builds of one version apart. */
  sysVersion: string;
  /** The interpreter binary's sha256: a rebuilt package (a security update) changes the key. */
  sha256: string;
}

/** Set to 1 to build the build Python from source even when the distribution has it. */
export const FROM_SOURCE_ENV = 'FAASM_PYTHON_NATIVE_FROM_SOURCE';

/** What the stdlib of the build Python needs for the cross build and for pip. */
const CHECK =
  'import sys, json, zlib, sysconfig, zipfile; print(sys.version.split()[0]); print(sys.version)';

/**
 * Debian's python3.X when it is exactly `version` (bookworm's python3.11 is 3.11.2, built from
 * the same tarball), installed with apt when that is possible and the candidate is that version;
 * otherwise undefined, and the build Python is compiled from source.
 */
export async function findSystemPython(
  version: string,
  log?: string,
): Promise<SystemPython | undefined> {
  if (process.env[FROM_SOURCE_ENV] === '1') return undefined;
  const pkg = `python${shortVersion(version)}`;
  const path = `/usr/bin/${pkg}`;
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (!present) {
    const policy = await probe('apt-cache', ['policy', pkg]);
    if (!policy || !new RegExp(`Candidate: ${version.replace(/\./g, '\\.')}-`).test(policy)) {
      return undefined;
    }
    try {
      await ensurePackages([{ name: pkg, provides: path }], log);
    } catch {
      return undefined; // not allowed to install: build it
    }
  }
  const out = (await probe(path, ['-I', '-c', CHECK]))?.split('\n');
  if (!out || out[0] !== version) return undefined;
  return { path, sysVersion: out[1]!, sha256: await sha256File(path) };
}
