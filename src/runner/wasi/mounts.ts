/**
 * The guest's file system: a table of mounts (guest path -> host directory, read-only or
 * writable, with an optional byte budget) and the one path resolver every path call goes
 * through. Paths are resolved in the GUEST's namespace, component by component, the way a
 * chroot would: `..` stops at the guest's `/`, a symlink's target (absolute or relative) is read
 * as a guest path, and every host path handed to the file system has had each component checked
 * with lstat. So no path, `..` or link can reach a host file outside a mount.
 *
 * A directory on the way to a mount point that the mount above it does not have, and every
 * directory inside an `empty` mount, is a virtual read-only directory listing only the mount
 * points below it: `/pyfuncs` shows one function's directory and nothing of the others.
 */
import { lstatSync, readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Errno } from './abi.js';

export interface MountSpec {
  /** Absolute guest path, e.g. `/tmp`. */
  guest: string;
  /** Host directory; absent for an empty virtual directory (which hides what is below it). */
  host?: string;
  readOnly: boolean;
  /** Bytes the guest may store under this mount (files, links, directory entries). */
  budgetBytes?: number;
}

/** A WASI error carried out of a helper; the import wrapper returns its errno. */
export class WasiError extends Error {
  constructor(readonly errno: number) {
    super(`wasi errno ${errno}`);
  }
}

export function fail(errno: number): never {
  throw new WasiError(errno);
}

/** What each new directory entry costs a budget, so empty files cannot fill the host's inodes. */
export const ENTRY_COST = 512;
/** A directory costs a block of the host's disk, whatever it holds. */
export const DIR_COST = 4096;
const MAX_SYMLINKS = 40;
const MAX_PATH = 4096;
/** Stats kept per call (see MountTable.stat): bounds what a call walking a big tree holds. */
const MAX_CACHED_STATS = 4096;

export class Mount {
  readonly guest: string;
  readonly parts: string[];
  readonly host: string | undefined;
  readonly readOnly: boolean;
  readonly budget: number | undefined;
  /** Bytes charged against the budget so far. */
  used = 0;
  /** Set when a write was refused for the budget (the host names the limit if the call fails). */
  exhausted = false;

  constructor(spec: MountSpec) {
    this.parts = splitGuest(spec.guest);
    this.guest = '/' + this.parts.join('/');
    this.host = spec.host;
    this.readOnly = spec.readOnly || spec.host === undefined;
    this.budget = spec.budgetBytes;
  }

  /** Takes `bytes` from the budget, or throws NOSPC leaving it untouched. */
  charge(bytes: number): void {
    if (bytes <= 0 || this.budget === undefined) return;
    if (this.used + bytes > this.budget) {
      this.exhausted = true;
      fail(Errno.NOSPC);
    }
    this.used += bytes;
  }

  /** How many of `bytes` still fit (all of them without a budget). */
  room(bytes: number): number {
    if (this.budget === undefined) return bytes;
    return Math.max(0, Math.min(bytes, this.budget - this.used));
  }

  refund(bytes: number): void {
    if (bytes > 0) this.used = Math.max(0, this.used - bytes);
  }
}

/** A resolved guest path. */
export interface Node {
  /** Normalised absolute guest path. */
  guest: string;
  parts: string[];
  /** The mount that owns this path (for a virtual directory: the deepest mount above it). */
  mount: Mount;
  /** Host path, absent for a virtual directory. */
  host?: string;
  /** lstat of the host path, absent when it does not exist (or is virtual). */
  stat?: BigIntStats;
  virtual: boolean;
  /** True for the guest path of a mount point (which cannot be removed or renamed). */
  mountPoint: boolean;
}

function splitGuest(path: string): string[] {
  return path.split('/').filter((p) => p && p !== '.');
}

