// The pyodide side of the bench, in its own node process (so no V8 flag the host sets reaches
// it), loaded offline from node_modules/pyodide. argv: <richards_driver.py> <bench_richards.py>
// <runs>. Prints {"firstCallMs": load + a first print, "runs": [ms, ...]} as one JSON line.
import { readFile } from 'node:fs/promises';
import { loadPyodide } from 'pyodide';

const [driver, bench, runs] = process.argv.slice(2);
const t0 = performance.now();
const py = await loadPyodide({ stdout: () => {}, stderr: () => {} });
py.runPython('print("hello")');
const firstCallMs = performance.now() - t0;
py.FS.writeFile('/home/pyodide/richards_driver.py', await readFile(driver, 'utf8'));
const mod = py.pyimport('richards_driver');
const ns = mod.load(await readFile(bench, 'utf8'));
// Each run enters the interpreter afresh from JS, as each host call does on the wasm side.
const runOnce = () => mod.run_once(ns);
const times = [];
for (let i = 0; i < Number(runs); i++) times.push(runOnce());
process.stdout.write(`${JSON.stringify({ firstCallMs, runs: times })}\n`);
process.exit(0);
