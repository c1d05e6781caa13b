/**
 * Soak: many calls through one FaasmHost serving two tenants (users), each with good and
 * hostile functions mixed, a fixed number in flight. Every good call must return 0 (none lost),
 * every hostile one must end the way it should, and the process's memory and the disk under
 * its temporary directory must come back near their baselines. Prints the numbers.
 *
 *   npm run soak -- [--calls 1000] [--in-flight 8] [--json]
 *
 * Uses FAASM_PYTHON_FUNC_WASM and FAASM_PYTHON_RUNTIME_ROOT when both are set, else the built
 * runtime from the layer cache (built first if missing).
 */
import { mkdtemp } from 'node:fs/promises';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { stageFunctionDir } from '../src/runner/functions.js';
import { FaasmHost } from '../src/runner/host.js';
import { ExitCode, type CallRequest, type CallResult } from '../src/runner/types.js';
import { removeTree } from '../src/util/fs.js';

const MiB = 1024 * 1024;
const IDLE_MS = 1000;
const REPO = join(import.meta.dirname, '..');

/** The host's two tenants: each has every good and every hostile function. */
export const TENANTS = ['tenant_a', 'tenant_b'] as const;

interface Kind {
  /** The call, for either tenant (its user is the tenant's). */
  req: Omit<CallRequest, 'user'>;
  good: boolean;
  /** How many of every 20 calls are this kind. */
  weight: number;
  ok(r: CallResult): boolean;
}

const good = (func: string, input?: string): Kind => ({
  req: { func, input: input === undefined ? undefined : Buffer.from(input) },
  good: true,
  weight: 3,
  ok: (r) => r.returnCode === 0,
});
const hostile = (func: string, ok: Kind['ok'], timeoutMs?: number): Kind => ({
  req: { func, timeoutMs },
  good: false,
  weight: 1,
  ok,
});
const fails = (pattern: RegExp) => (r: CallResult) => r.returnCode !== 0 && pattern.test(r.error ?? ''); // prettier-ignore

export const KINDS: Kind[] = [
  good('hello'),
  good('echo', 'soak input'),
  good('hashing'),
  good('lang'),
  good('files'),
  good('chain'),
  hostile('write_sitecustomize', (r) => r.returnCode === 0),
  hostile('escape_symlink', (r) => r.returnCode === 0),
  hostile('read_other_function', (r) => r.returnCode === 0),
  hostile('fill_tmp', fails(/\/tmp budget/)),
  hostile('output_bomb', fails(/output budget/)),
  hostile('chain_bomb', fails(/chain depth budget/)),
  hostile('sleep_forever', (r) => r.returnCode === ExitCode.timeout, 1000),
  hostile('memory_hog', fails(/guest memory budget/)),
  hostile('process_escape', (r) => r.returnCode === 0),
  // The second round (issue 23).
  hostile('chain_big_input', fails(/input budget/)),
  hostile('chain_unread_outputs', fails(/chained calls in flight budget/)),
  hostile('alias_accounting', (r) => r.returnCode === 0),
  hostile('deep_tree', (r) => r.returnCode === 0),
  // Every id it guesses is another tree's (the other tenant's calls among them): nothing found.
  hostile('await_other_tenant', (r) => r.returnCode === 0 && r.output.length === 0),
];

export interface SoakResult {
  calls: number;
  inFlight: number;
  goodCalls: number;
  goodLost: number;
  hostileCalls: number;
  hostileWrong: number;
  seconds: number;
  rssBaselineMiB: number;
  rssPeakMiB: number;
  rssEndMiB: number;
  /** The main thread's JS heap after a gc: what the host itself holds (records, results). */
  heapBaselineMiB: number;
  heapEndMiB: number;
  /** Bytes on disk under the host's temporary directory (calls' /tmp), as rss. */
  diskBaselineBytes: number;
  diskPeakBytes: number;
  diskEndBytes: number;
  threadsBaseline: number;
  threadsEnd: number;
  failures: string[];
}

const rss = () => process.memoryUsage().rss / MiB;
/** A full gc, even without --expose-gc (under jest): the flag set now, gc taken from a context. */
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed / MiB;
};

/** Bytes a tree takes on disk (allocated blocks), however deep (paths are kept short). */
function diskBytes(dir: string): number {
  let total = 0;
  const todo = [dir];
  while (todo.length) {
    const d = todo.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const st = (() => {
        try {
          return lstatSync(join(d, n));
        } catch {
          return undefined;
        }
      })();
      if (!st) continue;
      total += st.blocks * 512;
      // Deeper than this only in a tree a guest built by renames (it is measured as removed).
      if (st.isDirectory() && join(d, n).length < 3000) todo.push(join(d, n));
    }
  }
  return total;
}
const threads = () => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN); // prettier-ignore

