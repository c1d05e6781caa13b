/**
 * The path_* calls: every path is resolved through the mount table (mounts.ts), relative to a
 * directory fd; every change needs a writable mount, and every new directory entry is charged
 * to the mount's budget before it is made (and given back when it goes).
 */
import * as fs from 'node:fs';
import { Errno, LOOKUP_SYMLINK_FOLLOW, OFlags } from './abi.js';
import type { Calls, WasiContext } from './context.js';
import type { DirFd, FileFd } from './fds.js';
import { filestatOf, resize, setTimes, writable } from './files.js';
import { DIR_COST, ENTRY_COST, exists, fail, isDir, type Node } from './mounts.js';
import { accessOf, WRITE_RIGHTS } from './rights.js';
import { Filestat } from './structs.js';

const utf8 = new TextEncoder();

export function pathCalls(ctx: WasiContext): Calls {
  const { fds, mem } = ctx;
  const resolveAt = (fd: number, ptr: number, len: number, follow: boolean): Node =>
    ctx.mounts.resolve(fds.dir(fd).node.parts, mem.string(ptr, len), follow);
  const follows = (lookupflags: number) => (lookupflags & LOOKUP_SYMLINK_FOLLOW) !== 0;

  return {
    path_create_directory: (fd: number, path: number, len: number) => {
      const node = resolveAt(fd, path, len, false);
      if (exists(node)) fail(Errno.EXIST);
      writable(node);
      newEntry(node, DIR_COST, () => fs.mkdirSync(node.host!, 0o755));
    },
    path_filestat_get: (fd: number, flags: number, path: number, len: number, ptr: number) => {
      const node = resolveAt(fd, path, len, follows(flags));
      if (!exists(node)) fail(Errno.NOENT);
      mem.put(Filestat, ptr, filestatOf(node, ctx.startNs));
    },
    path_filestat_set_times: (
      fd: number,
      flags: number,
      path: number,
      len: number,
      atim: bigint,
      mtim: bigint,
      fst: number,
    ) => {
      const node = resolveAt(fd, path, len, follows(flags));
      if (!exists(node)) fail(Errno.NOENT);
      writable(node);
      setTimes(node, atim, mtim, fst, follows(flags));
    },
    path_link: (
      oldFd: number,
      oldFlags: number,
      oldPath: number,
      oldLen: number,
      newFd: number,
      newPath: number,
      newLen: number,
    ) => {
      const from = resolveAt(oldFd, oldPath, oldLen, follows(oldFlags));
      const to = resolveAt(newFd, newPath, newLen, false);
      if (!exists(from)) fail(Errno.NOENT);
      if (isDir(from)) fail(Errno.PERM);
      if (exists(to)) fail(Errno.EXIST);
      writable(to);
      if (from.mount !== to.mount) fail(Errno.XDEV);
      newEntry(to, ENTRY_COST, () => fs.linkSync(from.host!, to.host!));
    },
    path_open: (
      fd: number,
      dirflags: number,
      path: number,
      len: number,
      oflags: number,
      base: bigint,
      _inheriting: bigint,
      fdflags: number,
      opened: number,
    ) => {
      const node = resolveAt(fd, path, len, follows(dirflags));
      if (isDir(node)) {
        if (oflags & (OFlags.CREAT | OFlags.EXCL) && oflags & OFlags.EXCL) fail(Errno.EXIST);
        if (oflags & OFlags.TRUNC || base & WRITE_RIGHTS) fail(Errno.ISDIR);
        const entry: DirFd = { kind: 'dir', node, ...accessOf(base), flags: 0 };
        return mem.setU32(opened, fds.add(entry));
      }
      if (oflags & OFlags.DIRECTORY) fail(exists(node) ? Errno.NOTDIR : Errno.NOENT);
      // A trailing slash names a directory: Linux refuses to create a file `name/` (EISDIR)
      // or open a file through one (ENOTDIR) (test_shutil test_copyfile_nonexistent_dir).
      if (mem.string(path, len).endsWith('/')) {
        fail(exists(node) ? Errno.NOTDIR : oflags & OFlags.CREAT ? Errno.ISDIR : Errno.NOENT);
      }
      if (exists(node) && oflags & OFlags.CREAT && oflags & OFlags.EXCL) fail(Errno.EXIST);
      const f = openFile(node, oflags, base, fdflags);
      try {
        mem.setU32(opened, fds.add(f));
      } catch (err) {
        fs.closeSync(f.hostFd);
        throw err;
      }
    },
    path_readlink: (
      fd: number,
      path: number,
      len: number,
      buf: number,
      bufLen: number,
      used: number,
    ) => {
      const node = resolveAt(fd, path, len, false);
      if (!exists(node)) fail(Errno.NOENT);
      if (!node.stat?.isSymbolicLink()) fail(Errno.INVAL);
      const target = fs.readlinkSync(node.host!, { encoding: 'buffer' });
      const n = Math.min(target.length, bufLen);
      mem.write(buf, target.subarray(0, n));
      mem.setU32(used, n);
    },
    path_remove_directory: (fd: number, path: number, len: number) => {
      const node = resolveAt(fd, path, len, false);
      if (!exists(node)) fail(Errno.NOENT);
      if (!isDir(node)) fail(Errno.NOTDIR);
      if (node.mountPoint) fail(Errno.BUSY);
      writable(node);
      fs.rmdirSync(node.host!);
      node.mount.refund(DIR_COST);
    },
    path_rename: (
      fd: number,
      oldPath: number,
      oldLen: number,
      newFd: number,
      newPath: number,
      newLen: number,
    ) => {
      const from = resolveAt(fd, oldPath, oldLen, false);
      const to = resolveAt(newFd, newPath, newLen, false);
      if (!exists(from)) fail(Errno.NOENT);
      if (from.mountPoint || to.mountPoint) fail(Errno.BUSY);
      writable(from);
      writable(to);
      if (from.mount !== to.mount) fail(Errno.XDEV);
      // Two names of one file: rename does nothing (POSIX), so nothing is given back.
      if (from.stat && to.stat && from.stat.ino === to.stat.ino && from.stat.dev === to.stat.dev) return; // prettier-ignore
      const release = exists(to) ? releaseEntry(ctx, to) : () => {};
      fs.renameSync(from.host!, to.host!);
      release();
    },
    path_symlink: (
      oldPath: number,
      oldLen: number,
      fd: number,
      newPath: number,
      newLen: number,
    ) => {
      const target = mem.string(oldPath, oldLen);
      const node = resolveAt(fd, newPath, newLen, false);
      if (exists(node)) fail(Errno.EXIST);
      writable(node);
      const cost = ENTRY_COST + utf8.encode(target).length;
      newEntry(node, cost, () => fs.symlinkSync(target, node.host!));
    },
    path_unlink_file: (fd: number, path: number, len: number) => {
      const node = resolveAt(fd, path, len, false);
      if (!exists(node)) fail(Errno.NOENT);
      if (isDir(node)) fail(Errno.ISDIR);
      writable(node);
      const release = releaseEntry(ctx, node);
      fs.unlinkSync(node.host!);
      release();
    },
  };
}

