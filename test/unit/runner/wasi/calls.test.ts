import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { lstatSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Errno, FstFlags, OFlags } from '../../../../src/runner/wasi/abi.js';
import { closeLedger } from '../../../../src/runner/wasi/fds.js';
import { DIR_COST, ENTRY_COST } from '../../../../src/runner/wasi/mounts.js';
import { WasiExit } from '../../../../src/runner/wasi/wasi.js';
import { Fixture, Guest, READ, WRITE } from './guest.js';

// The WASI layer called as a guest would, against a plain WebAssembly.Memory and temp dirs.

const BUDGET = Fixture.BUDGET;
let fx: Fixture;
let g: Guest;
let root: string;
let tmp: string;
let outside: string;

beforeEach(() => {
  fx = new Fixture();
  ({ g, root, tmp, outside } = fx);
});

afterEach(() => fx.close());

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

  test('times that a double holds exactly come back exactly, whichever way libuv truncates', () => {
    const [, fd] = g.open('tmp/t.txt', OFlags.CREAT, WRITE);
    g.fns.fd_close!(fd);
    const [p, n] = g.str('tmp/t.txt');
    // 4.005006 s is 4.005005999... as a double: a bare conversion lands one unit short.
    for (const ns of [2_000_000_000n, 4_005_006_000n, 1_000_000_123n]) {
      expect(g.fns.path_filestat_set_times!(3, 1, p, n, ns, ns, FstFlags.ATIM | FstFlags.MTIM)).toBe(0); // prettier-ignore
      const st = g.stat('tmp/t.txt');
      // Node 20's libuv keeps whole microseconds, Node 24's whole nanoseconds.
      expect([ns, ns - (ns % 1000n)]).toContain(st.mtim);
    }
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
    const iov = g.iov(...g.str('c'.repeat(4096)));
    const out = g.alloc(4);
    /** Bytes that fit in /tmp now. */
    const room = () => {
      const [, fd] = g.open('tmp/probe', OFlags.CREAT, WRITE);
      let total = 0;
      while (g.fns.fd_write!(fd, iov, 1, out) === 0) total += g.mem.u32(out);
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
    const iov = g.iov(...g.str('XY'));
    const out = g.alloc(8);
    expect(g.fns.fd_pwrite!(fd, iov, 1, 2n, out)).toBe(0);
    expect(g.fns.fd_tell!(fd, out)).toBe(0);
    expect(g.mem.u64(out)).toBe(6n);
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
    expect(g.prestat(3)).toEqual({ errno: 0, tag: 0, nameLen: 1 });
    expect(g.prestat(4).errno).toBe(Errno.BADF);
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
    expect(g.mem.u32(count)).toBe(2);
    const ptrs = g.alloc(8);
    const buf = g.alloc(g.mem.u32(size));
    g.fns.args_get!(ptrs, buf);
    expect(Buffer.from(g.mem.bytes(g.mem.u32(ptrs + 4), 3)).toString()).toBe('a b');
  });

  test('proc_exit unwinds with its code; sockets are not supported', () => {
    expect(g.wasi.run(() => g.fns.proc_exit!(3))).toBe(3);
    expect(() => g.fns.proc_exit!(1)).toThrow(WasiExit);
    expect(g.fns.sock_accept!(3, 0, 0)).toBe(Errno.NOTSUP);
  });
});
