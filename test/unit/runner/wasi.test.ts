import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Errno, FstFlags, OFlags, Rights } from '../../../src/runner/wasi/abi.js';
import { closeLedger } from '../../../src/runner/wasi/fds.js';
import { DIR_COST, ENTRY_COST, type MountSpec } from '../../../src/runner/wasi/mounts.js';
import { Wasi, WasiExit } from '../../../src/runner/wasi/wasi.js';

// The WASI layer called as a guest would, against a plain WebAssembly.Memory and temp dirs.

const READ = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FILESTAT_GET | Rights.FD_READDIR; // prettier-ignore
const WRITE = READ | Rights.FD_WRITE | Rights.FD_FILESTAT_SET_SIZE | Rights.FD_ALLOCATE;
type Call = (...args: (number | bigint)[]) => number;

class Guest {
  readonly memory = new WebAssembly.Memory({ initial: 4 });
  readonly wasi: Wasi;
  readonly fns: Record<string, Call>;
  readonly out: string[] = [];
  private top = 1024;

  constructor(mounts: MountSpec[], ledger?: Int32Array) {
    this.wasi = new Wasi({
      args: ['py', 'a b'],
      env: { PYTHONHOME: '/' },
      mounts,
      stdout: (d) => this.out.push(Buffer.from(d).toString()),
      stderr: () => {},
      fdLedger: ledger,
      maxFds: 16,
    });
    this.wasi.bind(this.memory);
    this.fns = this.wasi.imports as unknown as Record<string, Call>;
  }

  get view() {
    return new DataView(this.memory.buffer);
  }

  alloc(n: number): number {
    const p = this.top;
    this.top += (n + 15) & ~15;
    return p;
  }

  str(s: string): [number, number] {
    const b = Buffer.from(s);
    const p = this.alloc(b.length);
    new Uint8Array(this.memory.buffer, p, b.length).set(b);
    return [p, b.length];
  }

  open(path: string, oflags = 0, rights = READ, follow = true, fdflags = 0): [number, number] {
    const out = this.alloc(4);
    const [p, n] = this.str(path);
    const e = this.fns.path_open!(3, follow ? 1 : 0, p, n, oflags, rights, rights, fdflags, out);
    return [e, this.view.getUint32(out, true)];
  }

  write(fd: number, text: string): [number, number] {
    const [p, n] = this.str(text);
    const iov = this.alloc(8);
    this.view.setUint32(iov, p, true);
    this.view.setUint32(iov + 4, n, true);
    const out = this.alloc(4);
    const e = this.fns.fd_write!(fd, iov, 1, out);
    return [e, this.view.getUint32(out, true)];
  }

  read(fd: number, max = 4096): [number, string] {
    const buf = this.alloc(max);
    const iov = this.alloc(8);
    this.view.setUint32(iov, buf, true);
    this.view.setUint32(iov + 4, max, true);
    const out = this.alloc(4);
    const e = this.fns.fd_read!(fd, iov, 1, out);
    const n = this.view.getUint32(out, true);
    return [e, Buffer.from(new Uint8Array(this.memory.buffer, buf, n)).toString()];
  }

  path(fn: string, path: string, ...rest: number[]): number {
    const [p, n] = this.str(path);
    return this.fns[fn]!(3, p, n, ...rest);
  }

  stat(
    path: string,
    follow = true,
  ): { errno: number; ino: bigint; type: number; size: bigint; mtim: bigint } {
    // prettier-ignore
    const buf = this.alloc(64);
    const [p, n] = this.str(path);
    const errno = this.fns.path_filestat_get!(3, follow ? 1 : 0, p, n, buf);
    const v = this.view;
    return { errno, ino: v.getBigUint64(buf + 8, true), type: v.getUint8(buf + 16), size: v.getBigUint64(buf + 32, true), mtim: v.getBigUint64(buf + 48, true) }; // prettier-ignore
  }