/** Budget given back when the directory entry `node` goes away (an unlink or a rename over it). */
function releaseEntry(ctx: WasiContext, node: Node): () => void {
  const st = node.stat;
  if (!st || node.mount.budget === undefined) return () => {};
  let bytes = st.isDirectory() ? DIR_COST : ENTRY_COST;
  // A link's target, like a file's bytes, goes with its last name (a symlink can be hard-linked).
  if (st.isSymbolicLink() && st.nlink === 1n) bytes += Number(st.size);
  else if (st.isFile() && st.nlink === 1n) {
    const open = ctx.fds.openOn(st.dev, st.ino);
    if (open.length) open.forEach((f) => (f.orphan = true));
    else bytes += Number(st.size);
  }
  return () => node.mount.refund(bytes);
}

/** Makes a new directory entry at `node`, its cost taken from the budget first. */
function newEntry(node: Node, cost: number, make: () => void): void {
  node.mount.charge(cost);
  try {
    make();
  } catch (err) {
    node.mount.refund(cost);
    throw err;
  }
}

/** Opens (or creates) the regular file at `node`, for the access mode `base` asks for. */
function openFile(node: Node, oflags: number, base: bigint, fdflags: number): FileFd {
  const access = accessOf(base);
  const wantsWrite = access.writable || (oflags & OFlags.TRUNC) !== 0;
  if (wantsWrite) writable(node);
  let created = false;
  if (!exists(node)) {
    if (!(oflags & OFlags.CREAT)) fail(Errno.NOENT);
    writable(node);
    node.mount.charge(ENTRY_COST);
    created = true;
  }
  if (node.stat && !node.stat.isFile()) fail(node.stat.isSymbolicLink() ? Errno.LOOP : Errno.NXIO);
  const C = fs.constants;
  let flags = C.O_NOFOLLOW | (wantsWrite ? (access.readable ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY);
  if (created) flags |= C.O_CREAT | C.O_EXCL;
  let hostFd: number;
  try {
    hostFd = fs.openSync(node.host!, flags, 0o644);
  } catch (err) {
    if (created) node.mount.refund(ENTRY_COST);
    throw err;
  }
  const st = fs.fstatSync(hostFd, { bigint: true });
  const f: FileFd = {
    kind: 'file',
    node,
    mount: node.mount,
    hostFd,
    pos: 0,
    ino: st.ino,
    dev: st.dev,
    ...access,
    flags: fdflags,
  };
  if (oflags & OFlags.TRUNC) {
    try {
      resize(f, 0);
    } catch (err) {
      fs.closeSync(hostFd);
      throw err;
    }
  }
  return f;
}
