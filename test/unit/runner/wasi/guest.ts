/**
 * A guest for the WASI tests: calls the imports as wasm code would, against a plain
 * WebAssembly.Memory, and reads what they wrote back with the same struct codecs the calls use
 * (structs.test.ts pins those against the spec's bytes).
 */
import { expect } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFlags, Rights } from '../../../../src/runner/wasi/abi.js';
import { GuestMemory } from '../../../../src/runner/wasi/guest-memory.js';
import type { MountSpec } from '../../../../src/runner/wasi/mounts.js';
import {
  Dirent,
  Event,
  Fdstat,
  Filestat,
  Iovec,
  Prestat,
  SubscriptionClock,
} from '../../../../src/runner/wasi/structs.js';
import { Wasi } from '../../../../src/runner/wasi/wasi.js';

export const READ = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FILESTAT_GET | Rights.FD_READDIR; // prettier-ignore
export const WRITE = READ | Rights.FD_WRITE | Rights.FD_FILESTAT_SET_SIZE | Rights.FD_ALLOCATE;
type Call = (...args: (number | bigint)[]) => number;

export class Guest {
  readonly memory = new WebAssembly.Memory({ initial: 4 });
  readonly mem = new GuestMemory(
    () => this.memory,
    (p) => new Error(`test guest: ${p.kind} at ${p.ptr}+${p.len}`),
  );
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

  alloc(n: number): number {
    const p = this.top;
    this.top += (n + 15) & ~15;
    return p;
  }

  str(s: string): [number, number] {
    const b = Buffer.from(s);
    const p = this.alloc(b.length);
    this.mem.write(p, b);
    return [p, b.length];
  }

  /** A one-entry iovec over `len` bytes at `ptr`. */
  iov(ptr: number, len: number): number {
    const iov = this.alloc(Iovec.size);
    this.mem.put(Iovec, iov, { buf: ptr, bufLen: len });
    return iov;
  }

  open(path: string, oflags = 0, rights = READ, follow = true, fdflags = 0): [number, number] {
    const out = this.alloc(4);
    const [p, n] = this.str(path);
    const e = this.fns.path_open!(3, follow ? 1 : 0, p, n, oflags, rights, rights, fdflags, out);
    return [e, this.mem.u32(out)];
  }

  write(fd: number, text: string): [number, number] {
    const iov = this.iov(...this.str(text));
    const out = this.alloc(4);
    const e = this.fns.fd_write!(fd, iov, 1, out);
    return [e, this.mem.u32(out)];
  }

  read(fd: number, max = 4096): [number, string] {
    const buf = this.alloc(max);
    const out = this.alloc(4);
    const e = this.fns.fd_read!(fd, this.iov(buf, max), 1, out);
    return [e, Buffer.from(this.mem.bytes(buf, this.mem.u32(out))).toString()];
  }

  path(fn: string, path: string, ...rest: number[]): number {
    const [p, n] = this.str(path);
    return this.fns[fn]!(3, p, n, ...rest);
  }

  stat(path: string, follow = true): { errno: number } & ReturnType<typeof Filestat.decode> {
    const buf = this.alloc(Filestat.size);
    const [p, n] = this.str(path);
    const errno = this.fns.path_filestat_get!(3, follow ? 1 : 0, p, n, buf);
    return { errno, ...this.mem.get(Filestat, buf) };
  }

  fdstat(fd: number): { errno: number } & ReturnType<typeof Fdstat.decode> {
    const buf = this.alloc(Fdstat.size);
    const errno = this.fns.fd_fdstat_get!(fd, buf);
    return { errno, ...this.mem.get(Fdstat, buf) };
  }

  prestat(fd: number): { errno: number } & ReturnType<typeof Prestat.decode> {
    const buf = this.alloc(Prestat.size);
    const errno = this.fns.fd_prestat_get!(fd, buf);
    return { errno, ...this.mem.get(Prestat, buf) };
  }

  readdir(path: string): { name: string; ino: bigint; type: number }[] {
    const [e, fd] = this.open(path, OFlags.DIRECTORY);
    expect(e).toBe(0);
    const buf = this.alloc(8192);
    const used = this.alloc(4);
    expect(this.fns.fd_readdir!(fd, buf, 8192, 0n, used)).toBe(0);
    const out = [];
    const end = buf + this.mem.u32(used);
    for (let at = buf; at < end;) {
      const d = this.mem.get(Dirent, at);
      const name = Buffer.from(this.mem.bytes(at + Dirent.size, d.namlen)).toString();
      out.push({ name, ino: d.ino, type: d.type });
      at += Dirent.size + d.namlen;
    }
    this.fns.fd_close!(fd);
    return out;
  }

  nowNs(clock: number): bigint {
    const p = this.alloc(8);
    expect(this.fns.clock_time_get!(clock, 1n, p)).toBe(0);
    return this.mem.u64(p);
  }

  /** poll_oneoff with one clock subscription; returns the events' count and errno. */
  sleep(clock: number, timeout: bigint, abs: boolean): { errno: number; events: number } {
    const sub = this.alloc(SubscriptionClock.size);
    this.mem.put(SubscriptionClock, sub, {
      userdata: 7n,
      type: 0,
      id: clock,
      timeout,
      precision: 0n,
      flags: abs ? 1 : 0,
    });
    const ev = this.alloc(Event.size);
    const n = this.alloc(4);
    const errno = this.fns.poll_oneoff!(sub, ev, 1, n);
    expect(this.mem.get(Event, ev).userdata).toBe(7n);
    return { errno, events: this.mem.u32(n) };
  }
}

/** A root, two functions' directories, a writable /tmp with a budget, and a host secret. */
export class Fixture {
  static readonly BUDGET = 64 * 1024;
  readonly base = mkdtempSync(join(tmpdir(), 'wasi-test-'));
  readonly root = join(this.base, 'root');
  readonly funcs = join(this.base, 'funcs');
  readonly tmp = join(this.base, 'tmp');
  readonly outside = join(this.base, 'outside');
  readonly g: Guest;

  constructor() {
    const { root, funcs, tmp, outside } = this;
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
    this.g = new Guest([
      { guest: '/', host: root, readOnly: true },
      { guest: '/pyfuncs', readOnly: true },
      { guest: '/pyfuncs/u/f', host: join(funcs, 'u', 'f'), readOnly: true },
      { guest: '/tmp', host: tmp, readOnly: false, budgetBytes: Fixture.BUDGET },
    ]);
  }

  close(): void {
    this.g.wasi.close();
    rmSync(this.base, { recursive: true, force: true });
  }
}