  readdir(path: string): { name: string; ino: bigint; type: number }[] {
    const [e, fd] = this.open(path, OFlags.DIRECTORY);
    expect(e).toBe(0);
    const buf = this.alloc(8192);
    const used = this.alloc(4);
    expect(this.fns.fd_readdir!(fd, buf, 8192, 0n, used)).toBe(0);
    const out = [];
    const end = buf + this.view.getUint32(used, true);
    for (let at = buf; at < end;) {
      const len = this.view.getUint32(at + 16, true);
      const name = Buffer.from(new Uint8Array(this.memory.buffer, at + 24, len)).toString();
      out.push({ name, ino: this.view.getBigUint64(at + 8, true), type: this.view.getUint8(at + 20) }); // prettier-ignore
      at += 24 + len;
    }
    this.fns.fd_close!(fd);
    return out;
  }

  nowNs(clock: number): bigint {
    const p = this.alloc(8);
    expect(this.fns.clock_time_get!(clock, 1n, p)).toBe(0);
    return this.view.getBigUint64(p, true);
  }

  /** poll_oneoff with one clock subscription; returns the events' count and errno. */
  sleep(clock: number, timeout: bigint, abs: boolean): { errno: number; events: number } {
    const sub = this.alloc(48);
    new Uint8Array(this.memory.buffer, sub, 48).fill(0);
    this.view.setBigUint64(sub, 7n, true);
    this.view.setUint8(sub + 8, 0);
    this.view.setUint32(sub + 16, clock, true);
    this.view.setBigUint64(sub + 24, timeout, true);
    this.view.setUint16(sub + 40, abs ? 1 : 0, true);
    const ev = this.alloc(32);
    const n = this.alloc(4);
    const errno = this.fns.poll_oneoff!(sub, ev, 1, n);
    expect(this.view.getBigUint64(ev, true)).toBe(7n);
    return { errno, events: this.view.getUint32(n, true) };
  }
}

let base: string;
let root: string;
let funcs: string;
let tmp: string;
let outside: string;
let g: Guest;
const BUDGET = 64 * 1024;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'wasi-test-'));
  root = join(base, 'root');
  funcs = join(base, 'funcs');
  tmp = join(base, 'tmp');
  outside = join(base, 'outside');
  for (const d of [root, tmp, outside, join(root, 'lib'), join(root, 'pyfuncs', 'u', 'other')])
    mkdirSync(d, { recursive: true });
  mkdirSync(join(funcs, 'u', 'f'), { recursive: true });
  mkdirSync(join(funcs, 'u', 'g'), { recursive: true });
  writeFileSync(join(root, 'lib', 'os.py'), 'stdlib');
  writeFileSync(join(funcs, 'u', 'f', 'function.py'), 'mine');
  writeFileSync(join(funcs, 'u', 'g', 'function.py'), 'theirs');
  writeFileSync(join(outside, 'secret'), 'host secret');
  symlinkSync(join(outside, 'secret'), join(root, 'abs-link'));
  symlinkSync('../outside/secret', join(root, 'rel-link'));
  symlinkSync('../../../../../../..', join(root, 'up'));
  symlinkSync('lib/os.py', join(root, 'good-link'));
  g = new Guest([
    { guest: '/', host: root, readOnly: true },
    { guest: '/pyfuncs', readOnly: true },
    { guest: '/pyfuncs/u/f', host: join(funcs, 'u', 'f'), readOnly: true },
    { guest: '/tmp', host: tmp, readOnly: false, budgetBytes: BUDGET },
  ]);
});

afterEach(() => {
  g.wasi.close();
  rmSync(base, { recursive: true, force: true });
});

