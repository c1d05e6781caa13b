// `npm run bench -- [--quick] [--json FILE] [--rounds N]`: the project's performance figures,
// printed, and with --json written as one object. Numbers, never assertions.
//   --quick     skip the cold build (the warm build uses the default cache, building what is missing)
//   --json F    write the figures issue 14 names to F
//   --rounds N  interleaved Richards rounds (default 5; each side runs once per round)
//   --func DIR --root DIR --native PYTHON   bench that runtime (a func layer's directory, a
//               runtime root, a build Python) instead of building; no build figures
//   --no-pool   no instances made ahead of calls (to see what the pool is worth)
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nativePython } from '../src/cpython/native-layer.js';
import { readCPythonConfig } from '../src/cpython/config.js';
import { runLayers, selectLayers } from '../src/layers/runner.js';
import type { LayerResult, Reporter } from '../src/layers/types.js';
import { REPO_ROOT, cachePaths, defaultCacheDir } from '../src/paths.js';
import { DEFAULT_TARGETS, pipeline } from '../src/pipeline.js';
import { stageFunctionDir } from '../src/runner/functions.js';
import { FaasmHost } from '../src/runner/host.js';
import type { CallRequest } from '../src/runner/types.js';
import { exec } from '../src/util/exec.js';
import { formatBytes, treeSize } from '../src/util/fs.js';
import { richardsNative, richardsPyodide } from './bench/anchors.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    json: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    func: { type: 'string' },
    root: { type: 'string' },
    native: { type: 'string' },
    'no-pool': { type: 'boolean' },
  },
});
const rounds = Number(values.rounds);
const WARM_UP_CALLS = 500;
const FIRST_CALL = join(REPO_ROOT, 'scripts', 'bench', 'first-call.ts');

/** The fields of `--json`, exactly as issue 14 lists them (ms unless the name says otherwise). */
interface Figures {
  warm_call_p50_ms: number;
  warm_call_p99_ms: number;
  first_call_ms: number;
  calls_per_s_2: number;
  calls_per_s_8: number;
  richards_wasm_ms: number;
  richards_native_ms: number;
  richards_pyodide_ms: number;
  pyodide_first_call_ms: number;
  warm_build_s?: number;
  cold_build_s?: number;
  py_func_bytes: number;
  root_bytes: number;
  host_rss_idle_mb: number;
}

const quiet: Reporter = { start() {}, done() {}, info() {}, warn() {} };

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const best = (xs: readonly number[]) => Math.min(...xs);
const median = (xs: readonly number[]) => quantile(xs, 0.5);
const round1 = (x: number) => Math.round(x * 10) / 10;

