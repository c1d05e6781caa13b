/**
 * A local Faasm host: compiles the entrypoint once (guest-module.ts), runs each call in a
 * worker (worker-pool.ts) on an instance started from the zygote snapshot (zygote-snapshot.ts)
 * and the host's own WASI, serves the host interface (host-calls.ts: state, chaining,
 * awaiting) and enforces the budgets (budgets.ts; the chain budgets per call tree,
 * call-tree.ts). A call sees the runtime root read-only at `/`, its own function's directory
 * read-only at `/pyfuncs/<user>/<func>` (nothing of other functions) and a private /tmp of its
 * own (tmp-pool.ts), emptied after it; the host's files are never written by a call.
 */
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { parseVm, vmProfile } from '../faasm/profile.js';
import { UserError } from '../util/errors.js';
import { BUDGETS, budgetMessage } from './budgets.js';
import { doneResult, failedResult } from './call-result.js';
import { CallTrees, type CallRecord } from './call-tree.js';
import { onInterrupt } from './exit-cleanup.js';
import { functionPath, isFunctionName } from './functions.js';
import { compileGuest, readEntrypoint, type GuestModule } from './guest-module.js';
import { HostCalls, PY_FUNC, type StartRequest } from './host-calls.js';
import { checkConfFlags } from './host-interface.js';
import type { CallDone, InstanceSpec, ToWorker, WorkerCall } from './protocol.js';
import { storedSnapshot } from './snapshot-store.js';
import { startCallWorker, type StartedWorker } from './spawn-worker.js';
import { StateStore } from './state.js';
import { TmpPool } from './tmp-pool.js';
import {
  ExitCode,
  defaultLimits,
  type CallRequest,
  type CallResult,
  type HostLimits,
  type HostOptions,
} from './types.js';
import { statOrUndefined, type MountSpec } from './wasi/mounts.js';
import { WorkerPool, type PoolWorker } from './worker-pool.js';
import { ZygoteSnapshot } from './zygote-snapshot.js';

/** A Python entry a call may name: an identifier. */
const ENTRY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type HostSettings = Required<Omit<HostOptions, 'limits' | 'tempDir' | 'snapshotDir'>>;
type CallWorker = PoolWorker<CallRecord>;

function workerLimits(limits: HostLimits): ResourceLimits {
  return { maxOldGenerationSizeMb: limits.workerHeapMb, stackSizeMb: 8 };
}

export class FaasmHost {
  readonly state: StateStore;
  readonly limits: HostLimits;
  private readonly trees: CallTrees;
  private readonly hostCalls: HostCalls;
  private readonly pool: WorkerPool<CallRecord>;
  private nextReady = 1;
  private closed = false;
  /** Unregisters what an interrupted process removes for this host (exit-cleanup.ts). */
  private readonly forgetInterrupt: () => void;

  private constructor(
    readonly guest: GuestModule,
    private readonly opts: HostSettings,
    limits: HostLimits,
    /** Each call's private /tmp. */
    private readonly tmp: TmpPool,
    private readonly snapshot: ZygoteSnapshot,
    state: StateStore,
  ) {
    this.limits = limits;
    this.state = state;
    this.trees = new CallTrees(limits);
    this.hostCalls = new HostCalls(state, this.trees, (req, parent) => this.start(req, parent));
    this.pool = new WorkerPool<CallRecord>({
      guest,
      start: () => startCallWorker(workerLimits(limits)),
      idleMs: opts.idleWorkerMs,
      spare: () => {
        const memory = snapshot.memory;
        return memory ? { type: 'spare', snapshot: memory, vm: opts.vm } : undefined;
      },
      done: (w, rec, msg) => this.completed(w, rec, msg),
      died: (_w, rec, why) => this.finish(rec, failedResult(rec, ExitCode.trap, why)),
      request: (w, rec, req) =>
        void this.hostCalls.serve(req).then((reply) => this.pool.answer(w, rec, reply)),
      dropReady: (ready, exited) => tmp.recycleLater(ready.tmpDir, exited),
    });
    this.forgetInterrupt = onInterrupt(() => {
      tmp.removeSync();
      this.state.close();
    });
  }