describe('paths never leave the mounts', () => {
  test('.. stops at the guest root', () => {
    const [e, fd] = g.open('../../../lib/os.py');
    expect(e).toBe(0);
    expect(g.read(fd)[1]).toBe('stdlib');
    expect(g.open('../outside/secret')[0]).toBe(Errno.NOENT);
  });

  test('absolute and relative symlinks are read inside the guest', () => {
    expect(g.open('abs-link')[0]).toBe(Errno.NOENT);
    expect(g.open('rel-link')[0]).toBe(Errno.NOENT);
    expect(g.open('up/outside/secret')[0]).toBe(Errno.NOENT);
    const [e, fd] = g.open('good-link');
    expect(e).toBe(0);
    expect(g.read(fd)[1]).toBe('stdlib');
  });

  test('a symlink planted in /tmp cannot point out either', () => {
    const [t, tn] = g.str(join(outside, 'secret'));
    const [l, ln] = g.str('tmp/link');
    expect(g.fns.path_symlink!(t, tn, 3, l, ln)).toBe(0);
    expect(g.open('tmp/link')[0]).toBe(Errno.NOENT);
    expect(lstatSync(join(tmp, 'link')).isSymbolicLink()).toBe(true);
  });

  test('symlink loops end with ELOOP', () => {
    symlinkSync('loop2', join(tmp, 'loop1'));
    symlinkSync('loop1', join(tmp, 'loop2'));
    expect(g.open('tmp/loop1')[0]).toBe(Errno.LOOP);
  });

  test('O_NOFOLLOW on a symlink refuses it', () => {
    expect(g.open('good-link', 0, READ, false)[0]).toBe(Errno.LOOP);
  });
});

describe('read-only mounts', () => {
  test('refuse every change with EROFS', () => {
    expect(g.open('lib/new.py', OFlags.CREAT, WRITE)[0]).toBe(Errno.ROFS);
    expect(g.open('lib/os.py', 0, WRITE)[0]).toBe(Errno.ROFS);
    expect(g.open('lib/os.py', OFlags.TRUNC)[0]).toBe(Errno.ROFS);
    expect(g.path('path_unlink_file', 'lib/os.py')).toBe(Errno.ROFS);
    expect(g.path('path_create_directory', 'lib/x')).toBe(Errno.ROFS);
    expect(g.path('path_remove_directory', 'lib')).toBe(Errno.ROFS);
    const [a, an] = g.str('lib/os.py');
    const [b, bn] = g.str('lib/moved.py');
    expect(g.fns.path_rename!(3, a, an, 3, b, bn)).toBe(Errno.ROFS);
    expect(g.fns.path_filestat_set_times!(3, 1, a, an, 0n, 0n, FstFlags.MTIM_NOW)).toBe(Errno.ROFS);
    const [e, fd] = g.open('lib/os.py');
    expect(e).toBe(0);
    expect(g.write(fd, 'x')[0]).toBe(Errno.BADF);
    expect(g.fns.fd_filestat_set_size!(fd, 0n)).toBe(Errno.BADF);
    expect(g.fns.fd_filestat_set_times!(fd, 0n, 0n, FstFlags.MTIM_NOW)).toBe(Errno.ROFS);
    expect(readFileSync(join(root, 'lib', 'os.py'), 'utf8')).toBe('stdlib');
  });

  test('a function sees its own directory and nothing else of /pyfuncs', () => {
    expect(g.readdir('pyfuncs').map((d) => d.name)).toEqual(['.', '..', 'u']);
    expect(g.readdir('pyfuncs/u').map((d) => d.name)).toEqual(['.', '..', 'f']);
    const [e, fd] = g.open('pyfuncs/u/f/function.py');
    expect(e).toBe(0);
    expect(g.read(fd)[1]).toBe('mine');
    expect(g.open('pyfuncs/u/g/function.py')[0]).toBe(Errno.NOENT);
    expect(g.open('pyfuncs/u/other')[0]).toBe(Errno.NOENT);
    expect(g.open('pyfuncs/u/f/function.py', 0, WRITE)[0]).toBe(Errno.ROFS);
    expect(g.path('path_create_directory', 'pyfuncs/u/h')).toBe(Errno.ROFS);
    expect(g.path('path_remove_directory', 'pyfuncs/u/f')).toBe(Errno.BUSY);
  });

  test('the root lists its mount points', () => {
    const names = g.readdir('.').map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['lib', 'pyfuncs', 'tmp']));
  });
});

