/**
 * What the fd and path calls both do to host files: stat them as WASI filestats, set their
 * times, resize them against their mount's budget, and refuse changes on read-only mounts.
 */
import * as fs from 'node:fs';
import { Errno, Filetype, FstFlags } from './abi.js';
import { realtimeNs } from './clocks.js';
import type { FileFd } from './fds.js';
import { fail, type Node } from './mounts.js';
import type { Filestat } from './structs.js';

/** Any change to `node` (or to a new entry at `node`) needs a writable mount. */
export function writable(node: Node): void {
  if (node.virtual || node.mount.readOnly) fail(Errno.ROFS);
}

/** The filestat of an open file, a node, or (undefined) a stdio stream. */
export function filestatOf(node: Node | FileFd | undefined, startNs: bigint): Filestat {
  const st = node && 'hostFd' in node ? fs.fstatSync(node.hostFd, { bigint: true }) : node?.stat;
  if (!st) {
    // A virtual directory, or a stdio stream.
    const guest = node && 'guest' in node ? node.guest : '';
    return {
      dev: 0n,
      ino: node ? virtualIno(guest) : 0n,
      filetype: node ? Filetype.DIRECTORY : Filetype.CHARACTER_DEVICE,
      nlink: 1n,
      size: 0n,
      atim: startNs,
      mtim: startNs,
      ctim: startNs,
    };
  }
  return {
    dev: st.dev,
    ino: st.ino,
    filetype: filetypeOf(st),
    nlink: st.nlink,
    size: st.size,
    atim: st.atimeNs,
    mtim: st.mtimeNs,
    ctim: st.ctimeNs,
  };
}

export function setTimes(
  node: Node | FileFd,
  atim: bigint,
  mtim: bigint,
  flags: number,
  follow: boolean,
): void {
  if ((flags & FstFlags.ATIM && flags & FstFlags.ATIM_NOW) || (flags & FstFlags.MTIM && flags & FstFlags.MTIM_NOW)) fail(Errno.INVAL); // prettier-ignore
  const cur = 'hostFd' in node ? fs.fstatSync(node.hostFd, { bigint: true }) : node.stat!;
  const now = realtimeNs();
  const pick = (set: number, setNow: number, value: bigint, old: bigint) =>
    flags & setNow ? now : flags & set ? value : old;
  const a = nsToSeconds(pick(FstFlags.ATIM, FstFlags.ATIM_NOW, atim, cur.atimeNs));
  const m = nsToSeconds(pick(FstFlags.MTIM, FstFlags.MTIM_NOW, mtim, cur.mtimeNs));
  if ('hostFd' in node) fs.futimesSync(node.hostFd, a, m);
  else if (follow) fs.utimesSync(node.host!, a, m);
  else fs.lutimesSync(node.host!, a, m);
}

/** ftruncate, the growth charged to the mount's budget first, a shrink given back after. */
export function resize(f: FileFd, size: number): void {
  if (f.mount.readOnly) fail(Errno.ROFS);
  if (size < 0 || size > Number.MAX_SAFE_INTEGER) fail(Errno.INVAL);
  const old = Number(fs.fstatSync(f.hostFd, { bigint: true }).size);
  if (size > old) f.mount.charge(size - old);
  fs.ftruncateSync(f.hostFd, size);
  if (size < old) f.mount.refund(old - size);
}

export function filetypeOf(st: fs.BigIntStats): number {
  if (st.isFile()) return Filetype.REGULAR_FILE;
  if (st.isDirectory()) return Filetype.DIRECTORY;
  if (st.isSymbolicLink()) return Filetype.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  return Filetype.UNKNOWN;
}

/** A stable inode for a virtual directory (FNV-1a of its guest path, top bit set). */
export function virtualIno(guest: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(guest)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn; // prettier-ignore
  return h | (1n << 63n);
}

/**
 * fs.utimes takes seconds as a double, and libuv truncates it: to whole microseconds up to
 * Node 20, to whole nanoseconds from Node 24. 4.005006 is 4.005005999... as a double, so half a
 * nanosecond more makes either truncation land on the intended value (test_os UtimeTests);
 * for today's dates a double resolves ~240 ns, the best fs.utimes allows.
 */
function nsToSeconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n) + (Number(ns % 1_000_000_000n) + 0.5) / 1e9;
}

/** A u64 offset from the guest as a safe integer, else EINVAL. */
export function safe(offset: bigint): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) fail(Errno.INVAL);
  return Number(offset);
}
