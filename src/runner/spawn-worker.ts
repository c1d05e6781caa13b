/**
 * Starting a call worker thread: its channels to the host (protocol.ts), and which file it runs
 * (worker.js from compiled JavaScript, a bundle from the TypeScript sources). Which workers run
 * and for how long is worker-pool.ts.
 */
import {
  MessageChannel,
  Worker,
  type MessagePort,
  type ResourceLimits,
  type TransferListItem,
  type WorkerOptions,
} from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { MAX_GUEST_FDS, type WorkerInit } from './protocol.js';
import { workerBundle } from './worker-bundle.js';

/** A call worker thread and the host's ends of its channels, before a host takes it over. */
export interface StartedWorker {
  worker: Worker;
  /** The host's end of the host-call channel. */
  port: MessagePort;
  signal: SharedArrayBuffer;
  fdLedger: SharedArrayBuffer;
  /** The thread's exit code if it ended before the host took it over. */
  exitCode?: number;
}

/**
 * Starts a call worker with no module yet (its first message brings one), so that a host can
 * start its first worker's ~100 ms of thread and Node bootstrap while it compiles the module.
 */
export function startCallWorker(resourceLimits: ResourceLimits): StartedWorker {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const fdLedger = new SharedArrayBuffer(4 * MAX_GUEST_FDS);
  new Int32Array(fdLedger).fill(-1); // empty slots; never 0, which is stdin
  const init: WorkerInit = { port: port2, signal, fdLedger };
  const worker = spawnCallWorker(init, [port2], resourceLimits);
  const started: StartedWorker = { worker, port: port1, signal, fdLedger };
  // Until the host listens: an error event with no listener would throw, and an exit would be
  // missed (the host's own listeners take over from here; see WorkerPool.spawn, worker-pool.ts).
  worker.on('error', () => {});
  worker.once('exit', (code) => (started.exitCode = code));
  return started;
}

/**
 * Starts the call worker. From compiled JavaScript it is a plain worker file; from the
 * TypeScript sources (the CLI runs through tsx, jest through ts-jest) it is the bundle
 * worker-bundle.ts keeps up to date, because loader hooks do not carry into workers and
 * registering tsx in each one costs its first call more than half a second.
 */
export function spawnCallWorker(
  workerData: unknown,
  transferList: TransferListItem[],
  resourceLimits: ResourceLimits,
): Worker {
  const opts = { workerData, transferList, resourceLimits } as const;
  if (!import.meta.url.endsWith('.ts'))
    return newWorker(new URL('./worker.js', import.meta.url), opts);
  // A worker inherits the process's execArgv, `--import tsx` included: the bundle needs no
  // loader (the rest, --cpu-prof and friends, still applies).
  return newWorker(pathToFileURL(workerBundle()), {
    ...opts,
    execArgv: withoutLoaders(process.execArgv),
  });
}

/**
 * A worker with the process's options less those Node refuses in a worker (process-wide ones
 * such as --perf-basic-prof, which made every call fail with a stack trace).
 */
export function newWorker(file: string | URL, opts: WorkerOptions): Worker {
  try {
    return new Worker(file, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    const refused = new Set(/flags: (.*)$/.exec(e.message)?.[1]?.split(', '));
    const execArgv = (opts.execArgv ?? process.execArgv).filter((a) => !refused.has(a));
    return new Worker(file, { ...opts, execArgv });
  }
}

/** execArgv less the options that preload code (--import, --loader, --require and values). */
export function withoutLoaders(argv: readonly string[]): string[] {
  const takesValue = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (takesValue.has(a)) i++;
    else if (![...takesValue].some((o) => a.startsWith(`${o}=`))) out.push(a);
  }
  return out;
}
