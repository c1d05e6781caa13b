import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { MessagePort, ResourceLimits, Worker } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import { checkAbi, linkError, parseVm, vmProfile } from '../faasm/profile.js';
import { readModuleAbi } from '../faasm/wasm-abi.js';
import { BUDGETS, BudgetExceeded, budgetMessage, type BudgetName } from './budgets.js';
import { checkConfFlags } from './host-interface.js';
import {
  type CallDone,
  type FromWorker,
  type HostReply,
  type HostRequest,
  type ToWorker,
  type WorkerCall,
} from './protocol.js';
import { onInterrupt } from './exit-cleanup.js';
import { removeGuestTree, removeGuestTreeSync } from './guest-tree.js';
import { type StoredSnapshot, storedSnapshot } from './snapshot-store.js';
import { startCallWorker, type StartedWorker } from './spawn-worker.js';
import { reusableInstances, type GuestModule } from './guest-instance.js';
import { StateLocks, StateStore } from './state.js';
import {
  ExitCode,
  defaultLimits,
  type CallRequest,
  type CallResult,
  type HostLimits,
  type HostOptions,
} from './types.js';
import { closeLedger } from './wasi/fds.js';
import { statOrUndefined, type MountSpec } from './wasi/mounts.js';
import { lazyWasmValidation } from './v8-flags.js';
import { capModuleMemory } from './wasm-memory.js';

/** Lines py_func writes to stderr to say why a call failed (see func/py_func.c). */
const FAILURE_MARK = 'py_func: ';
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/**
 * Idle workers kept at most. Above what the host's busiest moments use, so a steady load
 * never ends a worker only to start another (idleWorkerMs ends the ones a burst leaves).
 */
const MAX_IDLE_WORKERS = 32;
const MAX_SPARE_TMP = 64;
/**
 * Workers kept however long they wait, and started before calls need them: two, so that while
 * one puts its instance back after a call (~1 ms of comparing pages, memory-restore.ts) the
 * next call runs on the other rather than waiting.
 */
const KEEP_WARM = 2;
/** The Faasm function every Python function runs as (user `python`). */
const PY_FUNC = 'py_func';

function workerLimits(limits: HostLimits): ResourceLimits {
  return { maxOldGenerationSizeMb: limits.workerHeapMb, stackSizeMb: 8 };
}

const NOTHING = new Uint8Array(0);

interface CallRecord {
  id: number;
  root: number;
  /** The call that chained this one (absent for a top-level call). */
  parent?: CallRecord;
  /** Chained calls this one made that have finished and whose output is still held. */
  held: Set<CallRecord>;
  /** 0 for a top-level call, the caller's depth + 1 for a chained one. */
  depth: number;
  /** The input is released (emptied) when the call ends: nothing reads it after that. */
  req: Required<Pick<CallRequest, 'user' | 'func' | 'entry'>> & { input: Uint8Array };
  started: number;
  /** Resolves when the call has ended (its result is `result`). */
  done: Promise<void>;
  resolve(): void;
  /**
   * Set when the call ends. For a chained call only what await can read is kept: its return
   * code, and its output until that is awaited or the call that chained it ends.
   */
  result?: CallResult;
  worker?: CallWorker;
  timer?: NodeJS.Timeout;
  /** The call's private /tmp on the host, removed when the call is over. */
  tmpDir?: string;
}

interface CallWorker {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  call?: CallRecord;
  dead: boolean;
  /** Resolves when the thread has stopped (its leftover host fds are closed by then). */
  exited: Promise<void>;
  /** The instance this idle worker holds ready for the next call of `key` (user/func). */
  ready?: Ready;
  /** Done with its last message: its instance is reset, a call posted now starts at once. */
  warm: boolean;
  /** When it last became idle (performance.now()). */
  idleSince: number;
}

interface Ready {
  id: string;
  key: string;
  /** The /tmp the ready instance mounts: empty, the next call's own. */
  tmpDir: string;
}

interface Tree {
  chained: number;
  open: Set<number>;
  /** Finished chained calls whose output is still held: they count as in flight. */
  held: number;
  /** The first budget a call of this tree ran into: the top-level call's error names it. */
  budget?: BudgetName;
}

