// Richards outside the host, for the bench's anchors: the native build Python, and pyodide from
// npm in a process of its own (so no V8 flag the host sets reaches it). Used by scripts/bench.ts
// and scripts/bench/richards-ab.ts.
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { exec } from '../../src/util/exec.js';

export const RICHARDS = join(REPO_ROOT, 'func', 'python', 'bench_richards.py');
const DRIVER = join(REPO_ROOT, 'scripts', 'bench', 'richards_driver.py');
const PYODIDE = join(REPO_ROOT, 'scripts', 'bench', 'pyodide-richards.mjs');

/** `runs` Richards runs in one new process of `python`; each run's ms. */
export async function richardsNative(python: string, runs: number): Promise<number[]> {
  const { stdout } = await exec(python, [DRIVER, RICHARDS, String(runs)]);
  return JSON.parse(stdout) as number[];
}

/** `runs` Richards runs in one new pyodide process; its first call (load + print) and each run. */
export async function richardsPyodide(runs: number) {
  const { stdout } = await exec(process.execPath, [PYODIDE, DRIVER, RICHARDS, String(runs)], {
    cwd: REPO_ROOT,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { firstCallMs: number; runs: number[] };
}
