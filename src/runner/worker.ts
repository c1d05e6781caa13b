/**
 * A call worker: runs one Faasm call at a time, each on a fresh WASI and a fresh instance of the
 * module it was given at start. See protocol.ts for why calls run here.
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { silenceWasiWarning } from '../util/quiet-wasi-warning.js';
import { HostCallError, faasmImports, type GuestContext } from './guest-imports.js';
import { FAASM_ARGV0, FAASM_ENVIRONMENT } from './host-interface.js';
import type {
  CallDone,
  HostReply,
  HostRequest,
  ToWorker,
  WorkerCall,
  WorkerInit,
} from './protocol.js';

silenceWasiWarning();
// Loaded after the warning is silenced: node:wasi warns when it is first loaded.
const { WASI } = await import('node:wasi');

const init = workerData as WorkerInit;
const envImports = WebAssembly.Module.imports(init.module)
  .filter((i) => i.module === 'env')
  .map((i) => i.name);
const signal = new Int32Array(init.signal);

function hostCall(req: HostRequest): HostReply & { ok: true } {
  Atomics.store(signal, 0, 0);
  init.port.postMessage(req);
  for (;;) {
    Atomics.wait(signal, 0, 0);
    const msg = receiveMessageOnPort(init.port);
    if (msg) {
      const reply = msg.message as HostReply;
      if (!reply.ok) throw new HostCallError(reply.error);
      return reply;
    }
    // Woken before the answer is visible on the port: wait a moment and look again.
    Atomics.store(signal, 0, 0);
    Atomics.wait(signal, 0, 0, 5);
  }
}

/** Captures writes to fds 1 and 2 up to a cap (the rest of WASI is node's). */
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
type WasiFn = (...args: number[]) => number;

/**
 * node:wasi's functions, each behind a plain JS function. Handed to the instance directly, V8
 * calls them through the fast-API path, which keeps the memory's backing store from when the
 * instance started and misses `memory.grow`; after CPython grows its memory, host calls touch
 * freed memory and node crashes (SIGSEGV, no message; nodejs/node#53087 and #46777, seen here
 * with Node 20.20 after ~10-25 python calls in one worker). The wrapper forces the regular path.
 */
function wrapImports(fns: Record<string, WasiFn>): Record<string, WasiFn> {
  const out: Record<string, WasiFn> = {};
  for (const [name, fn] of Object.entries(fns)) out[name] = (...args: number[]) => fn(...args);
  return out;
}

function runCall(call: WorkerCall): CallDone {
  const logs = { 1: new LogCapture(call.maxLogBytes), 2: new LogCapture(call.maxLogBytes) };
  const devNull = openSync('/dev/null', 'r');
  let memory: WebAssembly.Memory | undefined;
  const ctx: GuestContext = {
    info: { ...call },
    memory: () => memory!,
    host: hostCall,
    output: new Uint8Array(0),
  };
  const done = (returnCode: number, trap?: string, snapshot?: SharedArrayBuffer): CallDone => ({
    type: 'done',
    id: call.id,
    returnCode,
    trap,
    output: ctx.output,
    stdout: logs[1].bytes(),
    stderr: logs[2].bytes(),
    snapshot,
  });
  try {
    const preopens: Record<string, string> = {
      '/': call.runtimeRoot,
      '/pyfuncs': call.functionsDir,
      '/tmp': call.tmpDir,
    };
    const wasi = new WASI({
      version: 'preview1',
      args: [FAASM_ARGV0],
      env: { ...FAASM_ENVIRONMENT, ...call.env },
      preopens,
      returnOnExit: true,
      stdin: devNull,
    });
    const wasiImports = wrapImports(
      (wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, WasiFn> })
        .wasi_snapshot_preview1,
    );
    const fdWrite = wasiImports.fd_write!;
    const imports = {
      wasi_snapshot_preview1: {
        ...wasiImports,
        fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
          const log = fd === 1 || fd === 2 ? logs[fd] : undefined;
          if (!log) return fdWrite(fd, iovs, iovsLen, nwritten);
          const view = new DataView(memory!.buffer);
          const mem = new Uint8Array(memory!.buffer);
          let total = 0;
          for (let i = 0; i < iovsLen; i++) {
            const ptr = view.getUint32(iovs + i * 8, true);
            const len = view.getUint32(iovs + i * 8 + 4, true);
            log.write(mem.subarray(ptr, ptr + len));
            total += len;
          }
          view.setUint32(nwritten, total, true);
          return 0;
        },
      },
      env: faasmImports(ctx, call.vm, envImports),
    };
    const instance = new WebAssembly.Instance(init.module, imports);
    const exports = instance.exports as Exports;
    memory = exports.memory;
    const zygote = exports._faasm_zygote as (() => number) | undefined;
    const ctors = exports.__wasm_call_ctors as (() => void) | undefined;
    const start = exports._start as () => void;
    let snapshot: SharedArrayBuffer | undefined;
    let zygoteRc = 0;

    if (call.snapshot) {
      const pages = (call.snapshot.byteLength - memory.buffer.byteLength) / 65536;
      if (pages > 0) memory.grow(pages);
      new Uint8Array(memory.buffer).set(new Uint8Array(call.snapshot));
    }
    // node:wasi binds its memory in start(); the zygote needs WASI too, so both run inside one
    // start() through a stand-in `_start`.
    const rc = wasi.start({
      exports: {
        memory,
        _start() {
          // Faasm's order (src/wavm/WAVMWasmModule.cpp): constructors, zygote, snapshot; a
          // call restored from the snapshot starts at _start.
          if (!call.snapshot && ctors) ctors();
          if (!call.snapshot && zygote) {
            zygoteRc = zygote();
            if (zygoteRc !== 0) return;
            if (call.takeSnapshot) {
              snapshot = new SharedArrayBuffer(memory!.buffer.byteLength);
              new Uint8Array(snapshot).set(new Uint8Array(memory!.buffer));
            }
          }
          start();
        },
      },
    });
    if (zygoteRc !== 0) return done(134, `_faasm_zygote failed with ${zygoteRc}`);
    return done(rc, undefined, snapshot);
  } catch (err) {
    return done(134, describeTrap(err));
  } finally {
    closeSync(devNull);
  }
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
  if (msg.type !== 'run') return;
  // Copied, not transferred: small Buffers live in node's shared pool.
  parentPort!.postMessage(runCall(msg.call));
});
