// Richards in the host for several runtimes side by side, interleaved with native and pyodide
// so that machine noise hits every side: the harness for build-flag and V8-flag experiments
// (docs/performance.md, "Steady-state speed"). Numbers, never assertions.
//   node --import tsx scripts/bench/richards-ab.ts --root DIR --native PYTHON \
//     [--rounds N] [--warm N] [--calls N] [--runs N] [--no-anchors] \
//     NAME=PY_FUNC.WASM[@V8FLAG,V8FLAG...] ...
// Each round, each variant is a new process (its V8 flags apply to it alone) holding a host
// that makes --warm Richards calls, then --calls measured ones of --runs runs each (the round's
// figure is their best); then one native and one pyodide process run Richards --runs + 1 times
// (the first warms them and is dropped); the variants' order rotates by round. A variant's snapshot dir is kept across rounds, so
// its first call from round 2 on starts from the stored snapshot.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../src/paths.js';
import { stageFunctionDir } from '../../src/runner/functions.js';
import { exec } from '../../src/util/exec.js';
import { richardsNative, richardsPyodide } from './anchors.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string' },
    native: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    warm: { type: 'string', default: '3' },
    calls: { type: 'string', default: '2' },
    runs: { type: 'string', default: '1' },
    'no-anchors': { type: 'boolean' },
  },
});
const HOST = join(REPO_ROOT, 'scripts', 'bench', 'richards-host.ts');

interface Variant {
  name: string;
  wasm: string;
  v8: string[];
  snapshots: string;
  bytes: number;
  /** Per round: the best run's ms, the least CPU per run, load + first call. */
  ms: number[];
  cpu: number[];
  first: number[];
}

async function variant(spec: string): Promise<Variant> {
  const [name, rest] = spec.split(/=(.*)/s) as [string, string?];
  if (!rest) throw new Error(`a variant is NAME=PY_FUNC.WASM[@flags], not ${spec}`);
  const [wasm, flags = ''] = rest.split('@') as [string, string?];
  const v8 = flags ? flags.split(',').map((f) => (f.startsWith('--') ? f : `--${f}`)) : [];
  return {
    name: `${name}${v8.length ? ` (${v8.join(' ')})` : ''}`,
    wasm,
    v8,
    snapshots: await mkdtemp(join(tmpdir(), 'fp-richards-snap-')),
    bytes: (await stat(wasm)).size,
    ms: [],
    cpu: [],
    first: [],
  };
}

async function round(v: Variant, functions: string): Promise<void> {
  const args = [v.wasm, values.root!, functions, v.snapshots, values.warm!, values.calls!, values.runs!]; // prettier-ignore
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', HOST, ...args], {
    cwd: REPO_ROOT,
    env: { RICHARDS_V8_FLAGS: v.v8.join(' ') },
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
    firstCallMs: number;
    ms: number[];
    cpuMs: number[];
  };
  v.ms.push(best(r.ms));
  v.cpu.push(best(r.cpuMs));
  v.first.push(r.firstCallMs);
}

const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `${best(xs).toFixed(1)} / ${median(xs).toFixed(1)}`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  if (!values.root || !values.native || positionals.length === 0)
    throw new Error('usage: --root DIR --native PYTHON NAME=PY_FUNC.WASM[@flags] ...');
  const functions = await mkdtemp(join(tmpdir(), 'fp-richards-fn-'));
  await stageFunctionDir(join(REPO_ROOT, 'func', 'python'), functions, 'python');
  const variants = await Promise.all(positionals.map(variant));
  console.log(`# load average ${load()}`);
  const native: number[] = [];
  const pyodide: number[] = [];
  const runs = Number(values.runs) + 1;
  for (let r = 0; r < Number(values.rounds); r++) {
    // Each round starts with the next variant, so no variant always runs right after pyodide.
    for (let i = 0; i < variants.length; i++)
      await round(variants[(r + i) % variants.length]!, functions);
    if (values['no-anchors']) continue;
    native.push(best((await richardsNative(values.native, runs)).slice(1)));
    pyodide.push(best((await richardsPyodide(runs)).runs.slice(1)));
  }
  console.log(`Richards, ${values.rounds} interleaved rounds (best / median over rounds, ms)`);
  const [base] = variants;
  for (const v of variants) {
    const vs = native.length ? ` = ${(best(v.ms) / best(native)).toFixed(2)}x native, ${(best(v.ms) / best(pyodide)).toFixed(2)}x pyodide` : ''; // prettier-ignore
    // Paired by round with the first variant: a round's noise hits both.
    const paired = v === base ? '' : `; CPU / ${base!.name}'s, per round: median ${median(v.cpu.map((c, i) => c / base!.cpu[i]!)).toFixed(3)}`; // prettier-ignore
    console.log(`  ${v.name}: ${fmt(v.ms)}${vs}; CPU per run ${fmt(v.cpu)}${paired}; load + first call ${fmt(v.first)}; ${v.bytes} bytes`); // prettier-ignore
  }
  if (native.length) console.log(`  native: ${fmt(native)}\n  pyodide: ${fmt(pyodide)}`);
  console.log(`# load average ${load()}`);
  const all = variants.map(({ name, bytes, ms, cpu, first }) => ({ name, bytes, ms, cpu, first }));
  console.log(JSON.stringify({ variants: all, native, pyodide }));
  await rm(functions, { recursive: true, force: true });
  for (const v of variants) await rm(v.snapshots, { recursive: true, force: true });
}

await main();