export async function soak(opts: {
  wasm: string;
  root: string;
  calls: number;
  inFlight: number;
}): Promise<SoakResult> {
  const functions = await mkdtemp(join(tmpdir(), 'faasm-soak-'));
  for (const tenant of TENANTS) {
    await stageFunctionDir(join(REPO, 'func', 'python'), functions, tenant);
    await stageFunctionDir(join(REPO, 'test', 'fixtures', 'hostile'), functions, tenant);
    await stageFunctionDir(join(REPO, 'test', 'fixtures', 'pyfuncs'), functions, tenant);
  }
  // The host's temporary directories go under one of the soak's own, to be measured.
  const scratch = await mkdtemp(join(tmpdir(), 'faasm-soak-tmp-'));
  const host = await FaasmHost.load({
    tempDir: scratch,
    wasmPath: opts.wasm,
    runtimeRoot: opts.root,
    functionsDir: functions,
    confFlags: { PYTHON_PRELOAD: 1 },
    // Idle workers end soon, so the end of the run shows whether memory goes back.
    idleWorkerMs: IDLE_MS,
    limits: {
      maxMemoryBytes: 256 * MiB,
      maxOutputBytes: 1 * MiB,
      maxTmpBytes: 4 * MiB,
      maxChainDepth: 4,
      // As hostile.test.ts: a fan-out (or unread outputs) stops at a handful of workers.
      maxChainsInFlight: 6,
      timeoutMs: 60_000,
    },
  });
  const plan: CallRequest[] = [];
  const kindOf = new Map<CallRequest, Kind>();
  for (const k of KINDS) {
    for (let i = 0; i < k.weight; i++) {
      for (const user of TENANTS) {
        const req = { ...k.req, user };
        plan.push(req);
        kindOf.set(req, k);
      }
    }
  }
  const hello = { user: TENANTS[0], func: 'hello' };
  const failures: string[] = [];
  let goodCalls = 0;
  let goodLost = 0;
  let hostileWrong = 0;
  try {
    // Warm up (zygote snapshot, idle workers), then take the baseline.
    for (let i = 0; i < 4; i++) await host.call(hello);
    const heapBaseline = heap();
    const rssBaseline = rss();
    const diskBaseline = diskBytes(scratch);
    const threadsBaseline = threads();
    let peak = rssBaseline;
    let diskPeak = diskBaseline;
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < opts.calls; i = next++) {
        // A fixed interleaving (a stride through the plan), so runs are comparable.
        const req = plan[(i * 7) % plan.length]!;
        const kind = kindOf.get(req)!;
        const r = await host.call(req);
        peak = Math.max(peak, rss());
        if (i % 10 === 0) diskPeak = Math.max(diskPeak, diskBytes(scratch));
        const isGood = kind.good;
        if (isGood) goodCalls++;
        if (kind.ok(r)) continue;
        if (isGood) goodLost++;
        else hostileWrong++;
        if (failures.length < 10) failures.push(`${req.user}/${req.func}: ${r.returnCode} ${r.error ?? ''}`); // prettier-ignore
      }
    };
    await Promise.all(Array.from({ length: opts.inFlight }, worker));
    const seconds = (performance.now() - t0) / 1000;
    // Calls as the baseline's were made, then the idle workers' time to go, then measure.
    for (let i = 0; i < 4; i++) await host.call(hello);
    await new Promise((r) => setTimeout(r, 3 * IDLE_MS));
    const heapEnd = heap();
    return {
      calls: opts.calls,
      inFlight: opts.inFlight,
      goodCalls,
      goodLost,
      hostileCalls: opts.calls - goodCalls,
      hostileWrong,
      seconds,
      rssBaselineMiB: rssBaseline,
      rssPeakMiB: peak,
      rssEndMiB: rss(),
      heapBaselineMiB: heapBaseline,
      heapEndMiB: heapEnd,
      diskBaselineBytes: diskBaseline,
      diskPeakBytes: diskPeak,
      diskEndBytes: diskBytes(scratch),
      threadsBaseline,
      threadsEnd: threads(),
      failures,
    };
  } finally {
    await host.close();
    await removeTree(functions);
    await removeTree(scratch);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '1000' },
      'in-flight': { type: 'string', default: '8' },
      json: { type: 'boolean' },
    },
  });
  let wasm = process.env.FAASM_PYTHON_FUNC_WASM;
  let root = process.env.FAASM_PYTHON_RUNTIME_ROOT;
  if (!wasm || !root) {
    const { resolveRuntime } = await import('../src/runtime/resolve.js');
    const { buildOptions } = await import('../src/commands/common.js');
    const { quietReporter } = await import('../src/layers/reporter.js');
    const { pipeline } = await import('../src/pipeline.js');
    const runtime = await resolveRuntime(pipeline, buildOptions({}), quietReporter());
    [wasm, root] = [runtime.wasm, runtime.root];
  }
  const r = await soak({
    wasm,
    root,
    calls: Number(values.calls),
    inFlight: Number(values['in-flight']),
  });
  if (values.json) console.log(JSON.stringify(r, null, 2));
  else {
    const f = (n: number) => n.toFixed(0);
    console.log(`soak: ${r.calls} calls, ${r.inFlight} in flight, ${r.seconds.toFixed(1)} s`);
    console.log(`  tenants: ${TENANTS.join(', ')}, each with good and hostile functions`);
    console.log(`  good:    ${r.goodCalls} calls, ${r.goodLost} lost`);
    console.log(`  hostile: ${r.hostileCalls} calls, ${r.hostileWrong} not ended as they should`);
    console.log(`  rss:     baseline ${f(r.rssBaselineMiB)} MiB, peak ${f(r.rssPeakMiB)} MiB, end ${f(r.rssEndMiB)} MiB`); // prettier-ignore
    console.log(`  heap:    baseline ${f(r.heapBaselineMiB)} MiB, end ${f(r.heapEndMiB)} MiB (the host's JS heap after a gc)`); // prettier-ignore
    const k = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`  disk:    baseline ${k(r.diskBaselineBytes)}, peak ${k(r.diskPeakBytes)}, end ${k(r.diskEndBytes)} (the host's temporary directories)`); // prettier-ignore
    console.log(`  threads: baseline ${r.threadsBaseline}, end ${r.threadsEnd}`);
    for (const line of r.failures) console.log(`  failed: ${line}`);
  }
  process.exitCode = r.goodLost || r.hostileWrong ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
