// One side of one round of scripts/bench/richards-ab.ts, in a process of its own so that it
// can have V8 flags of its own (RICHARDS_V8_FLAGS, set as the host would set them: a worker
// refuses V8 flags in its execArgv). argv: <py_func.wasm> <runtime root> <functions dir>
// <snapshot dir> <warm calls> <calls> <runs per call>. Loads a host, makes the warm calls (the
// first compiles what Richards runs), then the measured ones, and prints one JSON line:
// {firstCallMs: load + the first call, ms: [best run of each call], cpuMs: [CPU per run]}.
import { setFlagsFromString } from 'node:v8';
import { FaasmHost } from '../../src/runner/host.js';

const [wasmPath, runtimeRoot, functionsDir, snapshotDir, warm, calls, runs] = process.argv.slice(2);

for (const f of (process.env.RICHARDS_V8_FLAGS ?? '').split(' ').filter(Boolean))
  setFlagsFromString(f);
const t0 = performance.now();
const host = await FaasmHost.load({
  wasmPath: wasmPath!,
  runtimeRoot: runtimeRoot!,
  functionsDir: functionsDir!,
  snapshotDir: snapshotDir!,
});

/** One call running Richards `n` times; the best run's ms. */
async function richards(n: number): Promise<number> {
  const input = Buffer.from(String(n));
  const r = await host.call({ user: 'python', func: 'bench_richards', input });
  const ms = /best ([\d.]+) ms/.exec(Buffer.from(r.output).toString())?.[1];
  if (r.returnCode !== 0 || !ms) throw new Error(`bench_richards failed: ${r.error ?? r.stderr}`);
  return Number(ms);
}

await richards(1);
const firstCallMs = performance.now() - t0;
for (let i = 1; i < Number(warm); i++) await richards(1);
const ms: number[] = [];
const cpuMs: number[] = [];
for (let i = 0; i < Number(calls); i++) {
  // The process's CPU time too: on a loaded machine it moves less than the wall clock (the
  // host's threads are idle while the worker runs Richards).
  const c = process.cpuUsage();
  ms.push(await richards(Number(runs)));
  const d = process.cpuUsage(c);
  cpuMs.push((d.user + d.system) / 1000 / Number(runs));
}
await host.close();
process.stdout.write(`${JSON.stringify({ firstCallMs, ms, cpuMs })}\n`);
