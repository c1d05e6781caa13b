/**
 * A call worker: runs one Faasm call at a time, each on a fresh instance of the module it was
 * given at start and a fresh WASI (wasi/wasi.ts) over the mounts the host chose for the call.
 * See protocol.ts for why calls run here.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { BudgetExceeded, type BudgetName } from './budgets.js';
import { HostCallError } from './guest-imports.js';
import { GuestInstance } from './guest-instance.js';
import type { GuestModule } from './guest-module.js';
import { FAASM_ARGV0, FAASM_ENVIRONMENT } from './host-interface.js';
import { vmProfile } from '../faasm/profile.js';
import {
  MAX_GUEST_FDS,
  type CallDone,
  type FromWorker,
  type HostReply,
  type HostRequest,
  type InstanceSpec,
  type ToWorker,
  type WorkerCall,
  type WorkerInit,
} from './protocol.js';
import { Wasi } from './wasi/wasi.js';

const init = workerData as WorkerInit;
/** The host's compiled entrypoint: its first message, before any call (see protocol.ts). */
let module: GuestModule | undefined;
const signal = new Int32Array(init.signal);
const fdLedger = new Int32Array(init.fdLedger);

function hostCall(req: HostRequest): HostReply & { ok: true } {
  Atomics.store(signal, 0, 0);
  init.port.postMessage(req);
  for (;;) {
    Atomics.wait(signal, 0, 0);
    const msg = receiveMessageOnPort(init.port);
    if (msg) {
      const reply = msg.message as HostReply;
      if (!reply.ok && reply.budget) throw new BudgetExceeded(reply.budget);
      if (!reply.ok) throw new HostCallError(reply.error);
      return reply;
    }
    // Woken before the answer is visible on the port: wait a moment and look again.
    Atomics.store(signal, 0, 0);
    Atomics.wait(signal, 0, 0, 5);
  }
}

/** Captures writes to fds 1 and 2 up to a cap. */
class LogCapture {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private dropped = 0;
  constructor(private cap: number) {}
  write(data: Uint8Array) {
    const room = Math.max(0, this.cap - this.size);
    if (room < data.length) this.dropped += data.length - room;
    if (room > 0) {
      const part = data.slice(0, room);
      this.chunks.push(part);
      this.size += part.length;
    }
  }
  bytes(): Uint8Array {
    const out = Buffer.concat(this.chunks);
    if (!this.dropped) return out;
    return Buffer.concat([out, Buffer.from(`\n[runner: ${this.dropped} more bytes dropped]\n`)]);
  }
}

/** A call's WASI and logs over an instance: a reused one reset to the snapshot, or a new one. */
interface Fresh {
  logs: { 1: LogCapture; 2: LogCapture };
  wasi: Wasi;
  guest: GuestInstance;
}

/** A reset instance waiting for the next call (see guest-instance.ts). */
let spare: GuestInstance | undefined;

function instantiate(spec: InstanceSpec): Fresh {
  const logs = { 1: new LogCapture(spec.maxLogBytes), 2: new LogCapture(spec.maxLogBytes) };
  const wasi = new Wasi({
    args: [FAASM_ARGV0],
    env: { ...FAASM_ENVIRONMENT, ...spec.env },
    mounts: spec.mounts,
    stdout: (d) => logs[1].write(d),
    stderr: (d) => logs[2].write(d),
    fdLedger,
    maxFds: MAX_GUEST_FDS,
  });
  try {
    let guest = spare?.startsFrom(spec.snapshot) ? spare : undefined;
    spare = undefined;
    guest ??= new GuestInstance(module!, spec.vm, hostCall, spec.snapshot);
    guest.begin(wasi);
    return { logs, wasi, guest };
  } catch (err) {
    wasi.close();
    throw err;
  }
}

/**
 * The instance made ready for the next call while this worker was idle (a 'prepare' message):
 * its WASI over the call's mounts, and a new instance's memory when there was no spare. It has
 * never run, so the call still starts from the snapshot as it was, on its own /tmp.
 */
let ready: { id: string; fresh: Fresh } | undefined;

function dropReady(): void {
  if (!ready) return;
  ready.fresh.wasi.close();
  spare = ready.fresh.guest; // never ran: still as the snapshot left it
  ready = undefined;
}

