/**
 * A call worker: runs one Faasm call at a time, each on a fresh instance of the module it was
 * given at start and a fresh WASI (wasi/wasi.ts) over the mounts the host chose for the call.
 * See protocol.ts for why calls run here.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { BudgetExceeded, type BudgetName } from './budgets.js';
import { HostCallError, faasmImports, type GuestContext } from './guest-imports.js';
import { FAASM_ARGV0, FAASM_ENVIRONMENT } from './host-interface.js';
import { vmProfile } from '../faasm/profile.js';
import {
  MAX_GUEST_FDS,
  type CallDone,
  type HostReply,
  type HostRequest,
  type InstanceSpec,
  type ToWorker,
  type WorkerCall,
  type WorkerInit,
} from './protocol.js';
import { Wasi } from './wasi/wasi.js';

const init = workerData as WorkerInit;
const envImports = WebAssembly.Module.imports(init.module)
  .filter((i) => i.module === 'env')
  .map((i) => i.name);
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

type Exports = Record<string, unknown> & { memory: WebAssembly.Memory };

/** A fresh instance on a fresh WASI, its memory restored from the snapshot when there is one. */
interface Fresh {
  logs: { 1: LogCapture; 2: LogCapture };
  ctx: GuestContext;
  wasi: Wasi;
  memory: WebAssembly.Memory;
  exports: Exports;
}

function instantiate(spec: InstanceSpec): Fresh {
  const logs = { 1: new LogCapture(spec.maxLogBytes), 2: new LogCapture(spec.maxLogBytes) };
  let memory: WebAssembly.Memory | undefined;
  const ctx: GuestContext = {
    // Set when the call starts: an instance made ahead of time knows only its function.
    info: undefined as unknown as GuestContext['info'],
    memory: () => memory!,
    host: hostCall,
    output: new Uint8Array(0),
  };
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
    const imports = {
      wasi_snapshot_preview1: wasi.imports,
      env: faasmImports(ctx, spec.vm, envImports),
    };
    const exports = new WebAssembly.Instance(init.module, imports).exports as Exports;
    memory = exports.memory;
    wasi.bind(memory);
    if (spec.snapshot) {
      const pages = (spec.snapshot.byteLength - memory.buffer.byteLength) / 65536;
      if (pages > 0) memory.grow(pages);
      new Uint8Array(memory.buffer).set(new Uint8Array(spec.snapshot));
    }
    return { logs, ctx, wasi, memory, exports };
  } catch (err) {
    wasi.close();
    throw err;
  }
}

/**
 * The instance made for the next call while this worker was idle (a 'prepare' message): the
 * instance, the snapshot copy and the page faults of a fresh memory are paid before the call.
 * It has never run, so the call still starts from the snapshot as it was, on its own /tmp.
 */
let ready: { id: string; fresh: Fresh } | undefined;

function dropReady(): void {
  ready?.fresh.wasi.close();
  ready = undefined;
}

function runCall(call: WorkerCall): CallDone {
  let fresh: Fresh | undefined;
  if (ready && call.ready === ready.id) fresh = ready.fresh;
  else dropReady();
  ready = undefined;
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
        ? budgetRunInto(fresh.wasi, fresh.memory, call, logs()[2])
        : undefined),
    output: fresh?.ctx.output ?? new Uint8Array(0),
    stdout: logs()[1].bytes(),
    stderr: logs()[2].bytes(),
    snapshot,
  });
  try {
    fresh ??= instantiate(call);
    const { ctx, wasi, exports, memory } = fresh;
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
      if (zygoteRc !== 0) return done(134, `_faasm_zygote exited with ${zygoteRc}`);
      if (zygote && call.takeSnapshot) {
        snapshot = new SharedArrayBuffer(memory.buffer.byteLength);
        new Uint8Array(snapshot).set(new Uint8Array(memory.buffer));
      }
    }
    return done(wasi.run(start), undefined, snapshot);
  } catch (err) {
    if (err instanceof ZygoteFailed) return done(134, `_faasm_zygote failed with ${err.rc}`);
    if (err instanceof BudgetExceeded) return done(134, undefined, undefined, err.budget);
    return done(134, describeTrap(err));
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
  if (msg.type === 'prepare') {
    dropReady();
    try {
      ready = { id: msg.id, fresh: instantiate(msg.spec) };
    } catch {
      // Made again when the call comes, which then reports what is wrong.
    }
    return;
  }
  // Copied, not transferred: small Buffers live in node's shared pool.
  parentPort!.postMessage(runCall(msg.call));
});
