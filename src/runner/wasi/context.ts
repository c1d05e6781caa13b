/**
 * What every group of WASI calls (fd-, path-, poll- and proc-calls.ts) works on: the guest's
 * memory, its fd table and mount table, and where its output goes. Wasi (wasi.ts) makes one
 * per guest.
 */
import type { FdTable } from './fds.js';
import type { GuestMemory } from './guest-memory.js';
import type { MountTable } from './mounts.js';

export interface WasiContext {
  readonly mem: GuestMemory;
  readonly fds: FdTable;
  readonly mounts: MountTable;
  /** Where the guest's fd 1 and fd 2 go. */
  stdout(data: Uint8Array): void;
  stderr(data: Uint8Array): void;
  /** NUL-terminated, as args_get and environ_get hand them out. */
  readonly args: readonly Uint8Array[];
  readonly env: readonly Uint8Array[];
  /** When this guest started: the times of what has no host file (virtual directories, stdio). */
  readonly startNs: bigint;
}

/** A group of calls: import name -> implementation; a return of nothing means SUCCESS. */
export type Calls = Record<string, (...args: never[]) => number | void>;

/** The one preopen, `/` (see wasi.ts). */
export const PREOPEN_FD = 3;
