/**
 * A host's call worker threads (see protocol.ts for why calls run in workers): starting them,
 * handing an idle one to a call (best one that holds an instance ready for that function),
 * taking it back, keeping two warm, ending those a burst of calls left idle, and ending one
 * whatever it is doing. What a worker runs is its owner's (the host's): the pool only routes
 * what a worker says about its current job back to the owner.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { GuestModule } from './guest-module.js';
import type { CallDone, FromWorker, HostReply, HostRequest, ToWorker } from './protocol.js';
import type { StartedWorker } from './spawn-worker.js';
import { closeLedger } from './wasi/fds.js';

/**
 * Idle workers kept at most. Above what the host's busiest moments use, so a steady load
 * never ends a worker only to start another (idleMs ends the ones a burst leaves).
 */
const MAX_IDLE_WORKERS = 32;
/**
 * Workers kept however long they wait, and started before calls need them: two, so that while
 * one puts its instance back after a call (~1 ms of comparing pages, memory-restore.ts) the
 * next call runs on the other rather than waiting.
 */
const KEEP_WARM = 2;

/** An instance an idle worker made ahead of the next call of `key` (user/func). */
export interface Ready {
  id: string;
  key: string;
  /** The /tmp the ready instance mounts: empty, the next call's own. */
  tmpDir: string;
}

export interface PoolWorker<J> {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  /** What it runs now (a call). */
  job?: J;
  dead: boolean;
  /** Resolves when the thread has stopped (its leftover host fds are closed by then). */
  exited: Promise<void>;
  ready?: Ready;
  /** Done with its last message: its instance is reset, a job posted now starts at once. */
  warm: boolean;
  /** Its 'idle' came before the pool took it back after a job (the two race). */
  settled?: boolean;
  /** When it last became idle (performance.now()). */
  idleSince: number;
}

export interface PoolOptions<J> {
  /** The module every worker is given as its first message. */
  guest: GuestModule;
  /** Starts a worker thread (spawn-worker.ts, startCallWorker). */
  start(): StartedWorker;
  /** A worker idle this long (ms) is ended, all but the warm ones. */
  idleMs: number;
  keepWarm?: number;
  maxIdle?: number;
  /** What a new idle worker is asked to make ahead of its first job, if anything. */
  spare?(): ToWorker | undefined;
  /** The worker running `job` says it is done. */
  done(w: PoolWorker<J>, job: J, msg: CallDone): void;
  /** The worker running `job` failed or exited before it was done (not when the pool ended it). */
  died(w: PoolWorker<J>, job: J, why: string): void;
  /** The job asks the host for something; answer with `answer`. */
  request(w: PoolWorker<J>, job: J, req: HostRequest): void;
  /** A worker that held `ready` is gone: its /tmp is free once `exited` resolves. */
  dropReady(ready: Ready, exited: Promise<void>): void;
}

export class WorkerPool<J extends { id: number }> {
  private idle: PoolWorker<J>[] = [];
  private busy = new Set<PoolWorker<J>>();
  private closed = false;
  private trimTimer: NodeJS.Timeout | undefined;
  private readonly keepWarm: number;
  private readonly maxIdle: number;

  constructor(private readonly opts: PoolOptions<J>) {
    this.keepWarm = opts.keepWarm ?? KEEP_WARM;
    this.maxIdle = opts.maxIdle ?? MAX_IDLE_WORKERS;
  }

  /** Worker threads alive: running a job, or idle. */
  get counts(): { busy: number; idle: number } {
    return { busy: this.busy.size, idle: this.idle.length };
  }

  isIdle(w: PoolWorker<J>): boolean {
    return this.idle.includes(w);
  }

  /**
   * Starts a worker (the one given, or a new one), parks it idle and has it make a spare
   * instance, so a call finds both (a worker takes tens of ms to start, a new instance's memory
   * ~20 ms).
   */
  warmUp(started?: StartedWorker): void {
    const w = this.spawn(started);
    if (w.dead) return; // it ended before the pool took it over: never hand it a call
    this.park(w);
    const spare = this.opts.spare?.();
    if (spare) w.worker.postMessage(spare);
  }

  /**
   * An idle worker for `job`: best a warm one holding an instance ready for `key`, then any warm
   * one (its instance is reset: only the WASI of the call differs), then one still resetting,
   * else a new worker.
   */
  acquire(key: string, job: J): PoolWorker<J> {
    const rank = (w: PoolWorker<J>) => (w.warm ? 2 : 0) + (w.ready?.key === key ? 1 : 0);
    let best = -1;
    for (let i = 0; i < this.idle.length; i++) {
      if (best < 0 || rank(this.idle[i]!) > rank(this.idle[best]!)) best = i;
    }
    const w = best >= 0 ? this.idle.splice(best, 1)[0]! : this.spawn();
    w.warm = false;
    w.settled = false;
    w.job = job;
    this.busy.add(w);
    w.worker.ref();
    w.port.ref();
    return w;
  }

