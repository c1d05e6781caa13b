/**
 * A py_func instance that runs call after call, as a Faaslet does: between calls its memory is
 * put back to the zygote snapshot and its mutable globals to their first values, so every call
 * starts from exactly the state a new instance restored from the snapshot would have.
 *
 * Why in place: a new instance costs its memory's page faults (about 17 ms for a 10 MiB
 * snapshot on the bench machine) where copying the snapshot into memory already mapped takes
 * about 1.5 ms (docs/performance.md). Sound only when memory and the exported mutable globals
 * are the instance's whole mutable state: see `reusableInstances` (guest-module.ts).
 */
import type { VmName } from '../faasm/profile.js';
import { faasmImports, type GuestContext } from './guest-imports.js';
import type { Wasi } from './wasi/wasi.js';
import { MemoryRestorer } from './memory-restore.js';
import type { GuestModule } from './guest-module.js';

type Fn = (...args: never[]) => number | void;
type Exports = Record<string, unknown> & { memory: WebAssembly.Memory };

export class GuestInstance {
  readonly exports: Exports;
  readonly memory: WebAssembly.Memory;
  readonly ctx: GuestContext;
  /** The current call's WASI calls, which the instance's imports forward to. */
  private wasiCalls: Record<string, Fn> = {};
  private readonly globals: [WebAssembly.Global, unknown][];
  /** Made at the first reset: instances that are never reused need none. */
  private restorer: MemoryRestorer | undefined;

  constructor(
    private readonly guest: GuestModule,
    vm: VmName,
    host: GuestContext['host'],
    /** The post-zygote memory this instance starts from, and is reset to. */
    private readonly snapshot?: SharedArrayBuffer,
  ) {
    this.ctx = {
      // Set when a call starts: an instance made ahead of time knows no call.
      info: undefined as unknown as GuestContext['info'],
      memory: () => this.memory,
      host,
      output: new Uint8Array(0),
    };
    // Imports bound once, forwarding to whichever call's WASI is current.
    const wasi = Object.fromEntries(
      guest.wasi.map((name) => [name, (...a: never[]) => this.wasiCalls[name]!(...a)]),
    );
    const env = faasmImports(this.ctx, vm, guest.env);
    const instance = new WebAssembly.Instance(guest.module, { wasi_snapshot_preview1: wasi, env });
    this.exports = instance.exports as Exports;
    this.memory = this.exports.memory;
    this.globals = (guest.reuse?.mutableGlobals ?? []).map((name) => {
      const g = this.exports[name] as WebAssembly.Global;
      return [g, g.value];
    });
    if (snapshot) {
      const pages = (snapshot.byteLength - this.memory.buffer.byteLength) / 65536;
      if (pages > 0) this.memory.grow(pages);
      new Uint8Array(this.memory.buffer).set(new Uint8Array(snapshot));
    }
  }

  /** Gives the next call its WASI (files, clocks, stdio of that call). */
  begin(wasi: Wasi): void {
    this.wasiCalls = wasi.imports;
    wasi.bind(this.memory);
  }

  /**
   * Puts back the state the instance had when made, ready for another call; false when it
   * cannot: no snapshot to go back to, a module that cannot be reset, or a memory that grew
   * (wasm memory never shrinks, and a later call must not start with more than the snapshot).
   */
  reset(): boolean {
    const snap = this.snapshot;
    if (!snap || !this.guest.reuse || this.memory.buffer.byteLength !== snap.byteLength) {
      return false;
    }
    this.restorer ??= new MemoryRestorer(snap);
    this.restorer.restore(new Uint8Array(this.memory.buffer));
    for (const [g, value] of this.globals) g.value = value;
    this.ctx.output = new Uint8Array(0);
    this.ctx.info = undefined as unknown as GuestContext['info'];
    this.wasiCalls = {};
    return true;
  }

  /** Whether this instance starts from `snapshot` (the host keeps one snapshot at a time). */
  startsFrom(snapshot: SharedArrayBuffer | undefined): boolean {
    return snapshot !== undefined && snapshot.byteLength === this.snapshot?.byteLength;
  }
}