export function lstatOrUndefined(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export class MountTable {
  readonly mounts: Mount[];
  private readonly stats = new Map<string, BigIntStats | undefined>();

  constructor(specs: readonly MountSpec[]) {
    this.mounts = specs.map((s) => new Mount(s)).sort((a, b) => b.parts.length - a.parts.length);
    if (!this.mounts.some((m) => m.parts.length === 0)) this.mounts.push(new Mount({ guest: '/', readOnly: true })); // prettier-ignore
  }

  /**
   * The host's stat of a path under `mount`. Under a read-only mount, one per path per call: the
   * guest cannot change what is there, and Python's imports look at the same few paths again
   * and again (26 stats per call of a hello function, 17 of them repeats).
   */
  private stat(mount: Mount, host: string, mountPoint: boolean): BigIntStats | undefined {
    const look = () => (mountPoint ? statOrUndefined(host) : lstatOrUndefined(host));
    if (!mount.readOnly) return look();
    if (this.stats.has(host)) return this.stats.get(host);
    const stat = look();
    if (this.stats.size < MAX_CACHED_STATS) this.stats.set(host, stat);
    return stat;
  }

  /** The deepest mount whose guest path is a prefix of `parts`. */
  owner(parts: readonly string[]): Mount {
    return this.mounts.find((m) => isPrefix(m.parts, parts))!;
  }

  /** Names of the mount points directly below `parts` (each shows as a directory there). */
  childMounts(parts: readonly string[]): Set<string> {
    const names = new Set<string>();
    for (const m of this.mounts) {
      if (m.parts.length > parts.length && isPrefix(parts, m.parts)) names.add(m.parts[parts.length]!); // prettier-ignore
    }
    return names;
  }

  /** Where `parts` is, without following anything: a mount point, a virtual or a host path. */
  locate(parts: string[]): Node {
    const mount = this.owner(parts);
    const guest = '/' + parts.join('/');
    const mountPoint = mount.parts.length === parts.length;
    const host =
      mount.host === undefined ? undefined : join(mount.host, ...parts.slice(mount.parts.length));
    const stat = host === undefined ? undefined : this.stat(mount, host, mountPoint);
    // A directory on the way to a deeper mount point exists even where the host has none.
    if (!stat && (mountPoint || this.childMounts(parts).size > 0)) {
      return { guest, parts, mount, virtual: true, mountPoint };
    }
    return { guest, parts, mount, host, stat, virtual: false, mountPoint };
  }

  /**
   * Resolves `path` relative to the guest directory `base`. `follow`: follow a symlink in the
   * last component. Intermediate components must exist and be directories (after following
   * links); the last may be missing (ENOENT is the caller's call, for O_CREAT and friends).
   */
  resolve(base: readonly string[], path: string, follow: boolean): Node {
    if (path.length === 0) fail(Errno.NOENT);
    if (path.length > MAX_PATH) fail(Errno.NAMETOOLONG);
    if (path.includes('\0')) fail(Errno.INVAL);
    const trailingSlash = path.endsWith('/');
    const todo = splitPath(path);
    let cur: string[] = path.startsWith('/') ? [] : [...base];
    let links = 0;
    let node = this.locate(cur);
    while (todo.length > 0) {
      const name = todo.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        cur = cur.slice(0, -1);
        node = this.locate(cur);
        continue;
      }
      if (!isDir(node)) fail(node.stat || node.virtual ? Errno.NOTDIR : Errno.NOENT);
      const next = [...cur, name];
      const found = this.locate(next);
      const last = todo.length === 0;
      if (found.stat?.isSymbolicLink() && (!last || follow || trailingSlash)) {
        if (++links > MAX_SYMLINKS) fail(Errno.LOOP);
        const target = readLink(found.host!);
        if (target.startsWith('/')) cur = [];
        todo.unshift(...splitPath(target));
        node = this.locate(cur);
        continue;
      }
      if (!last && !found.stat && !found.virtual) fail(Errno.NOENT);
      cur = next;
      node = found;
    }
    if (trailingSlash && (node.stat || node.virtual) && !isDir(node)) fail(Errno.NOTDIR);
    return node;
  }
}

export function isDir(node: Node): boolean {
  return node.virtual || (node.stat?.isDirectory() ?? false);
}

export function exists(node: Node): boolean {
  return node.virtual || node.stat !== undefined;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

function isPrefix(prefix: readonly string[], parts: readonly string[]): boolean {
  if (prefix.length > parts.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== parts[i]) return false;
  return true;
}

/**
 * stat (following links), or undefined where there is nothing. A mount's own directory is
 * trusted as configured, so it is looked at with this rather than lstat.
 */
export function statOrUndefined(path: string): BigIntStats | undefined {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

function readLink(host: string): string {
  return readlinkSync(host, 'utf8');
}
