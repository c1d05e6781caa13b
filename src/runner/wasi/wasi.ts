/**
 * The host's own WASI preview1, everything CPython 3.11 on wasm32-wasi calls, over a mount
 * table (mounts.ts) and an fd table (fds.ts).
 *
 * Why not node:wasi: it has no read-only preopens and hides nothing a preopen holds (a guest
 * could rewrite the runtime root and read every function), it turns an absolute MONOTONIC
 * poll_oneoff deadline into a realtime delay (CPython's time.sleep never returns), its sleeps
 * cannot be interrupted by Worker.terminate, it sets file times in whole seconds and reports
 * inode 0 in directory listings. Faasm implements WASI itself for the same reasons.
 *
 * The guest sees one preopen, fd 3 = `/`; wasi-libc maps every absolute path onto it and the
 * mount table does the rest. So the fd layout is the same whatever is mounted, and a memory
 * snapshot taken after Python started (the zygote) fits every later call's mounts.
 *
 * Every import is a plain JS function: V8's fast-call path for host functions keeps a stale
 * memory after memory.grow in Node 20 (nodejs/node#53087), which plain functions never take.
 */
import * as fs from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import {
  DIR_RIGHTS,
  EVENT_FD_HANGUP,
  Errno,
  EventType,
  FILE_RIGHTS,
  FdFlags,
  Filetype,
  FstFlags,
  INHERIT_RIGHTS,
  LOOKUP_SYMLINK_FOLLOW,
  OFlags,
  Rights,
  STDIO_RIGHTS,
  SUBCLOCK_ABSTIME,
  Size,
  WRITE_RIGHTS,
  Whence,
  errnoOfCode,
} from './abi.js';
import {
  clockNow,
  clockResolution,
  deadlineOf,
  monotonicNs,
  realtimeNs,
  sleepUntil,
} from './clocks.js';
import { FdTable, type DirEntry, type DirFd, type FdEntry, type FileFd } from './fds.js';
import {
  DIR_COST,
  ENTRY_COST,
  MountTable,
  WasiError,
  exists,
  fail,
  isDir,
  lstatOrUndefined,
  type MountSpec,
  type Node,
} from './mounts.js';

export interface WasiOptions {
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  mounts: readonly MountSpec[];
  /** Where the guest's fd 1 and fd 2 go. */
  stdout(data: Uint8Array): void;
  stderr(data: Uint8Array): void;
  /** Host fds the guest holds, one slot per guest fd (see FdTable). */
  fdLedger?: Int32Array;
  /** Open fds the guest may hold at once. */
  maxFds?: number;
}

