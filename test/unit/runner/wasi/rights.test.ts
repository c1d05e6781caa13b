import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Errno,
  EventType,
  Filetype,
  OFlags,
  Rights as R,
} from '../../../../src/runner/wasi/abi.js';
import { FILE_RIGHTS } from '../../../../src/runner/wasi/rights.js';
import { Event, SubscriptionFd } from '../../../../src/runner/wasi/structs.js';
import { Fixture, type Guest } from './guest.js';

// Rights are an fd's access mode and nothing more (src/runner/wasi/rights.ts says why): reads
// need an fd opened for reading, writes one opened for writing, every other right is reported
// but not checked. What is reported is pinned against what wasi-libc computes and reads back.

const U64 = (1n << 64n) - 1n;
const WRITE_BITS = R.FD_DATASYNC | R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;
const READ_BITS = R.FD_READ | R.FD_READDIR;

/** The rights wasi-libc's openat() asks for: all but those the access mode contradicts. */
function libcRights(mode: 'r' | 'w' | 'rw', inheriting: bigint): bigint {
  let max = ~(WRITE_BITS | READ_BITS) & U64;
  if (mode !== 'w') max |= READ_BITS;
  if (mode !== 'r') max |= WRITE_BITS;
  return max & inheriting;
}

/** wasi-libc's fcntl(F_GETFL) access mode, from the reported rights. */
function accessMode(base: bigint): string {
  if (base & READ_BITS) return base & R.FD_WRITE ? 'O_RDWR' : 'O_RDONLY';
  return base & R.FD_WRITE ? 'O_WRONLY' : 'O_SEARCH';
}

/** wasi-libc's isatty(): a character device that cannot seek or tell. */
function isatty(st: { filetype: number; rightsBase: bigint }): boolean {
  return st.filetype === Filetype.CHARACTER_DEVICE && !(st.rightsBase & (R.FD_SEEK | R.FD_TELL));
}

let fx: Fixture;
let g: Guest;

beforeEach(() => {
  fx = new Fixture();
  g = fx.g;
  writeFileSync(join(fx.tmp, 'f'), 'abcdef');
});

afterEach(() => fx.close());

/** Opens tmp/f as wasi-libc would for `mode`. */
function libcOpen(mode: 'r' | 'w' | 'rw', path = 'tmp/f', oflags = 0): number {
  const inheriting = g.fdstat(3).rightsInheriting;
  const [e, fd] = g.open(path, oflags, libcRights(mode, inheriting));
  expect(e).toBe(0);
  return fd;
}

describe('reported rights are what wasi-libc expects to read back', () => {
  test.each([
    ['r', 'O_RDONLY'],
    ['w', 'O_WRONLY'],
    ['rw', 'O_RDWR'],
  ] as const)('a file opened %s reports %s', (mode, expected) => {
    const st = g.fdstat(libcOpen(mode));
    expect(st.errno).toBe(0);
    expect(st.filetype).toBe(Filetype.REGULAR_FILE);
    // The same rights as when they were requested and kept: the request, cut to a file's.
    expect(st.rightsBase).toBe(libcRights(mode, g.fdstat(3).rightsInheriting) & FILE_RIGHTS);
    expect(st.rightsInheriting).toBe(0n);
    expect(accessMode(st.rightsBase)).toBe(expected);
  });

  test('directories pass every right on; stdio is a seekable character device, not a tty', () => {
    const pre = g.fdstat(3);
    expect(pre.filetype).toBe(Filetype.DIRECTORY);
    expect(accessMode(pre.rightsBase)).toBe('O_RDONLY');
    for (const right of [R.FD_READ, R.FD_WRITE, R.PATH_OPEN, R.FD_READDIR, R.FD_SEEK]) {
      expect(pre.rightsInheriting & right).toBe(right);
    }
    const dir = g.fdstat(libcOpen('r', 'tmp', OFlags.DIRECTORY));
    expect(dir).toEqual({ ...pre });
    for (const fd of [0, 1, 2]) {
      const st = g.fdstat(fd);
      expect(st.filetype).toBe(Filetype.CHARACTER_DEVICE);
      expect(isatty(st)).toBe(false);
      expect(accessMode(st.rightsBase)).toBe('O_RDWR');
    }
  });
});