/**
 * A local Faasm host: compiles the entrypoint once, runs each call in a worker on a fresh
 * instance and the host's own WASI, serves the host interface (state, chaining, awaiting) and
 * enforces the budgets (budgets.ts). A call sees the runtime root read-only at `/`, its own
 * function's directory read-only at `/pyfuncs/<user>/<func>` (nothing of other functions) and
 * a private /tmp of its own, emptied after it; the host's files are never written by a call.
 */
export class FaasmHost {
  readonly state: StateStore;
  readonly limits: HostLimits;
  private locks = new StateLocks();
  private calls = new Map<number, CallRecord>();
  private trees = new Map<number, Tree>();
  private idle: CallWorker[] = [];
  private busy = new Set<CallWorker>();
  private nextId = 1;
  private nextReady = 1;
  private snapshot: SharedArrayBuffer | undefined;
  private readonly stored: StoredSnapshot;
  private snapshotTaking = false;
  private closed = false;
  private trimTimer: NodeJS.Timeout | undefined;
  /** Empty call /tmp directories for the next calls (recycleLater). */
  private spareTmp: string[] = [];
  /** Removals of call /tmp directories still under way (close() waits for them). */
  private cleanups = new Set<Promise<void>>();
  /** Unregisters what an interrupted process removes for this host (exit-cleanup.ts). */
  private readonly forgetInterrupt: () => void;

  private constructor(
    readonly guest: GuestModule,
    private readonly opts: Required<Omit<HostOptions, 'limits' | 'tempDir'>>,
    /** Holds each call's private /tmp while the call runs. */
    private readonly tmpDir: string,
    limits: HostLimits,
    /** A zygote snapshot from disk, and where to save one taken here. */
    stored: StoredSnapshot,
    state: StateStore,
  ) {
    this.limits = limits;
    this.stored = stored;
    this.snapshot = stored.memory;
    this.state = state;
    this.forgetInterrupt = onInterrupt(() => {
      removeGuestTreeSync(tmpDir);
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
    let bytes: Uint8Array;
    try {
      bytes = await readFile(options.wasmPath);
    } catch {
      throw new UserError(
        `Cannot read the entrypoint ${options.wasmPath}; build the func layer or pass --wasm.`,
      );
    }
    let module: WebAssembly.Module;
    const capped = capModuleMemory(bytes, limits.maxMemoryBytes).bytes;
    const vm = parseVm(options.vm);
    checkConfFlags(options.confFlags ?? {});
    // Faasm snapshots after the zygote, which only WAVM runs.
    const snapshot = (options.snapshot ?? true) && vmProfile(vm).entry.includes('_faasm_zygote');
    // Read (and key) the stored snapshot while V8 compiles on its own threads.
    const stored = storedSnapshot({ ...options, snapshot }, capped, runtimeRoot);
    stored.catch(() => {}); // awaited below; not unhandled if the compile fails first
    try {
      lazyWasmValidation();
      module = await WebAssembly.compile(capped);
    } catch (err) {
      throw new UserError(
        `${options.wasmPath} is not a usable entrypoint: ${(err as Error).message}.`,
      );
    }
    // Faasm's link rules for the chosen VM: what it refuses to load, this host refuses too.
    const abi = readModuleAbi(bytes);
    const refused = linkError(
      `${options.wasmPath} cannot run on Faasm's ${vmProfile(vm).title}: it`,
      checkAbi(abi, vm),
    );
    if (refused) throw new UserError(refused);
    const names = (kind: string) =>
      WebAssembly.Module.imports(module)
        .filter((i) => i.module === kind)
        .map((i) => i.name);
    const guest: GuestModule = {
      module,
      env: names('env'),
      wasi: names('wasi_snapshot_preview1'),
      reuse: reusableInstances(abi),
    };
    // Before anything is made that a refused state directory would leave behind.
    const state = new StateStore(
      { maxKeyBytes: limits.maxStateKeyBytes, maxHostBytes: limits.maxStateBytes },
      options.stateDir || undefined,
    );
    let tmpDir: string;
    try {
      tmpDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'faasm-host-tmp-'));
    } catch (err) {
      state.close();
      throw err;
    }
    const host = new FaasmHost(
      guest,
      {
        wasmPath: options.wasmPath,
        runtimeRoot,
        functionsDir,
        confFlags: options.confFlags ?? {},
        env: options.env ?? {},
        snapshot,
        snapshotDir: options.snapshotDir ?? '',
        pool: options.pool ?? true,
        idleWorkerMs: options.idleWorkerMs ?? 10_000,
        vm,
        stateDir: options.stateDir ?? '',
      },
      tmpDir,
      limits,
      await stored,
      state,
    );
    if (first) host.warmUp(first);
    return host;
  }

