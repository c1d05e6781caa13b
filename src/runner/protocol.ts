/**
 * Messages between a FaasmHost (main thread) and its call workers.
 *
 * Why workers and a synchronous channel: WebAssembly runs an instance synchronously on the thread
 * that calls into it, so only a worker that can be terminated gives a wall-clock limit on an
 * infinite loop. Host calls that need host-wide things (state, locks, chaining, awaiting) are
 * served by the main thread: the worker posts the request on a MessagePort and blocks in
 * Atomics.wait; the main thread answers on the port, then wakes it, and the worker takes the
 * answer with receiveMessageOnPort. So state lives once per host and persists across calls,
 * and a chained call is a real, separate invocation (own worker, own fresh instance, own
 * limits) that runs in parallel with its caller and can be awaited.
 */

import type { MessagePort } from 'node:worker_threads';
import type { VmName } from '../faasm/profile.js';
import type { BudgetName } from './budgets.js';
import type { GuestModule } from './guest-module.js';
import type { MountSpec } from './wasi/mounts.js';

/** Files a call may hold open at once (also the size of the fd ledger). */
export const MAX_GUEST_FDS = 1024;

export interface WorkerInit {
  /** The worker's end of the host-call channel. */
  port: MessagePort;
  /** Int32Array[1] over this: 0 while a host call is pending, 1 when its answer is posted. */
  signal: SharedArrayBuffer;
  /** Int32 slots: host fds the current call holds, closed by the host if the worker is killed. */
  fdLedger: SharedArrayBuffer;
}

export interface WorkerCall {
  id: number;
  user: string;
  func: string;
  entry: string;
  input: Uint8Array;
  /** What the guest sees: `/` and its function read-only, a private /tmp (see host.ts). */
  mounts: MountSpec[];
  env: Record<string, string>;
  confFlags: Record<string, number>;
  /** The Faasm VM whose host calls the guest is offered. */
  vm: VmName;
  /** Largest input a call may be given: a chained call's is refused before it is copied. */
  maxInputBytes: number;
  maxOutputBytes: number;
  /** Largest state value: what a call writes to a key is refused before it is copied. */
  maxStateKeyBytes: number;
  maxLogBytes: number;
  /** The guest memory cap (already in the module; here to name it when a call hits it). */
  maxMemoryBytes: number;
  /** Start from this post-zygote memory instead of running `_faasm_zygote`. */
  snapshot?: SharedArrayBuffer;
  /** Run the zygote and send back the memory it leaves (the host keeps it for later calls). */
  takeSnapshot: boolean;
  /** The id of the instance this worker prepared for the call, when there is one. */
  ready?: string;
}

/** What a worker needs to make an instance before its call arrives (see host.ts, prepare). */
export type InstanceSpec = Pick<WorkerCall, 'mounts' | 'env' | 'maxLogBytes' | 'snapshot' | 'vm'>;

export type ToWorker =
  /**
   * Always the first message: the compiled entrypoint, its imports and whether its instances
   * can be reused. Not in WorkerInit because the host's first worker starts while the module
   * is still compiling (FaasmHost.load).
   */
  | { type: 'guest'; guest: GuestModule }
  | { type: 'run'; call: WorkerCall }
  /** Make the instance for the next call now; a `run` naming `id` uses it. */
  | { type: 'prepare'; id: string; spec: InstanceSpec }
  /** Make an instance from the snapshot for whichever call comes first. */
  | { type: 'spare'; snapshot: SharedArrayBuffer; vm: VmName };

export interface CallDone {
  type: 'done';
  id: number;
  returnCode: number;
  /** The runner ended the call (trap, host-call fault); absent when main returned. */
  trap?: string;
  /** The budget the call ran into, when that is why it failed. */
  budget?: BudgetName;
  output: Uint8Array;
  stdout: Uint8Array;
  stderr: Uint8Array;
  snapshot?: SharedArrayBuffer;
}

/** The worker has put its instance back and made the next one ready: a call starts at once. */
export interface WorkerIdle {
  type: 'idle';
}

export type FromWorker = CallDone | WorkerIdle;

/** A host call the worker cannot answer alone. `caller` is the calling call's id. */
export type HostRequest =
  | { op: 'chain'; caller: number; kind: 'py' | 'name'; name: string; input: Uint8Array }
  /** `output`: the caller reads the output (which the host then releases), not only the code. */
  | { op: 'await'; caller: number; callId: number; output: boolean }
  | { op: 'stateSize'; caller: number; key: string }
  | { op: 'stateRead'; caller: number; key: string; len: number }
  | { op: 'stateWrite'; caller: number; key: string; data: Uint8Array }
  | {
      op: 'stateReadOffset';
      caller: number;
      key: string;
      totalLen: number;
      offset: number;
      len: number;
    }
  | {
      op: 'stateWriteOffset';
      caller: number;
      key: string;
      totalLen: number;
      offset: number;
      data: Uint8Array;
    }
  | { op: 'stateAppend'; caller: number; key: string; data: Uint8Array }
  | { op: 'stateReadAppended'; caller: number; key: string; nElems: number }
  | { op: 'stateClearAppended'; caller: number; key: string }
  | { op: 'statePush'; caller: number; key: string }
  | { op: 'statePull'; caller: number; key: string; len: number }
  | { op: 'lock'; caller: number; key: string; mode: 'read' | 'write' }
  | { op: 'unlock'; caller: number; key: string; mode: 'read' | 'write' };

export type HostReply =
  | { ok: true; value?: number; data?: Uint8Array }
  | { ok: false; error: string; budget?: BudgetName };