describe('the access mode is checked, for every call that moves bytes', () => {
  test('reads need an fd opened for reading', () => {
    const fd = libcOpen('w');
    const buf = g.iov(g.alloc(16), 16);
    const n = g.alloc(4);
    expect(g.fns.fd_read!(fd, buf, 1, n)).toBe(Errno.BADF);
    expect(g.fns.fd_pread!(fd, buf, 1, 0n, n)).toBe(Errno.BADF);
    for (const out of [1, 2]) expect(g.fns.fd_read!(out, buf, 1, n)).toBe(Errno.BADF);
    const rw = libcOpen('rw');
    expect(g.fns.fd_pread!(rw, buf, 1, 2n, n)).toBe(0);
    expect(g.mem.u32(n)).toBe(4);
    expect(g.read(0)).toEqual([0, '']);
  });

  test('writes need an fd opened for writing', () => {
    const fd = libcOpen('r');
    const data = g.iov(...g.str('XY'));
    const n = g.alloc(4);
    expect(g.fns.fd_write!(fd, data, 1, n)).toBe(Errno.BADF);
    expect(g.fns.fd_pwrite!(fd, data, 1, 0n, n)).toBe(Errno.BADF);
    expect(g.fns.fd_allocate!(fd, 0n, 100n)).toBe(Errno.BADF);
    expect(g.fns.fd_filestat_set_size!(fd, 1n)).toBe(Errno.BADF);
    expect(g.fns.fd_write!(0, data, 1, n)).toBe(Errno.BADF);
    expect(readFileSync(join(fx.tmp, 'f'), 'utf8')).toBe('abcdef');
    const rw = libcOpen('rw');
    expect(g.fns.fd_pwrite!(rw, data, 1, 0n, n)).toBe(0);
    expect(g.fns.fd_allocate!(rw, 0n, 8n)).toBe(0);
    expect(g.fns.fd_filestat_set_size!(rw, 7n)).toBe(0);
    expect(readFileSync(join(fx.tmp, 'f'), 'utf8')).toBe('XYcdef\0');
  });
});

describe('no other right is checked', () => {
  test('an fd opened with FD_READ alone still seeks, tells, stats, advises, syncs and polls', () => {
    const [e, fd] = g.open('tmp/f', 0, R.FD_READ);
    expect(e).toBe(0);
    const p = g.alloc(64);
    expect(g.fns.fd_seek!(fd, 2n, 0, p)).toBe(0);
    expect(g.fns.fd_tell!(fd, p)).toBe(0);
    expect(g.mem.u64(p)).toBe(2n);
    expect(g.fns.fd_filestat_get!(fd, p)).toBe(0);
    expect(g.fns.fd_filestat_set_times!(fd, 0n, 0n, 0)).toBe(0);
    expect(g.fns.fd_advise!(fd, 0n, 0n, 0)).toBe(0);
    expect(g.fns.fd_sync!(fd)).toBe(0);
    expect(g.fns.fd_datasync!(fd)).toBe(0);
    expect(g.fns.fd_fdstat_set_flags!(fd, 0)).toBe(0);
    const sub = g.alloc(SubscriptionFd.size);
    g.mem.put(SubscriptionFd, sub, { userdata: 1n, type: EventType.FD_READ, fd });
    const ev = g.alloc(Event.size);
    expect(g.fns.poll_oneoff!(sub, ev, 1, p)).toBe(0);
    expect(g.mem.get(Event, ev)).toEqual({ userdata: 1n, error: 0, type: EventType.FD_READ, nbytes: 4n, flags: 0 }); // prettier-ignore
  });

  test('a directory fd opened with no rights still lists, opens, makes and removes', () => {
    const [e, dir] = g.open('tmp', OFlags.DIRECTORY, 0n);
    expect(e).toBe(0);
    const at = (fn: string, path: string, ...rest: (number | bigint)[]) =>
      g.fns[fn]!(dir, ...g.str(path), ...rest);
    expect(at('path_create_directory', 'd')).toBe(0);
    const out = g.alloc(64);
    expect(g.fns.path_filestat_get!(dir, 0, ...g.str('d'), out)).toBe(0);
    expect(g.fns.path_open!(dir, 0, ...g.str('f'), 0, R.FD_READ, 0n, 0, out)).toBe(0);
    expect(g.fns.fd_readdir!(dir, g.alloc(512), 512, 0n, out)).toBe(0);
    expect(g.mem.u32(out)).toBeGreaterThan(0);
    expect(at('path_remove_directory', 'd')).toBe(0);
    expect(at('path_unlink_file', 'f')).toBe(0);
  });

  test('fd_fdstat_set_rights narrows nothing, and needs a valid fd', () => {
    const fd = libcOpen('rw');
    const before = g.fdstat(fd);
    expect(g.fns.fd_fdstat_set_rights!(fd, 0n, 0n)).toBe(0);
    expect(g.fdstat(fd)).toEqual(before);
    expect(g.write(fd, 'Z')).toEqual([0, 1]);
    expect(g.fns.fd_fdstat_set_rights!(99, 0n, 0n)).toBe(Errno.BADF);
  });
});