  /**
   * Starts a worker (the one given, or a new one) and has it make an instance from the
   * snapshot, so a call finds both (a worker takes tens of ms to start, a new instance's memory
   * ~20 ms).
   */
  private warmUp(started?: StartedWorker): void {
    const w = this.spawn(started);
    this.park(w);
    if (this.snapshot) {
      w.worker.postMessage({
        type: 'spare',
        snapshot: this.snapshot,
        vm: this.opts.vm,
      } satisfies ToWorker);
    }
  }

  get functionsDir(): string {
    return this.opts.functionsDir;
  }

  /** Worker threads alive: running a call, or idle. */
  get workers(): { busy: number; idle: number } {
    return { busy: this.busy.size, idle: this.idle.length };
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
    clearTimeout(this.trimTimer);
    for (const rec of this.calls.values()) {
      if (!rec.result)
        this.finish(rec, this.failure(rec, ExitCode.trap, 'the host was closed during the call'));
    }
    const workers = [...this.idle, ...this.busy];
    workers.forEach((w) => this.kill(w));
    await Promise.all(workers.map((w) => w.exited));
    this.idle = [];
    this.busy.clear();
    await Promise.all(this.cleanups);
    await removeGuestTree(this.tmpDir);
    this.state.close();
    this.forgetInterrupt();
  }

  private start(req: CallRequest & { missing?: string }, parent?: CallRecord): CallRecord {
    const root = parent?.root;
    const id = this.nextId++;
    let resolveFn!: () => void;
    const done = new Promise<void>((r) => (resolveFn = r));
    const rec: CallRecord = {
      id,
      root: root ?? id,
      parent,
      held: new Set(),
      depth: parent ? parent.depth + 1 : 0,
      req: {
        user: req.user,
        func: req.func,
        entry: req.entry ?? '',
        input: req.input ?? new Uint8Array(0),
      },
      started: performance.now(),
      done,
      resolve: resolveFn,
    };
    this.calls.set(id, rec);
    if (root === undefined) this.trees.set(id, { chained: 0, open: new Set([id]), held: 0 });
    else this.trees.get(root)?.open.add(id);
    if (req.missing) {
      const why = `there is no Faasm function ${req.missing}: this host runs Python functions, all of them python/${PY_FUNC}`;
      queueMicrotask(() => this.finish(rec, this.failure(rec, ExitCode.rejected, why)));
    } else {
      void this.launch(rec, req.timeoutMs ?? this.limits.timeoutMs);
    }
    return rec;
  }

