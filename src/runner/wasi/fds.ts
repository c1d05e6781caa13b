/**
 * The guest's file descriptors. A file fd owns one host fd (opened with O_NOFOLLOW after the
 * path was resolved) and its own position: every read and write is positional, so `append` is
 * the host's, not the kernel's. A directory fd holds its guest path; paths under it are resolved
 * again each time, through the mount table. Host fds are recorded in an optional ledger, one
 * Int32 slot per guest fd, so a thread that terminates this one can close what it left open.
 * An fd's rights are its access mode (rights.ts).
 */
import { closeSync } from 'node:fs';
import { Errno } from './abi.js';
import { fail, type Mount, type Node } from './mounts.js';
import { need, type Access } from './rights.js';

interface FdBase extends Access {
  /** WASI fdflags (only APPEND changes behaviour). */
  flags: number;
}

export interface StdioFd extends FdBase {
  kind: 'stdio';
  stream: 0 | 1 | 2;
}

export interface FileFd extends FdBase {
  kind: 'file';
  node: Node;
  mount: Mount;
  hostFd: number;
  pos: number;
  ino: bigint;
  dev: bigint;
  /** Unlinked while open: its bytes leave the budget when the last fd on it closes. */
  orphan?: boolean;
}

export interface DirEntry {
  name: string;
  ino: bigint;
  filetype: number;
}

export interface DirFd extends FdBase {
  kind: 'dir';
  node: Node;
  /** The listing fd_readdir pages through; taken again at cookie 0. */
  listing?: DirEntry[];
}

export type FdEntry = StdioFd | FileFd | DirFd;

export class FdTable {
  private fds = new Map<number, FdEntry>();

  constructor(
    private readonly maxFds: number,
    private readonly ledger?: Int32Array,
  ) {
    ledger?.fill(-1);
  }

  get(fd: number): FdEntry {
    return this.fds.get(fd) ?? fail(Errno.BADF);
  }

  /** A file fd; with `access`, one opened for reading or writing (else EBADF). */
  file(fd: number, access?: 'read' | 'write'): FileFd {
    const e = this.get(fd);
    if (e.kind !== 'file') return fail(e.kind === 'dir' ? Errno.ISDIR : Errno.BADF);
    if (access) need(e, access);
    return e;
  }

  dir(fd: number): DirFd {
    const e = this.get(fd);
    return e.kind === 'dir' ? e : fail(Errno.NOTDIR);
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  /** Lowest free number, as POSIX open() does. */
  add(entry: FdEntry): number {
    if (this.fds.size >= this.maxFds) fail(Errno.MFILE);
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    this.set(fd, entry);
    return fd;
  }

  set(fd: number, entry: FdEntry): void {
    this.fds.set(fd, entry);
    if (entry.kind === 'file') this.record(fd, entry.hostFd);
  }

  /** Removes the entry without closing its host fd (fd_renumber moves it). */
  take(fd: number): FdEntry {
    const e = this.get(fd);
    this.fds.delete(fd);
    this.record(fd, -1);
    return e;
  }

  close(fd: number): FdEntry {
    const e = this.take(fd);
    if (e.kind === 'file') closeSync(e.hostFd);
    return e;
  }

  /** Open file fds on the inode (dev, ino). */
  openOn(dev: bigint, ino: bigint): FileFd[] {
    const out: FileFd[] = [];
    for (const e of this.fds.values()) if (e.kind === 'file' && e.ino === ino && e.dev === dev) out.push(e); // prettier-ignore
    return out;
  }

  closeAll(): void {
    for (const fd of [...this.fds.keys()]) {
      try {
        this.close(fd);
      } catch {
        // Closing is best effort at the end of a call.
      }
    }
  }

  private record(fd: number, hostFd: number): void {
    // Slot cleared before the host fd is closed: a terminate in between leaks, never double-closes.
    if (this.ledger && fd < this.ledger.length) Atomics.store(this.ledger, fd, hostFd);
  }
}

/** Closes the host fds a terminated thread left in its ledger. */
export function closeLedger(ledger: Int32Array): void {
  for (let i = 0; i < ledger.length; i++) {
    const hostFd = Atomics.exchange(ledger, i, -1);
    // Guest fds 0-2 are never host fds here, and the host's own stdio must never be closed.
    if (hostFd > 2) {
      try {
        closeSync(hostFd);
      } catch {
        // Already closed.
      }
    }
  }
}