  static async load(options: HostOptions): Promise<FaasmHost> {
    const limits = { ...defaultLimits, ...options.limits };
    const runtimeRoot = resolve(options.runtimeRoot);
    const functionsDir = resolve(options.functionsDir ?? join(runtimeRoot, 'pyfuncs'));
    for (const [what, dir] of [
      ['runtime root', runtimeRoot],
      ['functions directory', functionsDir],
    ] as const) {
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
        throw new UserError(
          `The ${what} ${dir} is not a directory; build the runtime or pass the right path.`,
        );
      }
    }
    // The first worker's thread starts now, while the module is read and compiled (its Node
    // bootstrap was ~100 ms of the first call); a load that fails ends it.
    const first = (options.pool ?? true) ? startCallWorker(workerLimits(limits)) : undefined;
    try {
      return await FaasmHost.loadWith(options, limits, runtimeRoot, functionsDir, first);
    } catch (err) {
      await first?.worker.terminate();
      throw err;
    }
  }

  private static async loadWith(
    options: HostOptions,
    limits: HostLimits,
    runtimeRoot: string,
    functionsDir: string,
    first: StartedWorker | undefined,
  ): Promise<FaasmHost> {
    const entrypoint = await readEntrypoint(options.wasmPath, limits.maxMemoryBytes);
    const vm = parseVm(options.vm);
    checkConfFlags(options.confFlags ?? {});
    // Faasm snapshots after the zygote, which only WAVM runs.
    const snapshot = (options.snapshot ?? true) && vmProfile(vm).entry.includes('_faasm_zygote');
    // Read (and key) the stored snapshot while V8 compiles on its own threads.
    const stored = storedSnapshot({ ...options, snapshot }, entrypoint.capped, runtimeRoot);
    stored.catch(() => {}); // awaited below; not unhandled if the compile fails first
    const guest = await compileGuest(options.wasmPath, entrypoint, vm);
    // Before anything is made that a refused state directory would leave behind.
    const state = new StateStore(
      { maxKeyBytes: limits.maxStateKeyBytes, maxHostBytes: limits.maxStateBytes },
      options.stateDir || undefined,
    );
    let tmp: TmpPool;
    try {
      tmp = await TmpPool.create(options.tempDir ?? tmpdir());
    } catch (err) {
      state.close();
      throw err;
    }
    const settings: HostSettings = {
      wasmPath: options.wasmPath,
      runtimeRoot,
      functionsDir,
      confFlags: options.confFlags ?? {},
      env: options.env ?? {},
      snapshot,
      pool: options.pool ?? true,
      idleWorkerMs: options.idleWorkerMs ?? 10_000,
      vm,
      stateDir: options.stateDir ?? '',
    };
    const zygote = new ZygoteSnapshot(snapshot, await stored);
    const host = new FaasmHost(guest, settings, limits, tmp, zygote, state);
    if (first) host.pool.warmUp(first);
    return host;
  }

  get functionsDir(): string {
    return this.opts.functionsDir;
  }

  /** Worker threads alive: running a call, or idle. */
  get workers(): { busy: number; idle: number } {
    return this.pool.counts;
  }

  /** Runs one call (and whatever it chains) to the end; never throws for a failing function. */
  call(req: CallRequest): Promise<CallResult> {
    if (this.closed) return Promise.reject(new Error('the FaasmHost is closed'));
    const rec = this.start(req);
    return rec.done.then(() => rec.result!);
  }

  /** Terminates every worker; calls still running end as failed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const rec of this.trees.records()) {
      if (!rec.result) {
        this.finish(rec, failedResult(rec, ExitCode.trap, 'the host was closed during the call'));
      }
    }
    await this.pool.close();
    await this.snapshot.settled();
    await this.tmp.close();
    this.state.close();
    this.forgetInterrupt();
  }

  private start(req: StartRequest, parent?: CallRecord): CallRecord {
    const rec = this.trees.open(req, parent);
    if (req.missing) {
      const why = `there is no Faasm function ${req.missing}: this host runs Python functions, all of them python/${PY_FUNC}`;
      queueMicrotask(() => this.finish(rec, failedResult(rec, ExitCode.rejected, why)));
    } else {
      void this.launch(rec, req.timeoutMs ?? this.limits.timeoutMs);
    }
    return rec;
  }

  private async launch(rec: CallRecord, timeoutMs: number): Promise<void> {
    const { user, func, entry, input } = rec.req;
    const name = `${user}/${func}`;
    const reject = (message: string) =>
      this.finish(rec, failedResult(rec, ExitCode.rejected, message));
    if (!isFunctionName(user) || !isFunctionName(func) || (entry && !ENTRY.test(entry))) {
      return reject(`'${name}' (entry '${entry}') is not a valid function name`);
    }
    if (input.length > this.limits.maxInputBytes) {
      const flag = BUDGETS.input.flag;
      return reject(`the input of ${input.length} bytes is over the ${this.limits.maxInputBytes}-byte limit; raise it with ${flag}`); // prettier-ignore
    }
    const file = functionPath(this.opts.functionsDir, user, func);
    // Synchronous: a ~10 µs stat, where the thread pool's round trip cost each call ~0.2 ms.
    if (!statOrUndefined(file)?.isFile()) {
      return reject(`there is no function ${name} (no ${file})`);
    }
    if (rec.result) return; // closed meanwhile
    const w = this.pool.acquire(name, rec);
    rec.worker = w;
    const ready = this.snapshot.memory && w.ready?.key === name ? w.ready : undefined;
    if (w.ready && !ready) this.tmp.recycleLater(w.ready.tmpDir);
    w.ready = undefined;
    rec.tmpDir = ready?.tmpDir ?? (await this.tmp.take());
    if (rec.result) {
      this.pool.release(w);
      return this.cleanup(rec);
    }
    const call: WorkerCall = {
      id: rec.id,
      user,
      func,
      entry,
      input,
      mounts: this.mountsFor(user, func, rec.tmpDir),
      env: this.opts.env,
      confFlags: this.opts.confFlags,
      vm: this.opts.vm,
      maxInputBytes: this.limits.maxInputBytes,
      maxOutputBytes: this.limits.maxOutputBytes,
      maxStateKeyBytes: this.limits.maxStateKeyBytes,
      maxLogBytes: this.limits.maxLogBytes,
      maxMemoryBytes: this.limits.maxMemoryBytes,
      snapshot: this.snapshot.memory,
      takeSnapshot: this.snapshot.claim(rec.id),
      ...(ready ? { ready: ready.id } : {}),
    };
    rec.timer = setTimeout(() => {
      this.pool.kill(w);
      const message = budgetMessage('time', { ...this.limits, timeoutMs });
      this.finish(rec, failedResult(rec, ExitCode.timeout, `the call timed out: ${message}`));
    }, timeoutMs);
    w.worker.postMessage({ type: 'run', call } satisfies ToWorker);
  }

  /** What a call of user/func sees: see the header comment. */
  private mountsFor(user: string, func: string, tmpDir: string): MountSpec[] {
    return [
      { guest: '/', host: this.opts.runtimeRoot, readOnly: true },
      // Empty and read-only: hides whatever the root has there, and every other function.
      { guest: '/pyfuncs', readOnly: true },
      { guest: `/pyfuncs/${user}/${func}`, host: join(this.opts.functionsDir, user, func), readOnly: true }, // prettier-ignore
      { guest: '/tmp', host: tmpDir, readOnly: false, budgetBytes: this.limits.maxTmpBytes },
    ];
  }

  /**
   * Has an idle worker make the instance for the next call of user/func now, before the call
   * arrives, as Faasm keeps Faaslets restored from the snapshot ready: instantiated, memory
   * restored, WASI over a new empty /tmp. The call then pays for its Python code.
   */
  private async prepare(w: CallWorker, user: string, func: string): Promise<void> {
    const snapshot = this.snapshot.memory;
    if (!this.opts.pool || !snapshot || this.closed || w.dead || w.ready) return;
    const tmpDir = await this.tmp.take();
    if (!this.pool.isIdle(w) || w.ready || this.closed) {
      this.tmp.recycleLater(tmpDir);
      return;
    }
    const id = String(this.nextReady++);
    w.ready = { id, key: `${user}/${func}`, tmpDir };
    const spec: InstanceSpec = {
      mounts: this.mountsFor(user, func, tmpDir),
      env: this.opts.env,
      maxLogBytes: this.limits.maxLogBytes,
      snapshot,
      vm: this.opts.vm,
    };
    w.worker.postMessage({ type: 'prepare', id, spec } satisfies ToWorker);
  }

  /** Takes back the call's /tmp once its worker is done with it. */
  private cleanup(rec: CallRecord): void {
    const dir = rec.tmpDir;
    if (!dir) return;
    rec.tmpDir = undefined;
    this.tmp.recycleLater(dir, rec.worker?.dead ? rec.worker.exited : undefined);
  }

  private completed(w: CallWorker, rec: CallRecord, msg: CallDone): void {
    if (msg.snapshot) this.snapshot.taken(rec.id, msg.snapshot);
    const budget = this.trees.budgetOf(rec, msg.budget, msg.returnCode !== 0);
    this.finish(rec, doneResult(rec, msg, budget, this.limits));
    // A failed call may have left its worker in any state (a trap mid-host-call, a heap full of
    // what it allocated): end the thread rather than reuse it.
    if (msg.returnCode !== 0 || msg.trap) this.pool.kill(w);
    else {
      this.pool.release(w);
      void this.prepare(w, rec.req.user, rec.req.func);
    }
  }

  private finish(rec: CallRecord, result: CallResult): void {
    if (rec.result) return;
    if (rec.timer) clearTimeout(rec.timer);
    this.snapshot.ended(rec.id);
    this.hostCalls.ended(rec.id);
    this.cleanup(rec);
    // When a top-level call fails, what it chained and left running ends with it.
    this.trees.finish(rec, result, (child) => {
      if (child.worker) this.pool.kill(child.worker);
      this.finish(child, failedResult(child, ExitCode.trap, 'the call that chained it failed'));
    });
  }
}