  private async launch(rec: CallRecord, timeoutMs: number): Promise<void> {
    const { user, func, entry, input } = rec.req;
    const name = `${user}/${func}`;
    const reject = (message: string) =>
      this.finish(rec, this.failure(rec, ExitCode.rejected, message));
    if (
      !NAME.test(user) ||
      !NAME.test(func) ||
      (entry && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry))
    ) {
      return reject(`'${name}' (entry '${entry}') is not a valid function name`);
    }
    if (input.length > this.limits.maxInputBytes) {
      const flag = BUDGETS.input.flag;
      return reject(`the input of ${input.length} bytes is over the ${this.limits.maxInputBytes}-byte limit; raise it with ${flag}`); // prettier-ignore
    }
    const file = join(this.opts.functionsDir, user, func, 'function.py');
    // Synchronous: a ~10 µs stat, where the thread pool's round trip cost each call ~0.2 ms.
    if (!statOrUndefined(file)?.isFile()) {
      return reject(`there is no function ${name} (no ${file})`);
    }
    if (rec.result) return; // closed meanwhile
    const w = this.acquire(name);
    const ready = this.snapshot && w.ready?.key === name ? w.ready : undefined;
    if (w.ready && !ready) this.recycleLater(w.ready.tmpDir, Promise.resolve());
    w.ready = undefined;
    rec.tmpDir = ready?.tmpDir ?? (await this.takeTmp());
    if (rec.result) {
      this.release(w);
      return this.cleanup(rec);
    }
    const takeSnapshot = this.opts.snapshot && !this.snapshot && !this.snapshotTaking;
    if (takeSnapshot) this.snapshotTaking = true;
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
      snapshot: this.opts.snapshot ? this.snapshot : undefined,
      takeSnapshot,
      ...(ready ? { ready: ready.id } : {}),
    };
    w.call = rec;
    rec.worker = w;
    rec.timer = setTimeout(() => {
      this.kill(w);
      const message = budgetMessage('time', { ...this.limits, timeoutMs });
      this.finish(rec, this.failure(rec, ExitCode.timeout, `the call timed out: ${message}`));
    }, timeoutMs);
    w.worker.postMessage({ type: 'run', call });
  }

  /** What a call of user/func sees: see the class comment. */
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
   * An idle worker: best a warm one holding an instance ready for `key`, then any warm one
   * (its instance is reset: only the WASI of the call differs), then one still resetting,
   * else a new worker.
   */
  private acquire(key: string): CallWorker {
    const rank = (w: CallWorker) => (w.warm ? 2 : 0) + (w.ready?.key === key ? 1 : 0);
    let best = -1;
    for (let i = 0; i < this.idle.length; i++) {
      if (best < 0 || rank(this.idle[i]!) > rank(this.idle[best]!)) best = i;
    }
    const w = best >= 0 ? this.idle.splice(best, 1)[0]! : this.spawn();
    w.warm = false;
    this.busy.add(w);
    w.worker.ref();
    w.port.ref();
    return w;
  }

  private release(w: CallWorker): void {
    w.call = undefined;
    this.busy.delete(w);
    if (w.dead) return;
    if (this.closed || this.idle.length >= MAX_IDLE_WORKERS) {
      this.kill(w);
      return;
    }
    this.park(w);
    // After a call rather than before, so that starting it never slows a call down.
    if (this.idle.length + this.busy.size < KEEP_WARM) this.warmUp();
  }

  /** Puts a worker among the idle ones (it does not keep the process alive there). */
  private park(w: CallWorker): void {
    w.worker.unref();
    w.port.unref();
    w.warm = false; // until its 'idle': it is putting its instance back
    w.idleSince = performance.now();
    this.idle.push(w);
    this.scheduleTrim();
  }

  /**
   * Ends workers idle for longer than idleWorkerMs, all but the KEEP_WARM used last: a burst
   * of calls leaves no memory behind.
   */
  private scheduleTrim(): void {
    if (this.trimTimer || this.idle.length <= KEEP_WARM) return;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      const now = performance.now();
      const byAge = [...this.idle].sort((a, b) => a.idleSince - b.idleSince);
      for (const w of byAge.slice(0, Math.max(0, byAge.length - KEEP_WARM))) {
        if (now - w.idleSince >= this.opts.idleWorkerMs) this.kill(w);
      }
      this.scheduleTrim();
    }, this.opts.idleWorkerMs);
    this.trimTimer.unref();
  }

  private kill(w: CallWorker): void {
    if (w.dead) return;
    w.dead = true;
    if (w.ready) this.recycleLater(w.ready.tmpDir, w.exited);
    w.ready = undefined;
    this.busy.delete(w);
    this.idle = this.idle.filter((x) => x !== w);
    w.port.close();
    void w.worker.terminate();
  }

  /** Takes back the call's /tmp once its worker is done with it. */
  private cleanup(rec: CallRecord): void {
    const dir = rec.tmpDir;
    if (!dir) return;
    rec.tmpDir = undefined;
    this.recycleLater(dir, rec.worker?.dead ? rec.worker.exited : Promise.resolve());
  }

  /** An empty directory for a call's /tmp: one a call before left empty, else a new one. */
  private async takeTmp(): Promise<string> {
    return this.spareTmp.pop() ?? (await mkdtemp(join(this.tmpDir, 'call-')));
  }

  /**
   * Once `after` resolves, a call's /tmp that is empty goes back for another call (most calls
   * leave it so, and removing and making it again cost the host more than the call's Python);
   * any other is removed. close() waits for it.
   */
  private recycleLater(dir: string, after: Promise<void>): void {
    const remove = () => removeGuestTree(dir);
    const p = after
      .then(async () => {
        const reuse = !this.closed && this.spareTmp.length < MAX_SPARE_TMP;
        // Sync: an empty directory reads in microseconds, a promise round trip costs more.
        if (reuse && readdirSync(dir).length === 0) this.spareTmp.push(dir);
        else await remove();
      })
      .catch(() => remove().catch(() => {}));
    this.cleanups.add(p);
    void p.finally(() => this.cleanups.delete(p));
  }

  /**
   * Has an idle worker make the instance for the next call of user/func now, before the call
   * arrives, as Faasm keeps Faaslets restored from the snapshot ready: instantiated, memory
   * restored, WASI over a new empty /tmp. The call then pays for its Python code.
   */
  private async prepare(w: CallWorker, user: string, func: string): Promise<void> {
    if (!this.opts.pool || !this.snapshot || this.closed || w.dead || w.ready) return;
    const tmpDir = await this.takeTmp();
    if (!this.idle.includes(w) || w.ready || this.closed) {
      this.recycleLater(tmpDir, Promise.resolve());
      return;
    }
    const id = String(this.nextReady++);
    w.ready = { id, key: `${user}/${func}`, tmpDir };
    const spec = {
      mounts: this.mountsFor(user, func, tmpDir),
      env: this.opts.env,
      maxLogBytes: this.limits.maxLogBytes,
      snapshot: this.snapshot,
      vm: this.opts.vm,
    };
    w.worker.postMessage({ type: 'prepare', id, spec } satisfies ToWorker);
  }

  /** Takes over a started worker (a new one by default) and gives it the module. */
  private spawn(started = startCallWorker(workerLimits(this.limits))): CallWorker {
    const { worker, port, signal, fdLedger } = started;
    let exited!: () => void;
    const w: CallWorker = {
      worker,
      port,
      signal: new Int32Array(signal),
      dead: false,
      exited: new Promise<void>((r) => (exited = r)),
      warm: false,
      idleSince: performance.now(),
    };
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'idle') w.warm = !w.call;
      else if (w.call?.id === msg.id) this.completed(w, w.call, msg);
    });
    const died = (why: string) => {
      const rec = w.call;
      const wasDead = w.dead;
      w.dead = true;
      this.busy.delete(w);
      this.idle = this.idle.filter((x) => x !== w);
      if (rec && !rec.result && !wasDead) this.finish(rec, this.failure(rec, ExitCode.trap, why));
    };
    worker.on('error', (err) => died(`the call's worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      died(`the call's worker exited (${code})`);
      // A terminated worker leaves the host fds its call had open: they are the process's.
      closeLedger(new Int32Array(fdLedger));
      exited();
    });
    port.on('message', (req: HostRequest) => {
      const rec = w.call;
      if (!rec || rec.id !== req.caller) return;
      void this.serve(req).then(
        (reply) => this.answer(w, rec, reply),
        (err: unknown) =>
          this.answer(w, rec, {
            ok: false,
            error: err instanceof Error ? err.message : String(err),
            ...(err instanceof BudgetExceeded ? { budget: err.budget } : {}),
          }),
      );
    });
    worker.postMessage({ type: 'guest', guest: this.guest } satisfies ToWorker);
    if (started.exitCode !== undefined) {
      died(`the call's worker exited (${started.exitCode}) before its first call`);
      closeLedger(new Int32Array(fdLedger));
      exited();
    }
    return w;
  }

  private answer(w: CallWorker, rec: CallRecord, reply: HostReply): void {
    if (w.dead || w.call !== rec) return;
    w.port.postMessage(reply);
    Atomics.store(w.signal, 0, 1);
    Atomics.notify(w.signal, 0);
  }

  private completed(w: CallWorker, rec: CallRecord, msg: CallDone): void {
    if (msg.snapshot) {
      this.snapshot = msg.snapshot;
      const saving = this.stored.save?.(msg.snapshot);
      if (saving) {
        const p: Promise<void> = saving.finally(() => this.cleanups.delete(p));
        this.cleanups.add(p);
      }
    }
    if (this.snapshotTaking && (msg.snapshot || msg.trap)) this.snapshotTaking = false;
    const stdout = Buffer.from(msg.stdout).toString('utf8');
    const stderr = Buffer.from(msg.stderr).toString('utf8');
    const tree = this.trees.get(rec.root);
    if (msg.budget && tree) tree.budget ??= msg.budget;
    // A failed top-level call names the budget its tree ran into, whichever call hit it.
    const budget = msg.budget ?? (rec.id === rec.root && msg.returnCode !== 0 ? tree?.budget : undefined); // prettier-ignore
    let error = msg.trap;
    if (!error && msg.returnCode !== 0) {
      const marks = stderr.split('\n').filter((l) => l.startsWith(FAILURE_MARK));
      if (marks.length) error = marks[marks.length - 1]!.slice(FAILURE_MARK.length);
    }
    if (budget) {
      const what = budgetMessage(budget, this.limits);
      error = error ? `${what} (${error})` : what;
    }
    const result: CallResult = {
      id: rec.id,
      returnCode: msg.returnCode,
      output: new Uint8Array(msg.output),
      stdout,
      stderr,
      ms: performance.now() - rec.started,
      ...(error ? { error } : {}),
    };
    this.finish(rec, result);
    // A failed call may have left its worker in any state (a trap mid-host-call, a heap full of
    // what it allocated): end the thread rather than reuse it.
    if (msg.returnCode !== 0 || msg.trap) this.kill(w);
    else {
      this.release(w);
      void this.prepare(w, rec.req.user, rec.req.func);
    }
  }

  private failure(rec: CallRecord, returnCode: number, error: string): CallResult {
    return {
      id: rec.id,
      returnCode,
      output: new Uint8Array(0),
      stdout: '',
      stderr: '',
      ms: performance.now() - rec.started,
      error: `${rec.req.user}/${rec.req.func}${rec.req.entry ? `:${rec.req.entry}` : ''}: ${error}`,
    };
  }

  private finish(rec: CallRecord, result: CallResult): void {
    if (rec.result) return;
    if (rec.timer) clearTimeout(rec.timer);
    if (
      this.snapshotTaking &&
      rec.worker &&
      !this.snapshot &&
      result.returnCode === ExitCode.timeout
    ) {
      this.snapshotTaking = false;
    }
    const tree = this.trees.get(rec.root);
    rec.req.input = NOTHING;
    // A chained call's logs and error text are read by no one; its output by an await (see
    // releaseHeld), its return code by any await.
    const { id, returnCode, output, ms } = result;
    rec.result = rec.parent ? { id, returnCode, output, ms, stdout: '', stderr: '' } : result;
    this.locks.releaseAll(rec.id);
    this.cleanup(rec);
    // Its own unawaited children: no one else knows their ids, so their outputs go.
    for (const child of rec.held) this.releaseHeld(child, tree);
    if (rec.parent && !rec.parent.result && tree) {
      rec.parent.held.add(rec);
      tree.held++;
    } else if (rec.parent) this.releaseOutput(rec);
    rec.resolve();
    // A tree's records are kept while any of its calls runs, so chained calls can be awaited.
    tree?.open.delete(rec.id);
    // When a top-level call fails, what it chained and left running ends with it.
    if (tree && rec.id === rec.root && result.returnCode !== 0) {
      for (const id of [...tree.open]) {
        const child = this.calls.get(id);
        if (!child || child.result) continue;
        if (child.worker) this.kill(child.worker);
        this.finish(child, this.failure(child, ExitCode.trap, 'the call that chained it failed'));
      }
    }
    if (tree && tree.open.size === 0) {
      for (const [id, r] of this.calls) if (r.root === rec.root) this.calls.delete(id);
      this.trees.delete(rec.root);
    }
  }

  /** Stops holding a finished chained call's output (it was awaited, or its caller ended). */
  private releaseHeld(rec: CallRecord, tree: Tree | undefined): void {
    if (rec.parent?.held.delete(rec) && tree) tree.held--;
    this.releaseOutput(rec);
  }

  /** A top-level call's output is its caller's: only a chained call's is released. */
  private releaseOutput(rec: CallRecord): void {
    if (rec.parent && rec.result) rec.result = { ...rec.result, output: NOTHING };
  }

  private async serve(req: HostRequest): Promise<HostReply> {
    const s = this.state;
    const caller = this.calls.get(req.caller)!;
    // State is the caller's user's (py_user): one tenant never sees another's keys.
    const user = caller.req.user;
    switch (req.op) {
      case 'chain': {
        const tree = this.trees.get(caller.root)!;
        const over = (budget: BudgetName) => {
          tree.budget ??= budget;
          throw new BudgetExceeded(budget);
        };
        if (caller.depth + 1 > this.limits.maxChainDepth) over('chainDepth');
        // Open calls of the tree, less the top-level one, are its chained calls in flight; so
        // are finished ones whose output the host still holds.
        if (tree.open.size - (tree.open.has(caller.root) ? 1 : 0) + tree.held >= this.limits.maxChainsInFlight) over('chainsInFlight'); // prettier-ignore
        if (++tree.chained > this.limits.maxChainedCalls) over('chainedCalls');
        return { ok: true, value: this.start(this.chained(caller, req), caller).id };
      }
      case 'await': {
        const target = this.calls.get(req.callId);
        // Faasm answers 1 when it cannot get a call's result (src/wasm/chaining_util.cpp);
        // a call awaiting itself would wait out Faasm's chained-call timeout to get the same.
        // Faasm looks the result up by the caller's app id and the call id (ibid., @ 53281098,
        // awaitChainedCall and awaitChainedCallOutput: getMessageResult(appId, messageId)),
        // and chained calls share their caller's app: here, its tree. Another tree's call,
        // another tenant's included, is not found.
        if (!target || target.root !== caller.root || req.callId === req.caller) {
          return { ok: true, value: 1 };
        }
        await target.done;
        const r = target.result!;
        if (req.output) this.releaseHeld(target, this.trees.get(caller.root));
        return { ok: true, value: r.returnCode, data: r.output };
      }
      case 'stateSize':
        return { ok: true, value: s.size(user, req.key) };
      case 'stateRead':
        return { ok: true, data: s.kv(user, req.key, req.len) };
      case 'stateWrite':
        s.write(user, req.key, req.data);
        return { ok: true };
      case 'stateReadOffset':
        return { ok: true, data: s.readOffset(user, req.key, req.totalLen, req.offset, req.len) };
      case 'stateWriteOffset':
        s.writeOffset(user, req.key, req.totalLen, req.offset, req.data);
        return { ok: true };
      case 'stateAppend':
        s.append(user, req.key, req.data);
        return { ok: true };
      case 'stateReadAppended':
        return { ok: true, data: s.readAppended(user, req.key, req.nElems) };
      case 'stateClearAppended':
        s.clearAppended(user, req.key);
        return { ok: true };
      case 'statePush':
        s.push(user, req.key);
        return { ok: true };
      case 'statePull':
        s.pull(user, req.key, req.len);
        return { ok: true };
      case 'lock':
      case 'unlock': {
        // Faasm looks the key up without a size first, so a missing key is an error.
        s.kv(user, req.key, 0);
        const lockKey = `${user}/${req.key}`;
        if (req.op === 'lock') await this.locks.lock(lockKey, req.caller, req.mode);
        else this.locks.unlock(lockKey, req.caller, req.mode);
        return { ok: true };
      }
    }
  }

  /**
   * What a chained call runs, as faasm/faasm src/wasm/chaining_util.cpp builds it: chain_py
   * runs another entry of the caller's Python function; chain_name runs the Faasm function of
   * that name for the caller's Faasm user, with the caller's py_user and py_func. Every Python
   * function is the Faasm function python/py_func, so chain_name("py_func") runs the caller's
   * faasm_main again and any other name is a function this host (running only py_func) lacks.
   */
  private chained(
    parent: CallRecord,
    req: Extract<HostRequest, { op: 'chain' }>,
  ): CallRequest & { missing?: string } {
    const { user, func } = parent.req;
    if (req.kind === 'py') return { user, func, entry: req.name, input: req.input };
    if (req.name === PY_FUNC) return { user, func, input: req.input };
    return { user, func, input: req.input, missing: `python/${req.name}` };
  }
}
