/**
 * The host's own WASI preview1, everything CPython 3.11 on wasm32-wasi calls, over a mount
 * table (mounts.ts) and an fd table (fds.ts). This module builds one guest's context and its
 * import object; the calls are in fd-calls.ts, path-calls.ts, poll-calls.ts and proc-calls.ts,
 * the structs they exchange in structs.ts, over one guest-memory helper (guest-memory.ts).
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
import { Errno, FdFlags } from './abi.js';
import { realtimeNs } from './clocks.js';
import { PREOPEN_FD, type Calls, type WasiContext } from './context.js';
import { WasiExit, errnoOf } from './errors.js';
import { fdCalls } from './fd-calls.js';
import { FdTable, type FdEntry } from './fds.js';
import { GuestMemory } from './guest-memory.js';
import { MountTable, WasiError, type MountSpec } from './mounts.js';
import { pathCalls } from './path-calls.js';
import { pollCalls } from './poll-calls.js';
import { procCalls } from './proc-calls.js';

export { WasiExit } from './errors.js';

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

type Fn = (...args: never[]) => number | void;
const utf8 = new TextEncoder();

export class Wasi {
  readonly mounts: MountTable;
  readonly fds: FdTable;
  private memory: WebAssembly.Memory | undefined;
  private readonly ctx: WasiContext;

  constructor(private readonly opts: WasiOptions) {
    this.mounts = new MountTable(opts.mounts);
    this.fds = new FdTable(opts.maxFds ?? 1024, opts.fdLedger);
    const stdio = (stream: 0 | 1 | 2): FdEntry => ({
      kind: 'stdio',
      stream,
      readable: stream === 0,
      writable: stream !== 0,
      flags: stream === 0 ? 0 : FdFlags.APPEND,
    });
    for (const s of [0, 1, 2] as const) this.fds.set(s, stdio(s));
    this.fds.set(PREOPEN_FD, {
      kind: 'dir',
      node: this.mounts.locate([]),
      readable: true,
      writable: false,
      flags: 0,
    });
    this.ctx = {
      mem: new GuestMemory(
        () => this.memory!,
        (p) => new WasiError(p.kind === 'bounds' ? Errno.FAULT : Errno.INVAL),
      ),
      fds: this.fds,
      mounts: this.mounts,
      stdout: opts.stdout,
      stderr: opts.stderr,
      args: opts.args.map((a) => utf8.encode(a + '\0')),
      env: Object.entries(opts.env).map(([k, v]) => utf8.encode(`${k}=${v}\0`)),
      startNs: realtimeNs(),
    };
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

  /** The `wasi_snapshot_preview1` import object: each call's errors become its errno. */
  get imports(): Record<string, Fn> {
    const calls: Calls = {
      ...procCalls(this.ctx),
      ...fdCalls(this.ctx),
      ...pathCalls(this.ctx),
      ...pollCalls(this.ctx),
    };
    const out: Record<string, Fn> = {};
    for (const [name, fn] of Object.entries(calls)) {
      out[name] = (...args: never[]) => {
        try {
          return fn(...args) ?? Errno.SUCCESS;
        } catch (err) {
          return errnoOf(err);
        }
      };
    }
    return out;
  }
}
