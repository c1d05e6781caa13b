/**
 * The fd_* calls: reading, writing, seeking, stating and listing through open fds. A file fd's
 * reads and writes are positional on its host fd, the growth of a file charged to its mount's
 * budget before a byte is written (a short write when only part fits, as a full disk gives).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ADVICE_MAX, Errno, FdFlags, Filetype, Whence } from './abi.js';
import { PREOPEN_FD, type Calls, type WasiContext } from './context.js';
import type { DirEntry, DirFd, FileFd } from './fds.js';
import { filestatOf, filetypeOf, resize, safe, setTimes, virtualIno, writable } from './files.js';
import { fail, lstatOrUndefined, type Node } from './mounts.js';
import { need, reported } from './rights.js';
import { Dirent, Fdstat, Filestat, PREOPENTYPE_DIR, Prestat } from './structs.js';

const MAX_IO = 1 << 30;
const utf8 = new TextEncoder();

export function fdCalls(ctx: WasiContext): Calls {
  const { fds, mem } = ctx;
  return {
    fd_advise: (fd: number, _offset: bigint, _len: bigint, advice: number) => {
      fds.file(fd);
      if (advice > ADVICE_MAX) fail(Errno.INVAL);
    },
    fd_allocate: (fd: number, offset: bigint, len: bigint) => {
      const f = fds.file(fd, 'write');
      const end = Number(offset + len);
      if (end > Number(fs.fstatSync(f.hostFd, { bigint: true }).size)) resize(f, end);
    },
    fd_close: (fd: number) => {
      const e = fds.get(fd);
      if (e.kind === 'file' && e.orphan && fds.openOn(e.dev, e.ino).length === 1) {
        e.mount.refund(Number(fs.fstatSync(e.hostFd, { bigint: true }).size));
      }
      fds.close(fd);
    },
    fd_datasync: (fd: number) => fs.fdatasyncSync(fds.file(fd).hostFd),
    fd_sync: (fd: number) => {
      const e = fds.get(fd);
      if (e.kind === 'file') fs.fsyncSync(e.hostFd);
    },
    fd_fdstat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      const filetype = { stdio: Filetype.CHARACTER_DEVICE, file: Filetype.REGULAR_FILE, dir: Filetype.DIRECTORY }; // prettier-ignore
      mem.put(Fdstat, ptr, { filetype: filetype[e.kind], flags: e.flags, ...reported(e.kind, e) });
    },
    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const e = fds.get(fd);
      if (e.kind === 'file' || e.kind === 'stdio') e.flags = flags & 0xffff;
    },
    // Rights are not narrowed (rights.ts): a valid fd is all this checks.
    fd_fdstat_set_rights: (fd: number) => void fds.get(fd),
    fd_filestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      const of = e.kind === 'stdio' ? undefined : e.kind === 'file' ? e : e.node;
      mem.put(Filestat, ptr, filestatOf(of, ctx.startNs));
    },
    fd_filestat_set_size: (fd: number, size: bigint) => resize(fds.file(fd, 'write'), Number(size)),
    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdio') fail(Errno.BADF);
      writable(e.node);
      setTimes(e.kind === 'file' ? e : e.node, atim, mtim, flags, true);
    },
    fd_pread: (fd: number, iovs: number, n: number, offset: bigint, nread: number) =>
      mem.setU32(nread, readFile(fds.file(fd, 'read'), mem.iovecs(iovs, n), safe(offset))),
    fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, nwritten: number) =>
      mem.setU32(nwritten, writeFile(fds.file(fd, 'write'), mem.iovecs(iovs, n), safe(offset))),
    fd_read: (fd: number, iovs: number, n: number, nread: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdio') {
        need(e, 'read');
        return mem.setU32(nread, 0); // stdin is empty
      }
      mem.setU32(nread, readFile(fds.file(fd, 'read'), mem.iovecs(iovs, n), undefined));
    },
    fd_write: (fd: number, iovs: number, n: number, nwritten: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'stdio') {
        return mem.setU32(nwritten, writeFile(fds.file(fd, 'write'), mem.iovecs(iovs, n), undefined)); // prettier-ignore
      }
      need(e, 'write');
      const sink = e.stream === 1 ? ctx.stdout : ctx.stderr;
      let total = 0;
      for (const d of mem.iovecs(iovs, n)) {
        sink(d);
        total += d.length;
      }
      mem.setU32(nwritten, total);
    },
    fd_prestat_get: (fd: number, ptr: number) => {
      if (fd !== PREOPEN_FD || !fds.has(fd)) fail(Errno.BADF);
      mem.put(Prestat, ptr, { tag: PREOPENTYPE_DIR, nameLen: 1 });
    },
    fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
      if (fd !== PREOPEN_FD || !fds.has(fd)) fail(Errno.BADF);
      if (len < 1) fail(Errno.NAMETOOLONG);
      mem.write(ptr, utf8.encode('/'));
    },
    fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, used: number) => {
      const dir = fds.dir(fd);
      if (cookie === 0n || !dir.listing) dir.listing = listing(ctx, dir);
      const out = mem.bytes(buf, len);
      let at = 0;
      for (let i = Number(cookie); i < dir.listing.length && at < len; i++) {
        const d = dir.listing[i]!;
        const name = utf8.encode(d.name);
        // Each record is a dirent and its name, cut off where the buffer ends.
        const rec = new Uint8Array(Dirent.size + name.length);
        Dirent.encode(new DataView(rec.buffer), 0, {
          next: BigInt(i + 1),
          ino: d.ino,
          namlen: name.length,
          type: d.filetype,
        });
        rec.set(name, Dirent.size);
        const n = Math.min(rec.length, len - at);
        out.set(rec.subarray(0, n), at);
        at += n;
      }
      mem.setU32(used, at);
    },
    fd_renumber: (from: number, to: number) => {
      fds.get(from);
      fds.get(to);
      if (from === to) return;
      fds.close(to);
      fds.set(to, fds.take(from));
    },
    fd_seek: (fd: number, offset: bigint, whence: number, ptr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdio') return mem.setU64(ptr, 0n);
      const f = fds.file(fd);
      const base =
        whence === Whence.SET ? 0 : whence === Whence.CUR ? f.pos
        : whence === Whence.END ? Number(fs.fstatSync(f.hostFd, { bigint: true }).size)
        : fail(Errno.INVAL); // prettier-ignore
      const pos = base + Number(offset);
      if (pos < 0 || pos > Number.MAX_SAFE_INTEGER) fail(Errno.INVAL);
      f.pos = pos;
      mem.setU64(ptr, pos);
    },
    fd_tell: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      mem.setU64(ptr, e.kind === 'stdio' ? 0 : fds.file(fd).pos);
    },
  };
}

/** `.`, `..`, the host directory's entries, then the mount points below (which hide entries). */
function listing(ctx: WasiContext, dir: DirFd): DirEntry[] {
  const { node } = dir;
  const entry = (name: string, n: Node): DirEntry => ({
    name,
    ino: n.stat ? n.stat.ino : virtualIno(n.guest),
    filetype: n.stat ? filetypeOf(n.stat) : Filetype.DIRECTORY,
  });
  const out = [entry('.', node), entry('..', ctx.mounts.locate(node.parts.slice(0, -1)))];
  const mounted = ctx.mounts.childMounts(node.parts);
  if (node.host && node.stat?.isDirectory()) {
    for (const name of fs.readdirSync(node.host)) {
      if (mounted.has(name)) continue;
      const st = lstatOrUndefined(join(node.host, name));
      if (st) out.push({ name, ino: st.ino, filetype: filetypeOf(st) });
    }
  }
  for (const name of mounted) out.push(entry(name, ctx.mounts.locate([...node.parts, name])));
  return out;
}