describe('/tmp', () => {
  test('is writable, with real inode numbers and times in nanoseconds', () => {
    const [e, fd] = g.open('tmp/a.txt', OFlags.CREAT, WRITE);
    expect(e).toBe(0);
    expect(g.write(fd, 'hello')).toEqual([0, 5]);
    expect(g.fns.fd_seek!(fd, 0n, 0, g.alloc(8))).toBe(0);
    expect(g.read(fd)[1]).toBe('hello');
    const entry = g.readdir('tmp').find((d) => d.name === 'a.txt')!;
    expect(entry.ino).toBe(BigInt(statSync(join(tmp, 'a.txt')).ino));
    expect(entry.ino).not.toBe(0n);
    const ns = 1_600_000_000_123_456_789n;
    const [p, n] = g.str('tmp/a.txt');
    expect(g.fns.path_filestat_set_times!(3, 1, p, n, ns, ns, FstFlags.ATIM | FstFlags.MTIM)).toBe(0); // prettier-ignore
    const st = g.stat('tmp/a.txt');
    expect(st.errno).toBe(0);
    expect(st.size).toBe(5n);
    const diff = st.mtim > ns ? st.mtim - ns : ns - st.mtim;
    expect(diff).toBeLessThan(1000n);
    expect(st.mtim % 1_000_000_000n).not.toBe(0n);
  });

  test('writes past the byte budget fail with ENOSPC; unlinking gives the bytes back', () => {
    const [, fd] = g.open('tmp/big', OFlags.CREAT, WRITE);
    const chunk = 'x'.repeat(16 * 1024);
    let written = 0;
    let errno = 0;
    for (let i = 0; i < 10 && errno === 0; i++) {
      const [e, n] = g.write(fd, chunk);
      errno = e;
      written += n;
    }
    expect(errno).toBe(Errno.NOSPC);
    expect(written).toBe(BUDGET - ENTRY_COST);
    expect(statSync(join(tmp, 'big')).size).toBe(written);
    expect(g.wasi.budgetExhausted()?.guest).toBe('/tmp');
    // A sparse write far out counts for the whole hole.
    expect(g.fns.fd_seek!(fd, 1n << 40n, 0, g.alloc(8))).toBe(0);
    expect(g.write(fd, 'x')[0]).toBe(Errno.NOSPC);
    expect(g.fns.fd_close!(fd)).toBe(0);
    expect(g.path('path_unlink_file', 'tmp/big')).toBe(0);
    const [e2, fd2] = g.open('tmp/again', OFlags.CREAT, WRITE);
    expect(e2).toBe(0);
    expect(g.write(fd2, chunk)).toEqual([0, chunk.length]);
  });

  test('an unlinked file still open keeps its bytes counted', () => {
    const [, fd] = g.open('tmp/held', OFlags.CREAT, WRITE);
    expect(g.write(fd, 'y'.repeat(40 * 1024))[0]).toBe(0);
    expect(g.path('path_unlink_file', 'tmp/held')).toBe(0);
    const [, fd2] = g.open('tmp/next', OFlags.CREAT, WRITE);
    expect(g.write(fd2, 'z'.repeat(40 * 1024))[1]).toBeLessThan(40 * 1024);
    g.fns.fd_close!(fd);
    expect(g.write(fd2, 'z'.repeat(20 * 1024))[0]).toBe(0);
  });

  test('directories and links cost budget too', () => {
    let errno = 0;
    let made = 0;
    while (errno === 0 && made < 1000) errno = g.path('path_create_directory', `tmp/d${made++}`);
    expect(errno).toBe(Errno.NOSPC);
    expect(made - 1).toBe(BUDGET / DIR_COST);
  });

  test('aliases give nothing back twice: renames between two names of a file, a linked symlink', () => {
    const chunk = g.str('c'.repeat(4096));
    const iov = g.alloc(8);
    g.view.setUint32(iov, chunk[0], true);
    g.view.setUint32(iov + 4, chunk[1], true);
    const out = g.alloc(4);
    /** Bytes that fit in /tmp now. */
    const room = () => {
      const [, fd] = g.open('tmp/probe', OFlags.CREAT, WRITE);
      let total = 0;
      while (g.fns.fd_write!(fd, iov, 1, out) === 0) total += g.view.getUint32(out, true);
      g.fns.fd_close!(fd);
      g.path('path_unlink_file', 'tmp/probe');
      return total;
    };
    const [, ballast] = g.open('tmp/ballast', OFlags.CREAT, WRITE);
    g.write(ballast, 'b'.repeat(BUDGET / 2));
    const before = room();
    const [a, an] = g.str('tmp/a');
    const [b, bn] = g.str('tmp/b');
    g.fns.fd_close!(g.open('tmp/a', OFlags.CREAT, WRITE)[1]);
    expect(g.fns.path_link!(3, 0, a, an, 3, b, bn)).toBe(0);
    // POSIX: renaming one name of a file onto another of the same file does nothing.
    for (let i = 0; i < 20; i++) expect(g.fns.path_rename!(3, a, an, 3, b, bn)).toBe(0);
    expect(lstatSync(join(tmp, 'a')).nlink).toBe(2);
    g.path('path_unlink_file', 'tmp/a');
    g.path('path_unlink_file', 'tmp/b');
    // A symlink's target is stored once, however many names the link has.
    const [t, tn] = g.str('t'.repeat(2000));
    const [l, ln] = g.str('tmp/l');
    expect(g.fns.path_symlink!(t, tn, 3, l, ln)).toBe(0);
    for (let i = 0; i < 5; i++) expect(g.fns.path_link!(3, 0, l, ln, 3, ...g.str(`tmp/l${i}`))).toBe(0); // prettier-ignore
    expect(lstatSync(join(tmp, 'l0')).isSymbolicLink()).toBe(true);
    for (let i = 0; i < 5; i++) g.path('path_unlink_file', `tmp/l${i}`);
    g.path('path_unlink_file', 'tmp/l');
    expect(room()).toBe(before);
  });

  test('rename and link stay within one mount', () => {
    const [, fd] = g.open('tmp/a', OFlags.CREAT, WRITE);
    g.fns.fd_close!(fd);
    const [a, an] = g.str('tmp/a');
    const [b, bn] = g.str('tmp/b');
    const [r, rn] = g.str('lib/a');
    expect(g.fns.path_rename!(3, a, an, 3, b, bn)).toBe(0);
    expect(g.fns.path_link!(3, 0, b, bn, 3, r, rn)).toBe(Errno.ROFS);
    const [os, osn] = g.str('lib/os.py');
    expect(g.fns.path_link!(3, 0, os, osn, 3, a, an)).toBe(Errno.XDEV);
    expect(g.fns.path_rename!(3, b, bn, 3, r, rn)).toBe(Errno.ROFS);
    expect(g.fns.path_rename!(3, ...g.str('tmp'), 3, ...g.str('tmp2'))).toBe(Errno.BUSY);
  });
});

