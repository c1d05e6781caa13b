import { fileURLToPath } from 'node:url';
import { ExecError } from '../util/errors.js';
import { exec } from '../util/exec.js';

const RUNNER = fileURLToPath(new URL('./wasi-python.mjs', import.meta.url));

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Module compile and run times reported by the runner, in ms. */
  compileMs: number;
  runMs: number;
}

/**
 * Runs a CPython wasm under node:wasi in a child process. `root` is the host directory the guest
 * sees as `/`, or a map of guest paths to host directories. Used to check builds inside the
 * real wasm runtime.
 */
export async function runPythonWasm(
  wasm: string,
  root: string | Record<string, string>,
  args: readonly string[],
  log?: string,
): Promise<PythonRun> {
  const preopens = typeof root === 'string' ? { '/': root } : root;
  const argv = ['--no-warnings', RUNNER, wasm, JSON.stringify(preopens), ...args];
  let result: { code: number; stdout: string; stderr: string };
  try {
    const r = await exec(process.execPath, argv, { env: { WASI_TIMING: '1' }, log, tailLines: 40 });
    result = { code: 0, ...r };
  } catch (err) {
    if (!(err instanceof ExecError) || err.exitCode === null) throw err;
    result = { code: err.exitCode, stdout: '', stderr: err.tail.join('\n') };
  }
  const timing = /wasi-timing compile=([\d.]+) run=([\d.]+)/.exec(result.stderr);
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr.replace(/wasi-timing .*\n?/, ''),
    compileMs: Number(timing?.[1] ?? NaN),
    runMs: Number(timing?.[2] ?? NaN),
  };
}