function writeFile(f: FileFd, data: Uint8Array[], at: number | undefined): number {
  if (f.mount.readOnly) fail(Errno.ROFS);
  const size = Number(fs.fstatSync(f.hostFd, { bigint: true }).size);
  let pos = at ?? (f.flags & FdFlags.APPEND ? size : f.pos);
  let total = data.reduce((n, d) => n + d.length, 0);
  const growth = pos + total - size;
  if (growth > 0 && f.mount.budget !== undefined) {
    const room = f.mount.room(growth);
    if (room < growth) {
      total -= growth - room;
      if (total <= 0) f.mount.charge(growth); // throws NOSPC and marks the budget
    }
    f.mount.charge(Math.min(growth, room));
  }
  let written = 0;
  for (const d of data) {
    const n = Math.min(d.length, total - written);
    if (n <= 0) break;
    fs.writeSync(f.hostFd, d, 0, n, pos);
    pos += n;
    written += n;
  }
  if (at === undefined) f.pos = pos;
  return written;
}

function readFile(f: FileFd, data: Uint8Array[], at: number | undefined): number {
  let pos = at ?? f.pos;
  let total = 0;
  for (const d of data) {
    const n = d.length ? fs.readSync(f.hostFd, d, 0, Math.min(d.length, MAX_IO), pos) : 0;
    pos += n;
    total += n;
    if (n < d.length) break;
  }
  if (at === undefined) f.pos = pos;
  return total;
}