describe('fds', () => {
  test('pread/pwrite, tell, renumber and close', () => {
    const [, fd] = g.open('tmp/f', OFlags.CREAT, WRITE);
    g.write(fd, 'abcdef');
    const [p, n] = g.str('XY');
    const iov = g.alloc(8);
    g.view.setUint32(iov, p, true);
    g.view.setUint32(iov + 4, n, true);
    const out = g.alloc(8);
    expect(g.fns.fd_pwrite!(fd, iov, 1, 2n, out)).toBe(0);
    expect(g.fns.fd_tell!(fd, out)).toBe(0);
    expect(g.view.getBigUint64(out, true)).toBe(6n);
    expect(readFileSync(join(tmp, 'f'), 'utf8')).toBe('abXYef');
    const [, fd2] = g.open('lib/os.py');
    expect(g.fns.fd_renumber!(fd2, fd)).toBe(0);
    expect(g.read(fd)[1]).toBe('stdlib');
    expect(g.fns.fd_close!(fd2)).toBe(Errno.BADF);
    expect(g.fns.fd_close!(fd)).toBe(0);
  });

  test('a terminated guest leaves its host fds in the ledger for the host to close', () => {
    const ledger = new Int32Array(new SharedArrayBuffer(64));
    const guest = new Guest([{ guest: '/', host: root, readOnly: true }], ledger);
    const [, fd] = guest.open('lib/os.py');
    const hostFd = ledger[fd]!;
    expect(hostFd).toBeGreaterThan(2);
    closeLedger(ledger);
    expect(ledger[fd]).toBe(-1);
    expect(() => statSync(`/proc/self/fd/${hostFd}`)).toThrow();
  });

  test('the guest cannot hold more than maxFds', () => {
    let errno = 0;
    for (let i = 0; i < 20 && errno === 0; i++) errno = g.open('lib/os.py')[0];
    expect(errno).toBe(Errno.MFILE);
  });

  test('stdout is captured, stdin is empty, one preopen named /', () => {
    expect(g.write(1, 'out')).toEqual([0, 3]);
    expect(g.out).toEqual(['out']);
    expect(g.read(0)).toEqual([0, '']);
    const p = g.alloc(8);
    expect(g.fns.fd_prestat_get!(3, p)).toBe(0);
    expect(g.view.getUint32(p + 4, true)).toBe(1);
    expect(g.fns.fd_prestat_get!(4, p)).toBe(Errno.BADF);
  });

  test('out-of-bounds pointers are EFAULT, not a crash', () => {
    expect(g.fns.fd_write!(1, 1 << 30, 1, 0)).toBe(Errno.FAULT);
    expect(g.fns.random_get!(4 * 65536 - 4, 8)).toBe(Errno.FAULT);
  });
});