function row(label: string, value: string): void {
  console.log(`  ${label.padEnd(46)} ${value}`);
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** `faasm-python build` as a user runs it, in its own process; seconds. */
async function timedBuild(cacheDir: string): Promise<number> {
  const t0 = performance.now();
  await exec(process.execPath, [join(REPO_ROOT, 'bin', 'faasm-python.js'), 'build'], {
    env: { FAASM_PYTHON_CACHE: cacheDir },
    cwd: REPO_ROOT,
  });
  return (performance.now() - t0) / 1000;
}

async function coldBuild(): Promise<number> {
  // An empty layer cache (never the shared one); sources are copied in so downloads are not timed.
  const cacheDir = await mkdtemp(join(tmpdir(), 'fp-bench-cold-'));
  try {
    await cp(cachePaths(defaultCacheDir()).sources, cachePaths(cacheDir).sources, {
      recursive: true,
    }).catch(() => {});
    const before = load();
    const s = await timedBuild(cacheDir);
    console.log('\n## cold build (empty temp cache, sources present)');
    row('total', `${s.toFixed(0)} s (load average before: ${before}; after: ${load()})`);
    return s;
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** Runs `n` calls with `inFlight` of them running at once; calls per second. */
async function throughput(host: FaasmHost, req: CallRequest, n: number, inFlight: number) {
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next++ < n) {
      const r = await host.call(req);
      if (r.returnCode !== 0) throw new Error(`${req.func} failed: ${r.error}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return n / ((performance.now() - t0) / 1000);
}

async function richardsInHost(host: FaasmHost): Promise<number> {
  const r = await host.call({ user: 'python', func: 'bench_richards', input: Buffer.from('1') });
  const ms = /best ([\d.]+) ms/.exec(Buffer.from(r.output).toString())?.[1];
  if (r.returnCode !== 0 || !ms) throw new Error(`bench_richards failed: ${r.error ?? r.stderr}`);
  return Number(ms);
}

/**
 * Richards on the three sides, interleaved round by round so machine noise hits all of them.
 * Each round: one warm host call running Richards once, one native process and one pyodide
 * process each running it twice (the first run of a process warms it and is dropped).
 */
async function richards(host: FaasmHost, python: string) {
  const wasm: number[] = [];
  const native: number[] = [];
  const pyodide: number[] = [];
  const pyodideFirst: number[] = [];
  await richardsInHost(host); // the host's first Richards call compiles what it runs
  for (let i = 0; i < rounds; i++) {
    wasm.push(await richardsInHost(host));
    native.push((await richardsNative(python, 2))[1]!);
    const p = await richardsPyodide(2);
    pyodide.push(p.runs[1]!);
    pyodideFirst.push(p.firstCallMs);
  }
  return { wasm, native, pyodide, pyodideFirst };
}

async function hostFigures(results: Map<string, LayerResult>, python: string) {
  const functions = await mkdtemp(join(tmpdir(), 'fp-bench-fn-'));
  await stageFunctionDir(join(REPO_ROOT, 'func', 'python'), functions, 'python');
  const hello: CallRequest = { user: 'python', func: 'hello' };
  const wasmPath = join(results.get('func')!.dir, 'py_func.wasm');
  const runtimeRoot = results.get('root')!.dir;
  const snapshotDir = join(defaultCacheDir(), 'snapshots');
  // First calls, each in a new process: with no stored zygote snapshot, then with one.
  const firstCall = async (snapshots: string) => {
    const args = ['--import', 'tsx', FIRST_CALL, wasmPath, runtimeRoot, functions, snapshots];
    const { stdout } = await exec(process.execPath, args, { cwd: REPO_ROOT });
    return (JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number }).ms;
  };
  const cold: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < 3; i++) {
    const empty = await mkdtemp(join(tmpdir(), 'fp-bench-snap-'));
    cold.push(await firstCall(empty));
    await rm(empty, { recursive: true, force: true });
    stored.push(await firstCall(snapshotDir));
  }
  const host = await FaasmHost.load({
    wasmPath,
    runtimeRoot,
    functionsDir: functions,
    snapshotDir,
    pool: !values['no-pool'],
  });
  try {
    const first = await host.call(hello);
    if (first.returnCode !== 0) throw new Error(`hello failed: ${first.error}`);
    // A warm host is one that has served calls: V8 tiers the functions a call runs up to its
    // optimising compiler over the first few hundred calls, on threads of its own that the
    // CPU figure would otherwise count. First calls are measured above, in new processes.
    for (let i = 0; i < WARM_UP_CALLS; i++) await host.call(hello);
    const warm: number[] = [];
    // CPU time of the whole process (host and workers) per call: what a loaded machine's wall
    // clock hides.
    const warmCpu: number[] = [];
    for (let i = 0; i < (values.quick ? 100 : 300); i++) {
      const s = performance.now();
      const c = process.cpuUsage();
      const r = await host.call(hello);
      if (r.returnCode !== 0) throw new Error(`hello failed: ${r.error}`);
      warm.push(performance.now() - s);
      const d = process.cpuUsage(c);
      warmCpu.push((d.user + d.system) / 1000);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rss = process.memoryUsage().rss / 2 ** 20;
    const perSecond2 = await throughput(host, hello, 100, 2);
    const perSecond8 = await throughput(host, hello, 100, 8);
    const rich = await richards(host, python);

    console.log('\n## calls through the Faasm host');
    row(
      'first call, new process, zygote (best / median)',
      `${best(cold).toFixed(0)} / ${median(cold).toFixed(0)} ms`,
    );
    row(
      'first call, new process, stored snapshot',
      `${best(stored).toFixed(0)} / ${median(stored).toFixed(0)} ms`,
    );
    row(
      `hello, warm host (${warm.length} calls after ${WARM_UP_CALLS})`,
      `p50 ${quantile(warm, 0.5).toFixed(2)} ms, p99 ${quantile(warm, 0.99).toFixed(2)} ms`,
    );
    row('hello, warm host, CPU per call (p50)', `${median(warmCpu).toFixed(1)} ms`);
    row(
      'hello throughput, 2 / 8 in flight',
      `${perSecond2.toFixed(0)} / ${perSecond8.toFixed(0)} calls/s`,
    );
    row('host RSS, idle after warm calls', `${rss.toFixed(0)} MB`);
    console.log(`\n## Richards, ${rounds} interleaved rounds (best / median, ms)`);
    row(
      'wasm (py_func in the host)',
      `${best(rich.wasm).toFixed(1)} / ${median(rich.wasm).toFixed(1)}`,
    );
    row(
      'native build Python',
      `${best(rich.native).toFixed(1)} / ${median(rich.native).toFixed(1)}`,
    );
    row(
      'pyodide (npm, own process)',
      `${best(rich.pyodide).toFixed(1)} / ${median(rich.pyodide).toFixed(1)}`,
    );
    row(
      'wasm / native, wasm / pyodide (best)',
      `${(best(rich.wasm) / best(rich.native)).toFixed(2)}x, ${(best(rich.wasm) / best(rich.pyodide)).toFixed(2)}x`,
    );
    row('pyodide first call (loadPyodide + print)', `${best(rich.pyodideFirst).toFixed(0)} / ${median(rich.pyodideFirst).toFixed(0)}`); // prettier-ignore
    return {
      warm_call_p50_ms: round1(quantile(warm, 0.5)),
      warm_call_p99_ms: round1(quantile(warm, 0.99)),
      first_call_ms: Math.round(median(stored)),
      calls_per_s_2: round1(perSecond2),
      calls_per_s_8: round1(perSecond8),
      richards_wasm_ms: round1(best(rich.wasm)),
      richards_native_ms: round1(best(rich.native)),
      richards_pyodide_ms: round1(best(rich.pyodide)),
      pyodide_first_call_ms: Math.round(median(rich.pyodideFirst)),
      host_rss_idle_mb: Math.round(rss),
    };
  } finally {
    await host.close();
    await rm(functions, { recursive: true, force: true });
  }
}

/** What each module adds: bytes in the runtime root + bytes linked into py_func.wasm. */
async function moduleSizes(results: Map<string, LayerResult>, linked: Record<string, number>) {
  const modulesJson = join(results.get('modules')!.dir, 'modules.json');
  const { modules } = JSON.parse(await readFile(modulesJson, 'utf8')) as {
    modules: Array<{ name: string; status: string; bytes: number; extensions: string[] }>;
  };
  for (const m of modules.filter((x) => x.status === 'ok')) {
    const code = m.extensions.reduce((sum, e) => sum + (linked[`${e}.a`] ?? 0), 0);
    row(`  module ${m.name}`, `${formatBytes(m.bytes)} + ${formatBytes(code)} linked`);
  }
}

/** The runtime named by --func/--root/--native, as the layer results the figures read. */
async function givenRuntime(): Promise<Map<string, LayerResult>> {
  const [func, root, native] = [values.func, values.root, values.native];
  if (!func || !root || !native) throw new Error('--func, --root and --native go together');
  const given = (dir: string, size = 0) => ({ dir, size }) as LayerResult;
  return new Map([
    ['func', given(func)],
    ['root', given(root, await treeSize(root))],
    ['native', given(join(native, '..', '..'))],
  ]);
}

async function main(): Promise<void> {
  console.log(`# faasm-python bench (load average ${load()})`);
  const givenPaths = Boolean(values.func || values.root || values.native);
  const cold = values.quick || givenPaths ? undefined : await coldBuild();
  const warmS = givenPaths ? undefined : await timedBuild(defaultCacheDir());
  const results = givenPaths
    ? await givenRuntime()
    : await runLayers(
        selectLayers(pipeline, DEFAULT_TARGETS),
        { repoRoot: REPO_ROOT, cacheDir: defaultCacheDir(), noCache: false, jobs: 2, experimental: false, verbose: false }, // prettier-ignore
        { reporter: quiet },
      );
  if (warmS !== undefined) {
    console.log('\n## builds');
    row('warm `faasm-python build` (nothing changed)', `${warmS.toFixed(1)} s`);
  }
  const func = JSON.parse(await readFile(join(results.get('func')!.dir, 'func.json'), 'utf8'));
  const pyFuncBytes = func.size as number;
  const rootBytes = results.get('root')!.size;
  console.log('\n## sizes');
  row('py_func.wasm (stripped)', formatBytes(pyFuncBytes));
  row('runtime root (stdlib + site-packages)', formatBytes(rootBytes));
  if (results.has('modules'))
    await moduleSizes(results, func.linkedBytes as Record<string, number>);

  const cfg = await readCPythonConfig(REPO_ROOT);
  const host = await hostFigures(results, nativePython(results.get('native')!.dir, cfg.version));
  const figures: Figures = {
    ...host,
    ...(warmS === undefined ? {} : { warm_build_s: round1(warmS) }),
    ...(cold === undefined ? {} : { cold_build_s: Math.round(cold) }),
    py_func_bytes: pyFuncBytes,
    root_bytes: rootBytes,
  };
  console.log(`\n(load average at the end: ${load()})`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(figures, null, 2)}\n`);
}

await main();
