import { afterEach, describe, expect, test } from '@jest/globals';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { GuestModule } from '../../../src/runner/guest-module.js';
import type { CallDone, HostRequest } from '../../../src/runner/protocol.js';
import type { StartedWorker } from '../../../src/runner/spawn-worker.js';
import { WorkerPool, type PoolOptions, type Ready } from '../../../src/runner/worker-pool.js';

/**
 * A stand-in call worker speaking the host protocol (protocol.ts): `run` answers `done` then
 * `idle`; func 'hang' never answers, 'exit' ends the thread, 'ask' makes a host call and
 * returns its value as output.
 */
const WORKER = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const signal = new Int32Array(workerData.signal);
const empty = new Uint8Array(0);
parentPort.on('message', (m) => {
  if (m.type === 'guest') return;
  if (m.type !== 'run') return parentPort.postMessage({ type: 'idle' });
  const { id, func } = m.call;
  if (func === 'hang') return;
  if (func === 'exit') process.exit(3);
  let output = empty;
  if (func === 'ask') {
    Atomics.store(signal, 0, 0);
    workerData.port.postMessage({ op: 'stateSize', caller: id, key: 'k' });
    for (;;) {
      Atomics.wait(signal, 0, 0);
      const got = receiveMessageOnPort(workerData.port);
      if (got) { output = Uint8Array.of(got.message.value); break; }
      Atomics.store(signal, 0, 0);
      Atomics.wait(signal, 0, 0, 5);
    }
  }
  parentPort.postMessage({ type: 'done', id, returnCode: 0, output, stdout: empty, stderr: empty });
  parentPort.postMessage({ type: 'idle' });
});
`;

const guest: GuestModule = {
  module: new WebAssembly.Module(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)),
  env: [],
  wasi: [],
};

function start(): StartedWorker {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const fdLedger = new SharedArrayBuffer(16);
  new Int32Array(fdLedger).fill(-1);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { port: port2, signal },
    transferList: [port2],
  });
  return { worker, port: port1, signal, fdLedger };
}

interface Job {
  id: number;
}

const pools: WorkerPool<Job>[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** A pool whose events are recorded; `done` resolves each job's wait. */
function pool(over: Partial<PoolOptions<Job>> = {}) {
  const events: string[] = [];
  const waits = new Map<number, (msg: CallDone) => void>();
  const dropped: Ready[] = [];
  const p = new WorkerPool<Job>({
    guest,
    start,
    idleMs: 60_000,
    done: (_w, job, msg) => waits.get(job.id)?.(msg),
    died: (_w, job, why) => events.push(`died ${job.id}: ${why}`),
    request: (w, job, req: HostRequest) => p.answer(w, job, { ok: true, value: 40 + req.caller }),
    dropReady: (ready, exited) => void exited.then(() => dropped.push(ready)),
    ...over,
  });
  pools.push(p);
  const run = (job: Job, func: string, key = 'u/f') => {
    const w = p.acquire(key, job);
    const done = new Promise<CallDone>((r) => waits.set(job.id, r));
    w.worker.postMessage({ type: 'run', call: { id: job.id, func } });
    return { w, done };
  };
  return { p, events, dropped, run };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `done()` to hold (workers answer on their own threads, however loaded the machine). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await tick(20);
  if (!done()) throw new Error(`timed out waiting until ${what}`);
}

describe('the call worker pool', () => {
  test('a job runs on a worker that goes back idle after it; two are kept warm', async () => {
    const { p, run } = pool();
    const { w, done } = run({ id: 1 }, 'hello');
    expect(p.counts).toEqual({ busy: 1, idle: 0 });
    expect((await done).id).toBe(1);
    p.release(w);
    // One more started after the job, so the next call need not wait for this one to reset.
    expect(p.counts).toEqual({ busy: 0, idle: 2 });
    const again = run({ id: 2 }, 'hello');
    await again.done;
    p.release(again.w);
    expect(p.counts).toEqual({ busy: 0, idle: 2 });
  });

  test('routes a job’s host call to the owner and wakes the worker with the answer', async () => {
    const { run } = pool();
    const { done } = run({ id: 2 }, 'ask');
    expect([...(await done).output]).toEqual([42]);
  });

  test('a worker that exits mid-job: the owner hears why, and the worker is gone', async () => {
    const { p, events, run } = pool();
    run({ id: 5 }, 'exit');
    for (let i = 0; i < 250 && events.length === 0; i++) await tick(20);
    expect(events).toEqual(["died 5: the call's worker exited (3)"]);
    expect(p.counts).toEqual({ busy: 0, idle: 0 });
  });

  test('kill ends a hung worker without telling the owner; what it held ready is dropped after it exits', async () => {
    const { p, events, dropped, run } = pool();
    const { w } = run({ id: 7 }, 'hang');
    const ready = { id: 'r1', key: 'u/f', tmpDir: '/nowhere' };
    w.ready = ready;
    p.kill(w);
    expect(w.dead).toBe(true);
    await w.exited;
    await tick(0);
    expect(events).toEqual([]);
    expect(dropped).toEqual([ready]);
    expect(p.counts).toEqual({ busy: 0, idle: 0 });
    // A released dead worker stays gone.
    p.release(w);
    expect(p.counts).toEqual({ busy: 0, idle: 0 });
  });

  test('prefers an idle worker holding an instance ready for the function', async () => {
    const { p, run } = pool();
    const a = run({ id: 1 }, 'hello');
    const b = run({ id: 2 }, 'hello');
    await Promise.all([a.done, b.done]);
    p.release(a.w);
    p.release(b.w);
    a.w.ready = { id: 'x', key: 'u/other', tmpDir: '/nowhere' };
    b.w.ready = { id: 'y', key: 'u/f', tmpDir: '/nowhere' };
    await until(() => a.w.warm && b.w.warm, 'both workers are idle again (warm)');
    expect(p.acquire('u/f', { id: 3 })).toBe(b.w);
    expect(p.acquire('u/other', { id: 4 })).toBe(a.w);
  });

  test('ends the workers a burst left idle after idleMs, all but the two used last', async () => {
    const { p, run } = pool({ idleMs: 150 });
    const jobs = [1, 2, 3, 4].map((id) => run({ id }, 'hello'));
    await Promise.all(jobs.map((j) => j.done));
    jobs.forEach((j) => p.release(j.w));
    expect(p.counts).toEqual({ busy: 0, idle: 4 });
    await until(() => p.counts.idle <= 2, 'the pool has trimmed its idle workers');
    expect(p.counts).toEqual({ busy: 0, idle: 2 });
  });

  test('keeps at most maxIdle idle workers', async () => {
    const { p, run } = pool({ maxIdle: 1, keepWarm: 0 });
    const jobs = [1, 2].map((id) => run({ id }, 'hello'));
    await Promise.all(jobs.map((j) => j.done));
    jobs.forEach((j) => p.release(j.w));
    expect(p.counts).toEqual({ busy: 0, idle: 1 });
    expect(jobs[1]!.w.dead).toBe(true);
  });

  test('a warm-up worker is asked for a spare instance; close ends every worker', async () => {
    const spare = { type: 'spare', snapshot: new SharedArrayBuffer(8), vm: 'wavm' } as const;
    const { p } = pool({ spare: () => spare });
    p.warmUp();
    p.warmUp(start());
    expect(p.counts).toEqual({ busy: 0, idle: 2 });
    await p.close();
    expect(p.counts).toEqual({ busy: 0, idle: 0 });
  });

  test('a worker that exited before the pool took it over is reported gone at once', async () => {
    const started = start();
    await started.worker.terminate();
    started.exitCode = 1;
    const { p } = pool();
    p.warmUp(started);
    expect(p.counts).toEqual({ busy: 0, idle: 0 });
  });
});
