// `npm run bench`: prints the project's performance figures. Numbers, never assertions.
//   --warm-only   skip the cold build (use the default cache, building what is missing)
//   --runs N      repetitions for latency figures (default 5)
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runPythonWasm } from '../src/cpython/python-wasm.js';
import { runLayers } from '../src/layers/runner.js';
import type { BuildOptions, LayerResult, Reporter } from '../src/layers/types.js';
import { REPO_ROOT, cachePaths, defaultCacheDir } from '../src/paths.js';
import { pipeline } from '../src/pipeline.js';
import { stageFunctionDir } from '../src/runner/functions.js';
import { FaasmHost } from '../src/runner/host.js';
import { exec } from '../src/util/exec.js';
import { formatBytes, formatSeconds, treeSize } from '../src/util/fs.js';

const { values } = parseArgs({
  options: { 'warm-only': { type: 'boolean' }, runs: { type: 'string', default: '5' } },
});
const runs = Number(values.runs);

const quiet: Reporter = { start() {}, done() {}, info() {}, warn() {} };
const options = (cacheDir: string): BuildOptions => ({
  repoRoot: REPO_ROOT,
  cacheDir,
  noCache: false,
  jobs: 2,
  experimental: false,
  verbose: false,
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function row(label: string, value: string): void {
  console.log(`${label.padEnd(44)} ${value}`);
}

async function timedBuild(cacheDir: string) {
  const started = Date.now();
  const results = await runLayers(pipeline, options(cacheDir), { reporter: quiet });
  return { results, ms: Date.now() - started };
}

/** Sizes the modules add, py_func.wasm, and Python function latency through the Faasm host. */
async function functionFigures(results: Map<string, LayerResult>, runs: number): Promise<void> {
  const func = results.get('func')!;
  const modules = JSON.parse(
    await readFile(join(results.get('modules')!.dir, 'modules.json'), 'utf8'),
  );
  const info = JSON.parse(await readFile(join(func.dir, 'func.json'), 'utf8'));
  const linked = info.linkedBytes as Record<string, number>;
  console.log('\n## modules: bytes added to the runtime root + linked into py_func.wasm');
  for (const m of modules.modules as Array<{
    name: string;
    status: string;
    bytes: number;
    extensions: string[];
  }>) {
    if (m.status !== 'ok') continue;
    const code = m.extensions.reduce((sum, e) => sum + (linked[`${e}.a`] ?? 0), 0);
    row(`  ${m.name}`, `${formatBytes(m.bytes)} + ${formatBytes(code)}`);
  }
  console.log('\n## py_func.wasm: linked bytes by input (before strip)');
  for (const [name, bytes] of Object.entries(linked)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)) {
    row(`  ${name}`, formatBytes(bytes));
  }
  row('  runtime root (stdlib + site-packages)', formatBytes(results.get('root')!.size));
  row('  py_func.wasm (stripped of debug info)', formatBytes(info.size));

  const functions = await mkdtemp(join(tmpdir(), 'fp-bench-fn-'));
  await stageFunctionDir(join(REPO_ROOT, 'func', 'python'), functions, 'python');
  const t0 = performance.now();
  const host = await FaasmHost.load({
    wasmPath: join(func.dir, 'py_func.wasm'),
    runtimeRoot: results.get('root')!.dir,
    functionsDir: functions,
  });
  try {
    const first = await host.call({ user: 'python', func: 'hello' });
    const cold = performance.now() - t0;
    const warm: number[] = [];
    for (let i = 0; i < Math.max(runs, 10); i++) {
      const s = performance.now();
      const r = await host.call({ user: 'python', func: 'hello' });
      if (r.returnCode !== 0) throw new Error(`hello failed: ${r.error}`);
      warm.push(performance.now() - s);
    }
    console.log('\n## functions through the Faasm host (node:wasi)');
    row(
      '  hello, first call (load + compile + zygote)',
      `${cold.toFixed(0)} ms (rc ${first.returnCode})`,
    );
    row(`  hello, warm host (median of ${warm.length})`, `${median(warm).toFixed(1)} ms`);
    const rich = await host.call({
      user: 'python',
      func: 'bench_richards',
      input: Buffer.from(String(runs)),
    });
    const wasmBest = /best ([\d.]+) ms/.exec(Buffer.from(rich.output).toString())?.[1];
    const native = await exec(
      join(results.get('native')!.dir, 'bin', 'python3.11'),
      [
        '-c',
        `import sys; sys.argv=['richards']; import pyfaasm.core as c; c.set_local_input_output(True); c.set_local_input(b'${runs}'); ` +
          `import runpy; m = runpy.run_path('${join(REPO_ROOT, 'func/python/bench_richards.py')}'); m['faasm_main'](); print(c.get_output().decode())`,
      ],
      { env: { PYTHONPATH: join(REPO_ROOT, 'pyfaasm') } },
    );
    const nativeBest = /best ([\d.]+) ms/.exec(native.stdout)?.[1];
    row(`  richards, best of ${runs}: wasm`, `${wasmBest} ms`);
    row(`  richards, best of ${runs}: native build Python`, `${nativeBest} ms`);
    row('  wasm / native', `${(Number(wasmBest) / Number(nativeBest)).toFixed(2)}x`);
  } finally {
    await host.close();
    await rm(functions, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const mainCache = defaultCacheDir();
  let cacheDir = mainCache;
  console.log('# faasm-python bench');
  if (!values['warm-only']) {
    // A cold build in an empty cache; sources are copied in so downloads are not measured.
    cacheDir = await mkdtemp(join(tmpdir(), 'fp-bench-'));
    await cp(cachePaths(mainCache).sources, cachePaths(cacheDir).sources, {
      recursive: true,
    }).catch(() => {});
    const cold = await timedBuild(cacheDir);
    console.log('\n## cold build (empty layer cache, sources present)');
    for (const r of cold.results.values())
      row(`  ${r.name}`, `${formatSeconds(r.ms)}  ${formatBytes(r.size)}`);
    row('  total', formatSeconds(cold.ms));
  }
  const warm = await timedBuild(cacheDir);
  const results: Map<string, LayerResult> = warm.results;
  console.log('\n## warm rebuild (nothing changed)');
  row(
    '  total',
    `${formatSeconds(warm.ms)} (${[...results.values()].filter((r) => r.status !== 'built').length}/${results.size} layers from cache)`,
  );

  const wasmDir = results.get('wasm')!.dir;
  const info = JSON.parse(await readFile(join(wasmDir, 'build.json'), 'utf8'));
  console.log('\n## sizes');
  row('  python.wasm as built', formatBytes(info.pythonWasmBytesUnstripped));
  row('  python.wasm stripped', formatBytes(info.pythonWasmBytes));
  row('  stdlib (lib/python3.11, pruned)', formatBytes(info.stdlibBytes));
  row('  libpython3.11.a', formatBytes(await treeSize(join(wasmDir, 'lib', 'libpython3.11.a'))));

  console.log(`\n## latency (median of ${runs})`);
  const wasm = join(wasmDir, 'bin', 'python.wasm');
  const samples = { total: [] as number[], compile: [] as number[], run: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await runPythonWasm(wasm, wasmDir, ['-c', 'print(1)']);
    samples.total.push(performance.now() - t0);
    samples.compile.push(r.compileMs);
    samples.run.push(r.runMs);
  }
  row('  python.wasm -c "print(1)" (node process)', `${median(samples.total).toFixed(0)} ms`);
  row('    of which module compile', `${median(samples.compile).toFixed(0)} ms`);
  row('    of which instantiate + run', `${median(samples.run).toFixed(0)} ms`);

  await functionFigures(results, runs);
  if (cacheDir !== mainCache) await rm(cacheDir, { recursive: true, force: true });
}

await main();