/** proc_exit: unwinds the guest; `run` turns it into the exit code. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

type Fn = (...args: never[]) => number | void;
const PREOPEN_FD = 3;
const MAX_IO = 1 << 30;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export class Wasi {
  readonly mounts: MountTable;
  readonly fds: FdTable;
  private memory: WebAssembly.Memory | undefined;
  private readonly startNs = realtimeNs();
  private readonly args: Uint8Array[];
  private readonly env: Uint8Array[];

  constructor(private readonly opts: WasiOptions) {
    this.mounts = new MountTable(opts.mounts);
    this.fds = new FdTable(opts.maxFds ?? 1024, opts.fdLedger);
    this.args = opts.args.map((a) => utf8.encode(a + '\0'));
    this.env = Object.entries(opts.env).map(([k, v]) => utf8.encode(`${k}=${v}\0`));
    const stdio = (stream: 0 | 1 | 2): FdEntry => ({
      kind: 'stdio',
      stream,
      // /dev/null-like: seekable rights make wasi-libc's isatty() say no.
      rightsBase: STDIO_RIGHTS | Rights.FD_SEEK | Rights.FD_TELL,
      rightsInheriting: 0n,
      flags: stream === 0 ? 0 : FdFlags.APPEND,
    });
    for (const s of [0, 1, 2] as const) this.fds.set(s, stdio(s));
    this.fds.set(PREOPEN_FD, {
      kind: 'dir',
      node: this.mounts.locate([]),
      rightsBase: DIR_RIGHTS,
      rightsInheriting: INHERIT_RIGHTS,
      flags: 0,
    });
  }

  /** The instance's memory; call before the guest runs. */
  bind(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** Runs the guest's entry; proc_exit ends it with its code, a return with 0. */
  run(entry: () => void): number {
    try {
      entry();
      return 0;
    } catch (err) {
      if (err instanceof WasiExit) return err.code;
      throw err;
    }
  }

  /** Closes every host fd the guest still holds. */
  close(): void {
    this.fds.closeAll();
  }

  /** True when a write was refused because a mount's byte budget was full. */
  budgetExhausted(): MountSpec | undefined {
    const m = this.mounts.mounts.find((x) => x.exhausted);
    return m && this.opts.mounts.find((s) => s.guest === m.guest);
  }

  /** The `wasi_snapshot_preview1` import object. */
  get imports(): Record<string, Fn> {
    const out: Record<string, Fn> = {};
    for (const [name, fn] of Object.entries(this.calls())) {
      out[name] = (...args: never[]) => {
        try {
          return (fn as (...a: never[]) => number | void)(...args) ?? Errno.SUCCESS;
        } catch (err) {
          return errnoOf(err);
        }
      };
    }
    return out;
  }

  // ---- guest memory ----

  private view(): DataView {
    return new DataView(this.memory!.buffer);
  }

  private bytes(ptr: number, len: number): Uint8Array {
    const buf = this.memory!.buffer;
    if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) fail(Errno.FAULT);
    return new Uint8Array(buf, ptr, len);
  }

  private string(ptr: number, len: number): string {
    try {
      return utf8Strict.decode(this.bytes(ptr, len));
    } catch (err) {
      if (err instanceof WasiError) throw err;
      return fail(Errno.INVAL);
    }
  }

  private iovecs(iovs: number, count: number): Uint8Array[] {
    const v = this.view();
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      out.push(this.bytes(v.getUint32(iovs + i * 8, true), v.getUint32(iovs + i * 8 + 4, true)));
    }
    return out;
  }

  private putU32(ptr: number, value: number): void {
    this.view().setUint32(ptr, value, true);
  }

  private putU64(ptr: number, value: bigint | number): void {
    this.view().setBigUint64(ptr, BigInt(value), true);
  }

  private putStrings(list: Uint8Array[], ptrs: number, buf: number): void {
    let at = buf;
    list.forEach((s, i) => {
      this.putU32(ptrs + i * 4, at);
      this.bytes(at, s.length).set(s);
      at += s.length;
    });
  }

  private putFilestat(ptr: number, node: Node | FileFd | undefined): void {
    const v = this.view();
    this.bytes(ptr, Size.FILESTAT).fill(0);
    const st = node && 'hostFd' in node ? fs.fstatSync(node.hostFd, { bigint: true }) : node?.stat;
    if (!st) {
      // A virtual directory (or a stdio stream when node is undefined).
      const guest = node && 'guest' in node ? node.guest : '';
      v.setBigUint64(ptr + 8, node ? virtualIno(guest) : 0n, true);
      v.setUint8(ptr + 16, node ? Filetype.DIRECTORY : Filetype.CHARACTER_DEVICE);
      v.setBigUint64(ptr + 24, 1n, true);
      for (const off of [40, 48, 56]) v.setBigUint64(ptr + off, this.startNs, true);
      return;
    }
    v.setBigUint64(ptr, st.dev, true);
    v.setBigUint64(ptr + 8, st.ino, true);
    v.setUint8(ptr + 16, filetypeOf(st));
    v.setBigUint64(ptr + 24, st.nlink, true);
    v.setBigUint64(ptr + 32, st.size, true);
    v.setBigUint64(ptr + 40, st.atimeNs, true);
    v.setBigUint64(ptr + 48, st.mtimeNs, true);
    v.setBigUint64(ptr + 56, st.ctimeNs, true);
  }

  // ---- helpers over the fd and mount tables ----

  private resolveAt(fd: number, ptr: number, len: number, follow: boolean): Node {
    const dir = this.fds.dir(fd);
    return this.mounts.resolve(dir.node.parts, this.string(ptr, len), follow);
  }

  /** Any change to `node` (or to a new entry at `node`) needs a writable mount. */
  private writable(node: Node): void {
    if (node.virtual || node.mount.readOnly) fail(Errno.ROFS);
  }

  /** Budget given back when the directory entry `node` goes away (an unlink or a rename over it). */
  private releaseEntry(node: Node): () => void {
    const st = node.stat;
    if (!st || node.mount.budget === undefined) return () => {};
    let bytes = st.isDirectory() ? DIR_COST : ENTRY_COST;
    // A link's target, like a file's bytes, goes with its last name (a symlink can be hard-linked).
    if (st.isSymbolicLink() && st.nlink === 1n) bytes += Number(st.size);
    else if (st.isFile() && st.nlink === 1n) {
      const open = this.fds.openOn(st.dev, st.ino);
      if (open.length) open.forEach((f) => (f.orphan = true));
      else bytes += Number(st.size);
    }
    return () => node.mount.refund(bytes);
  }

  /** Makes a new directory entry at `node`, its cost taken from the budget first. */
  private newEntry(node: Node, cost: number, make: () => void): void {
    node.mount.charge(cost);
    try {
      make();
    } catch (err) {
      node.mount.refund(cost);
      throw err;
    }
  }

  private setTimes(
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

  private listing(dir: DirFd): DirEntry[] {
    const { node } = dir;
    const entry = (name: string, n: Node): DirEntry => ({
      name,
      ino: n.stat ? n.stat.ino : virtualIno(n.guest),
      filetype: n.stat ? filetypeOf(n.stat) : Filetype.DIRECTORY,
    });
    const out = [entry('.', node), entry('..', this.mounts.locate(node.parts.slice(0, -1)))];
    const mounted = this.mounts.childMounts(node.parts);
    if (node.host && node.stat?.isDirectory()) {
      for (const name of fs.readdirSync(node.host)) {
        if (mounted.has(name)) continue;
        const st = lstatOrUndefined(join(node.host, name));
        if (st) out.push({ name, ino: st.ino, filetype: filetypeOf(st) });
      }
    }
    for (const name of mounted) out.push(entry(name, this.mounts.locate([...node.parts, name])));
    return out;
  }

  private writeFile(f: FileFd, data: Uint8Array[], at: number | undefined): number {
    if (!(f.rightsBase & Rights.FD_WRITE)) fail(Errno.BADF);
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

  private readFile(f: FileFd, data: Uint8Array[], at: number | undefined): number {
    if (!(f.rightsBase & Rights.FD_READ)) fail(Errno.BADF);
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

  private resize(f: FileFd, size: number): void {
    if (f.mount.readOnly) fail(Errno.ROFS);
    if (size < 0 || size > Number.MAX_SAFE_INTEGER) fail(Errno.INVAL);
    const old = Number(fs.fstatSync(f.hostFd, { bigint: true }).size);
    if (size > old) f.mount.charge(size - old);
    fs.ftruncateSync(f.hostFd, size);
    if (size < old) f.mount.refund(old - size);
  }

  private openFile(node: Node, oflags: number, base: bigint, fdflags: number): FileFd {
    const wantsWrite = (base & WRITE_RIGHTS) !== 0n || (oflags & OFlags.TRUNC) !== 0;
    if (wantsWrite) this.writable(node);
    let created = false;
    if (!exists(node)) {
      if (!(oflags & OFlags.CREAT)) fail(Errno.NOENT);
      this.writable(node);
      node.mount.charge(ENTRY_COST);
      created = true;
    }
    if (node.stat && !node.stat.isFile())
      fail(node.stat.isSymbolicLink() ? Errno.LOOP : Errno.NXIO);
    const C = fs.constants;
    const read = (base & Rights.FD_READ) !== 0n;
    let flags = C.O_NOFOLLOW | (wantsWrite ? (read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY);
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
      rightsBase: base & FILE_RIGHTS & (node.mount.readOnly ? ~WRITE_RIGHTS : ~0n),
      rightsInheriting: 0n,
      flags: fdflags,
    };
    if (oflags & OFlags.TRUNC) {
      try {
        this.resize(f, 0);
      } catch (err) {
        fs.closeSync(hostFd);
        throw err;
      }
    }
    return f;
  }

  // ---- the preview1 calls ----

  private calls() {
    const fds = this.fds;
    const sizes = (list: Uint8Array[], countPtr: number, sizePtr: number) => {
      this.putU32(countPtr, list.length);
      this.putU32(
        sizePtr,
        list.reduce((n, s) => n + s.length, 0),
      );
    };
    return {
      args_get: (argv: number, buf: number) => this.putStrings(this.args, argv, buf),
      args_sizes_get: (count: number, size: number) => sizes(this.args, count, size),
      environ_get: (env: number, buf: number) => this.putStrings(this.env, env, buf),
      environ_sizes_get: (count: number, size: number) => sizes(this.env, count, size),

      clock_res_get: (id: number, ptr: number) => this.putU64(ptr, clockResolution(id)),
      clock_time_get: (id: number, _precision: bigint, ptr: number) =>
        this.putU64(ptr, clockNow(id)),

      fd_advise: (fd: number, _offset: bigint, _len: bigint, advice: number) => {
        fds.file(fd);
        if (advice > 5) fail(Errno.INVAL);
      },
      fd_allocate: (fd: number, offset: bigint, len: bigint) => {
        const f = fds.file(fd);
        if (!(f.rightsBase & Rights.FD_WRITE)) fail(Errno.BADF);
        const end = Number(offset + len);
        if (end > Number(fs.fstatSync(f.hostFd, { bigint: true }).size)) this.resize(f, end);
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
        const v = this.view();
        this.bytes(ptr, Size.FDSTAT).fill(0);
        const type = { stdio: Filetype.CHARACTER_DEVICE, file: Filetype.REGULAR_FILE, dir: Filetype.DIRECTORY }; // prettier-ignore
        v.setUint8(ptr, type[e.kind]);
        v.setUint16(ptr + 2, e.flags, true);
        v.setBigUint64(ptr + 8, e.rightsBase, true);
        v.setBigUint64(ptr + 16, e.rightsInheriting, true);
      },
      fd_fdstat_set_flags: (fd: number, flags: number) => {
        const e = fds.get(fd);
        if (e.kind === 'file' || e.kind === 'stdio') e.flags = flags & 0xffff;
      },
      fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
        const e = fds.get(fd);
        if ((base & ~e.rightsBase) !== 0n || (inheriting & ~e.rightsInheriting) !== 0n) fail(Errno.NOTCAPABLE); // prettier-ignore
        e.rightsBase = base;
        e.rightsInheriting = inheriting;
      },
      fd_filestat_get: (fd: number, ptr: number) => {
        const e = fds.get(fd);
        this.putFilestat(ptr, e.kind === 'stdio' ? undefined : e.kind === 'file' ? e : e.node);
      },
      fd_filestat_set_size: (fd: number, size: bigint) => {
        const f = fds.file(fd);
        if (!(f.rightsBase & Rights.FD_WRITE)) fail(Errno.BADF);
        this.resize(f, Number(size));
      },
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => {
        const e = fds.get(fd);
        if (e.kind === 'stdio') fail(Errno.BADF);
        this.writable(e.node);
        this.setTimes(e.kind === 'file' ? e : e.node, atim, mtim, flags, true);
      },
      fd_pread: (fd: number, iovs: number, n: number, offset: bigint, nread: number) =>
        this.putU32(nread, this.readFile(fds.file(fd), this.iovecs(iovs, n), safe(offset))),
      fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, nwritten: number) =>
        this.putU32(nwritten, this.writeFile(fds.file(fd), this.iovecs(iovs, n), safe(offset))),
      fd_read: (fd: number, iovs: number, n: number, nread: number) => {
        const e = fds.get(fd);
        if (e.kind === 'stdio') return this.putU32(nread, e.stream === 0 ? 0 : fail(Errno.BADF));
        this.putU32(nread, this.readFile(fds.file(fd), this.iovecs(iovs, n), undefined));
      },
      fd_write: (fd: number, iovs: number, n: number, nwritten: number) => {
        const e = fds.get(fd);
        if (e.kind !== 'stdio') {
          return this.putU32(nwritten, this.writeFile(fds.file(fd), this.iovecs(iovs, n), undefined)); // prettier-ignore
        }
        if (e.stream === 0) fail(Errno.BADF);
        const sink = e.stream === 1 ? this.opts.stdout : this.opts.stderr;
        let total = 0;
        for (const d of this.iovecs(iovs, n)) {
          sink(d);
          total += d.length;
        }
        this.putU32(nwritten, total);
      },
      fd_prestat_get: (fd: number, ptr: number) => {
        if (fd !== PREOPEN_FD || !fds.has(fd)) fail(Errno.BADF);
        this.putU32(ptr, 0);
        this.putU32(ptr + 4, 1);
      },
      fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
        if (fd !== PREOPEN_FD || !fds.has(fd)) fail(Errno.BADF);
        if (len < 1) fail(Errno.NAMETOOLONG);
        this.bytes(ptr, 1)[0] = 0x2f; // "/"
      },
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, used: number) => {
        const dir = fds.dir(fd);
        if (cookie === 0n || !dir.listing) dir.listing = this.listing(dir);
        const out = this.bytes(buf, len);
        const v = this.view();
        let at = 0;
        for (let i = Number(cookie); i < dir.listing.length && at < len; i++) {
          const d = dir.listing[i]!;
          const name = utf8.encode(d.name);
          const head = new Uint8Array(Size.DIRENT);
          const hv = new DataView(head.buffer);
          hv.setBigUint64(0, BigInt(i + 1), true);
          hv.setBigUint64(8, d.ino, true);
          hv.setUint32(16, name.length, true);
          hv.setUint8(20, d.filetype);
          const rec = new Uint8Array(Size.DIRENT + name.length);
          rec.set(head);
          rec.set(name, Size.DIRENT);
          const n = Math.min(rec.length, len - at);
          out.set(rec.subarray(0, n), at);
          at += n;
        }
        v.setUint32(used, at, true);
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
        if (e.kind === 'stdio') return this.putU64(ptr, 0n);
        const f = fds.file(fd);
        const base =
          whence === Whence.SET ? 0 : whence === Whence.CUR ? f.pos
          : whence === Whence.END ? Number(fs.fstatSync(f.hostFd, { bigint: true }).size)
          : fail(Errno.INVAL); // prettier-ignore
        const pos = base + Number(offset);
        if (pos < 0 || pos > Number.MAX_SAFE_INTEGER) fail(Errno.INVAL);
        f.pos = pos;
        this.putU64(ptr, pos);
      },
      fd_tell: (fd: number, ptr: number) => {
        const e = fds.get(fd);
        this.putU64(ptr, e.kind === 'stdio' ? 0 : fds.file(fd).pos);
      },

      path_create_directory: (fd: number, path: number, len: number) => {
        const node = this.resolveAt(fd, path, len, false);
        if (exists(node)) fail(Errno.EXIST);
        this.writable(node);
        this.newEntry(node, DIR_COST, () => fs.mkdirSync(node.host!, 0o755));
      },
      path_filestat_get: (fd: number, flags: number, path: number, len: number, ptr: number) => {
        const node = this.resolveAt(fd, path, len, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        if (!exists(node)) fail(Errno.NOENT);
        this.putFilestat(ptr, node);
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
        const follow = (flags & LOOKUP_SYMLINK_FOLLOW) !== 0;
        const node = this.resolveAt(fd, path, len, follow);
        if (!exists(node)) fail(Errno.NOENT);
        this.writable(node);
        this.setTimes(node, atim, mtim, fst, follow);
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
        const from = this.resolveAt(oldFd, oldPath, oldLen, (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0); // prettier-ignore
        const to = this.resolveAt(newFd, newPath, newLen, false);
        if (!exists(from)) fail(Errno.NOENT);
        if (isDir(from)) fail(Errno.PERM);
        if (exists(to)) fail(Errno.EXIST);
        this.writable(to);
        if (from.mount !== to.mount) fail(Errno.XDEV);
        this.newEntry(to, ENTRY_COST, () => fs.linkSync(from.host!, to.host!));
      },
      path_open: (
        fd: number,
        dirflags: number,
        path: number,
        len: number,
        oflags: number,
        base: bigint,
        inheriting: bigint,
        fdflags: number,
        opened: number,
      ) => {
        const dir = fds.dir(fd);
        const node = this.resolveAt(fd, path, len, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        base &= dir.rightsInheriting;
        inheriting &= dir.rightsInheriting;
        if (isDir(node)) {
          if (oflags & (OFlags.CREAT | OFlags.EXCL) && oflags & OFlags.EXCL) fail(Errno.EXIST);
          if (oflags & OFlags.TRUNC || base & WRITE_RIGHTS) fail(Errno.ISDIR);
          const entry: DirFd = { kind: 'dir', node, rightsBase: base & DIR_RIGHTS, rightsInheriting: inheriting, flags: 0 }; // prettier-ignore
          return this.putU32(opened, fds.add(entry));
        }
        if (oflags & OFlags.DIRECTORY) fail(exists(node) ? Errno.NOTDIR : Errno.NOENT);
        // A trailing slash names a directory: Linux refuses to create a file `name/` (EISDIR)
        // or open a file through one (ENOTDIR) (test_shutil test_copyfile_nonexistent_dir).
        if (this.string(path, len).endsWith('/')) {
          fail(exists(node) ? Errno.NOTDIR : oflags & OFlags.CREAT ? Errno.ISDIR : Errno.NOENT);
        }
        if (exists(node) && oflags & OFlags.CREAT && oflags & OFlags.EXCL) fail(Errno.EXIST);
        const f = this.openFile(node, oflags, base, fdflags);
        try {
          this.putU32(opened, fds.add(f));
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
        const node = this.resolveAt(fd, path, len, false);
        if (!exists(node)) fail(Errno.NOENT);
        if (!node.stat?.isSymbolicLink()) fail(Errno.INVAL);
        const target = fs.readlinkSync(node.host!, { encoding: 'buffer' });
        const n = Math.min(target.length, bufLen);
        this.bytes(buf, n).set(target.subarray(0, n));
        this.putU32(used, n);
      },
      path_remove_directory: (fd: number, path: number, len: number) => {
        const node = this.resolveAt(fd, path, len, false);
        if (!exists(node)) fail(Errno.NOENT);
        if (!isDir(node)) fail(Errno.NOTDIR);
        if (node.mountPoint) fail(Errno.BUSY);
        this.writable(node);
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
        const from = this.resolveAt(fd, oldPath, oldLen, false);
        const to = this.resolveAt(newFd, newPath, newLen, false);
        if (!exists(from)) fail(Errno.NOENT);
        if (from.mountPoint || to.mountPoint) fail(Errno.BUSY);
        this.writable(from);
        this.writable(to);
        if (from.mount !== to.mount) fail(Errno.XDEV);
        // Two names of one file: rename does nothing (POSIX), so nothing is given back.
        if (from.stat && to.stat && from.stat.ino === to.stat.ino && from.stat.dev === to.stat.dev) return; // prettier-ignore
        const release = exists(to) ? this.releaseEntry(to) : () => {};
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
        const target = this.string(oldPath, oldLen);
        const node = this.resolveAt(fd, newPath, newLen, false);
        if (exists(node)) fail(Errno.EXIST);
        this.writable(node);
        const cost = ENTRY_COST + utf8.encode(target).length;
        this.newEntry(node, cost, () => fs.symlinkSync(target, node.host!));
      },
      path_unlink_file: (fd: number, path: number, len: number) => {
        const node = this.resolveAt(fd, path, len, false);
        if (!exists(node)) fail(Errno.NOENT);
        if (isDir(node)) fail(Errno.ISDIR);
        this.writable(node);
        const release = this.releaseEntry(node);
        fs.unlinkSync(node.host!);
        release();
      },

      poll_oneoff: (inPtr: number, outPtr: number, count: number, neventsPtr: number) =>
        this.putU32(neventsPtr, this.poll(inPtr, outPtr, count)),
      proc_exit: (code: number) => {
        throw new WasiExit(code);
      },
      proc_raise: () => Errno.NOTSUP,
      random_get: (buf: number, len: number) => {
        randomFillSync(this.bytes(buf, len));
      },
      sched_yield: () => Errno.SUCCESS,
      sock_accept: () => Errno.NOTSUP,
      sock_recv: () => Errno.NOTSUP,
      sock_send: () => Errno.NOTSUP,
      sock_shutdown: () => Errno.NOTSUP,
    };
  }

  /**
   * poll_oneoff: fd subscriptions are always ready (files and stdio never block); clock ones
   * become MONOTONIC deadlines. When no fd is ready the thread sleeps to the nearest deadline.
   */
  private poll(inPtr: number, outPtr: number, count: number): number {
    if (count === 0) fail(Errno.INVAL);
    this.bytes(inPtr, count * Size.SUBSCRIPTION);
    this.bytes(outPtr, count * Size.EVENT);
    const v = this.view();
    type Ev = { userdata: bigint; type: number; error: number; nbytes: bigint; flags: number };
    const ready: Ev[] = [];
    const clocks: { userdata: bigint; deadline: bigint }[] = [];
    for (let i = 0; i < count; i++) {
      const s = inPtr + i * Size.SUBSCRIPTION;
      const userdata = v.getBigUint64(s, true);
      const type = v.getUint8(s + 8);
      const ev: Ev = { userdata, type, error: 0, nbytes: 0n, flags: 0 };
      if (type === EventType.CLOCK) {
        const id = v.getUint32(s + 16, true);
        const timeout = v.getBigUint64(s + 24, true);
        const abs = (v.getUint16(s + 40, true) & SUBCLOCK_ABSTIME) !== 0;
        try {
          clocks.push({ userdata, deadline: deadlineOf(id, timeout, abs) });
        } catch (err) {
          ready.push({ ...ev, error: errnoOf(err) });
        }
      } else if (type === EventType.FD_READ || type === EventType.FD_WRITE) {
        const fd = v.getUint32(s + 16, true);
        if (!this.fds.has(fd)) ev.error = Errno.BADF;
        else {
          const e = this.fds.get(fd);
          if (type === EventType.FD_READ && e.kind === 'file') {
            const size = fs.fstatSync(e.hostFd, { bigint: true }).size;
            ev.nbytes = size > BigInt(e.pos) ? size - BigInt(e.pos) : 0n;
          } else if (type === EventType.FD_READ && e.kind === 'stdio') ev.flags = EVENT_FD_HANGUP;
        }
        ready.push(ev);
      } else {
        ready.push({ ...ev, error: Errno.INVAL });
      }
    }
    if (ready.length === 0 && clocks.length > 0) {
      sleepUntil(clocks.reduce((a, c) => (c.deadline < a ? c.deadline : a), clocks[0]!.deadline));
    }
    const now = monotonicNs();
    for (const c of clocks) {
      if (c.deadline <= now) ready.push({ userdata: c.userdata, type: EventType.CLOCK, error: 0, nbytes: 0n, flags: 0 }); // prettier-ignore
    }
    ready.forEach((ev, i) => {
      const e = outPtr + i * Size.EVENT;
      this.bytes(e, Size.EVENT).fill(0);
      v.setBigUint64(e, ev.userdata, true);
      v.setUint16(e + 8, ev.error, true);
      v.setUint8(e + 10, ev.type);
      v.setBigUint64(e + 16, ev.nbytes, true);
      v.setUint16(e + 24, ev.flags, true);
    });
    return ready.length;
  }
}

function errnoOf(err: unknown): number {
  if (err instanceof WasiExit) throw err;
  if (err instanceof WasiError) return err.errno;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('E')) return errnoOfCode[code] ?? Errno.IO;
  if (err instanceof RangeError && !/call stack/i.test(err.message)) return Errno.FAULT;
  throw err;
}

function filetypeOf(st: fs.BigIntStats): number {
  if (st.isFile()) return Filetype.REGULAR_FILE;
  if (st.isDirectory()) return Filetype.DIRECTORY;
  if (st.isSymbolicLink()) return Filetype.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  return Filetype.UNKNOWN;
}

/** A stable inode for a virtual directory (FNV-1a of its guest path, top bit set). */
function virtualIno(guest: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of utf8.encode(guest)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h | (1n << 63n);
}

/**
 * fs.utimes takes seconds as a double: keep microseconds exact, the best a double allows.
 * libuv truncates `seconds * 1e6` to whole microseconds, and 4.005006 * 1e6 is 4005005.999...:
 * the half microsecond makes the truncation land on the intended value (test_os UtimeTests).
 */
function nsToSeconds(ns: bigint): number {
  return (Number(ns / 1000n) + 0.5) / 1e6;
}

function safe(offset: bigint): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) fail(Errno.INVAL);
  return Number(offset);
}