  /** Takes a worker back after its job, to wait for the next one. */
  release(w: PoolWorker<J>): void {
    w.job = undefined;
    this.busy.delete(w);
    if (w.dead) return;
    if (this.closed || this.idle.length >= this.maxIdle) {
      this.kill(w);
      return;
    }
    this.park(w);
    // After a job rather than before, so that starting it never slows a call down.
    if (this.idle.length + this.busy.size < this.keepWarm) this.warmUp();
  }

  /** Ends a worker whatever it is doing; its job's owner is not told (it chose this). */
  kill(w: PoolWorker<J>): void {
    if (w.dead) return;
    w.dead = true;
    this.forget(w);
    w.port.close();
    void w.worker.terminate();
  }

  /** Answers a job's request and wakes its worker (see protocol.ts). */
  answer(w: PoolWorker<J>, job: J, reply: HostReply): void {
    if (w.dead || w.job !== job) return;
    w.port.postMessage(reply);
    Atomics.store(w.signal, 0, 1);
    Atomics.notify(w.signal, 0);
  }

  /** Ends every worker and waits for their threads to stop. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.trimTimer);
    const all = [...this.idle, ...this.busy];
    all.forEach((w) => this.kill(w));
    await Promise.all(all.map((w) => w.exited));
  }

  /** Takes over a started worker (a new one by default) and gives it the module. */
  private spawn(started = this.opts.start()): PoolWorker<J> {
    const { worker, port, signal, fdLedger } = started;
    let exited!: () => void;
    const w: PoolWorker<J> = {
      worker,
      port,
      signal: new Int32Array(signal),
      dead: false,
      exited: new Promise<void>((r) => (exited = r)),
      warm: false,
      idleSince: performance.now(),
    };
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'idle') {
        if (w.job) w.settled = true;
        else w.warm = true;
      } else if (!w.dead && w.job?.id === msg.id) this.opts.done(w, w.job, msg);
    });
    const died = (why: string) => {
      const job = w.job;
      const wasDead = w.dead;
      w.dead = true;
      this.forget(w);
      if (job && !wasDead) this.opts.died(w, job, why);
    };
    const gone = () => {
      // A terminated worker leaves the host fds its call had open: they are the process's.
      closeLedger(new Int32Array(fdLedger));
      exited();
    };
    worker.on('error', (err) => died(`the call's worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      died(`the call's worker exited (${code})`);
      gone();
    });
    port.on('message', (req: HostRequest) => {
      const job = w.job;
      if (job && job.id === req.caller) this.opts.request(w, job, req);
    });
    worker.postMessage({ type: 'guest', guest: this.opts.guest } satisfies ToWorker);
    if (started.exitCode !== undefined) {
      died(`the call's worker exited (${started.exitCode}) before its first call`);
      gone();
    }
    return w;
  }

  /** Drops a dead worker from the lists; what it held ready goes once its thread is gone. */
  private forget(w: PoolWorker<J>): void {
    if (w.ready) this.opts.dropReady(w.ready, w.exited);
    w.ready = undefined;
    this.busy.delete(w);
    this.idle = this.idle.filter((x) => x !== w);
  }

  /** Puts a worker among the idle ones (it does not keep the process alive there). */
  private park(w: PoolWorker<J>): void {
    w.worker.unref();
    w.port.unref();
    // Warm once its 'idle' says its instance is back, which may already have come.
    w.warm = w.settled === true;
    w.settled = false;
    w.idleSince = performance.now();
    this.idle.push(w);
    this.scheduleTrim();
  }

  /**
   * Ends workers idle for longer than idleMs, all but the keepWarm used last: a burst of calls
   * leaves no memory behind.
   */
  private scheduleTrim(): void {
    if (this.trimTimer || this.idle.length <= this.keepWarm) return;
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      const now = performance.now();
      const byAge = [...this.idle].sort((a, b) => a.idleSince - b.idleSince);
      for (const w of byAge.slice(0, Math.max(0, byAge.length - this.keepWarm))) {
        if (now - w.idleSince >= this.opts.idleMs) this.kill(w);
      }
      this.scheduleTrim();
    }, this.opts.idleMs);
    this.trimTimer.unref();
  }
}
