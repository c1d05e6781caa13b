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

  if (cacheDir !== mainCache) await rm(cacheDir, { recursive: true, force: true });
}

await main();