/** Runs a call; `used` is the instance it ran on when that may be reset for another. */
function runCall(call: WorkerCall): { done: CallDone; used?: GuestInstance } {
  let fresh: Fresh | undefined;
  if (ready && call.ready === ready.id) {
    fresh = ready.fresh;
    ready = undefined;
  } else dropReady();
  // Until an instance exists (making one can fail), the call's logs are these.
  const early = { 1: new LogCapture(call.maxLogBytes), 2: new LogCapture(call.maxLogBytes) };
  const logs = () => fresh?.logs ?? early;
  const done = (
    returnCode: number,
    trap?: string,
    snapshot?: SharedArrayBuffer,
    budget?: BudgetName,
  ): CallDone => ({
    type: 'done',
    id: call.id,
    returnCode,
    trap,
    budget:
      budget ??
      (returnCode !== 0 && fresh
        ? budgetRunInto(fresh.wasi, fresh.guest.memory, call, logs()[2])
        : undefined),
    output: fresh?.guest.ctx.output ?? new Uint8Array(0),
    stdout: logs()[1].bytes(),
    stderr: logs()[2].bytes(),
    snapshot,
  });
  try {
    fresh ??= instantiate(call);
    const { wasi, guest } = fresh;
    const { ctx, exports, memory } = guest;
    ctx.info = { ...call };
    // What the chosen VM calls before _start: WAVM constructors and zygote, WAMR neither.
    const entry = vmProfile(call.vm).entry;
    const zygote = entry.includes('_faasm_zygote')
      ? (exports._faasm_zygote as (() => number) | undefined)
      : undefined;
    const ctors = entry.includes('__wasm_call_ctors')
      ? (exports.__wasm_call_ctors as (() => void) | undefined)
      : undefined;
    const start = exports._start as () => void;
    let snapshot: SharedArrayBuffer | undefined;

    if (!call.snapshot) {
      // Faasm's order (src/wavm/WAVMWasmModule.cpp): constructors, zygote, snapshot; a call
      // restored from the snapshot starts at _start.
      const zygoteRc = wasi.run(() => {
        ctors?.();
        const rc = zygote?.() ?? 0;
        if (rc !== 0) throw new ZygoteFailed(rc);
      });
      if (zygoteRc !== 0) return { done: done(134, `_faasm_zygote exited with ${zygoteRc}`) };
      if (zygote && call.takeSnapshot) {
        snapshot = new SharedArrayBuffer(memory.buffer.byteLength);
        new Uint8Array(snapshot).set(new Uint8Array(memory.buffer));
      }
    }
    const rc = wasi.run(start);
    // Only a call that ended well leaves its instance to reuse: a trap may leave it anywhere.
    return { done: done(rc, undefined, snapshot), used: rc === 0 ? guest : undefined };
  } catch (err) {
    if (err instanceof ZygoteFailed)
      return { done: done(134, `_faasm_zygote failed with ${err.rc}`) };
    if (err instanceof BudgetExceeded) return { done: done(134, undefined, undefined, err.budget) };
    return { done: done(134, describeTrap(err)) };
  } finally {
    fresh?.wasi.close();
  }
}

class ZygoteFailed extends Error {
  constructor(readonly rc: number) {
    super(`zygote ${rc}`);
  }
}

/**
 * Which budget a failed call ran into, if any: a full /tmp, or a memory that could not grow
 * (a trap, or Python's MemoryError: memory.grow is an instruction, so the cap shows only there).
 */
function budgetRunInto(
  wasi: Wasi,
  memory: WebAssembly.Memory | undefined,
  call: WorkerCall,
  stderr: LogCapture,
): BudgetName | undefined {
  if (wasi.budgetExhausted()) return 'tmp';
  const tail = Buffer.from(stderr.bytes().subarray(-4096)).toString('utf8');
  const full = memory && memory.buffer.byteLength + 16 * 65536 >= call.maxMemoryBytes;
  if (/\bMemoryError\b/.test(tail) || full) return 'memory';
  return undefined;
}

function describeTrap(err: unknown): string {
  if (err instanceof HostCallError) return `host call failed: ${err.message}`;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return 'the call overflowed its stack (too deep a recursion)';
  }
  if (err instanceof WebAssembly.RuntimeError) {
    if (/out of memory|memory access out of bounds/i.test(err.message)) {
      return `the guest trapped: ${err.message} (a crash or an exhausted memory cap)`;
    }
    return `the guest trapped: ${err.message}`;
  }
  return `the call failed in the runner: ${err instanceof Error ? err.message : String(err)}`;
}

parentPort!.on('message', (msg: ToWorker) => {
  if (msg.type === 'guest') {
    module = msg.guest;
    return;
  }
  if (msg.type === 'spare') {
    try {
      spare ??= new GuestInstance(module!, msg.vm, hostCall, msg.snapshot);
    } catch {
      // The call makes its own, and reports what is wrong.
    }
    parentPort!.postMessage({ type: 'idle' } satisfies FromWorker);
    return;
  }
  if (msg.type === 'prepare') {
    dropReady();
    try {
      ready = { id: msg.id, fresh: instantiate(msg.spec) };
    } catch {
      // Made again when the call comes, which then reports what is wrong.
    }
    parentPort!.postMessage({ type: 'idle' } satisfies FromWorker);
    return;
  }
  const { done, used } = runCall(msg.call);
  // Copied, not transferred: small Buffers live in node's shared pool.
  parentPort!.postMessage(done);
  // After the answer, so the host has it while the memory is put back.
  if (used?.reset()) spare = used;
  parentPort!.postMessage({ type: 'idle' } satisfies FromWorker);
});