describe('clocks and poll_oneoff', () => {
  test('realtime is the wall clock, monotonic moves forward', () => {
    const real = g.nowNs(0);
    expect(Number(real / 1_000_000n)).toBeGreaterThan(Date.now() - 1000);
    expect(Number(real / 1_000_000n)).toBeLessThanOrEqual(Date.now() + 1);
    const a = g.nowNs(1);
    const b = g.nowNs(1);
    expect(b).toBeGreaterThanOrEqual(a);
    expect(g.nowNs(2)).toBeGreaterThan(0n);
    expect(g.fns.clock_time_get!(9, 0n, g.alloc(8))).toBe(Errno.INVAL);
  });

  test.each([
    ['relative monotonic', 1, false],
    ['absolute monotonic (CPython time.sleep)', 1, true],
    ['absolute realtime', 0, true],
    ['relative realtime', 0, false],
  ])('a %s clock subscription sleeps until its deadline', (_what, clock, abs) => {
    const delay = 30_000_000n;
    const t0 = process.hrtime.bigint();
    const timeout = abs ? g.nowNs(clock as number) + delay : delay;
    expect(g.sleep(clock as number, timeout, abs as boolean)).toEqual({ errno: 0, events: 1 });
    const took = process.hrtime.bigint() - t0;
    expect(took).toBeGreaterThanOrEqual(delay - 1_000_000n);
    expect(took).toBeLessThan(5_000_000_000n);
  });

  test('a deadline in the past returns at once', () => {
    expect(g.sleep(1, 1n, true)).toEqual({ errno: 0, events: 1 });
  });
});

describe('process', () => {
  test('args and environment', () => {
    const count = g.alloc(4);
    const size = g.alloc(4);
    expect(g.fns.args_sizes_get!(count, size)).toBe(0);
    expect(g.view.getUint32(count, true)).toBe(2);
    const ptrs = g.alloc(8);
    const buf = g.alloc(g.view.getUint32(size, true));
    g.fns.args_get!(ptrs, buf);
    const second = g.view.getUint32(ptrs + 4, true);
    expect(Buffer.from(new Uint8Array(g.memory.buffer, second, 3)).toString()).toBe('a b');
  });

  test('proc_exit unwinds with its code; sockets are not supported', () => {
    expect(g.wasi.run(() => g.fns.proc_exit!(3))).toBe(3);
    expect(() => g.fns.proc_exit!(1)).toThrow(WasiExit);
    expect(g.fns.sock_accept!(3, 0, 0)).toBe(Errno.NOTSUP);
  });
});
