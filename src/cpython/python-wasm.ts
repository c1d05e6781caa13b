import { fileURLToPath } from 'node:url';
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
 * Runs the wasm layer's python.wasm under node:wasi in a child process, with `root` as the
 * guest's `/`. Used to check the build inside the real wasm runtime.
 */
export async function runPythonWasm(
  wasm: string,
  root: string,
  args: string[],
): Promise<PythonRun> {
  const argv = ['--no-warnings', RUNNER, wasm, root, ...args];
  const result = await exec(process.execPath, argv, { env: { WASI_TIMING: '1' } }).then(
    (r) => ({ ...r, code: 0 }),
    (err: { exitCode?: number | null; tail?: string[] }) => {
      if (typeof err.exitCode !== 'number') throw err;
      return { stdout: '', stderr: (err.tail ?? []).join('\n'), code: err.exitCode };
    },
  );
  const timing = /wasi-timing compile=([\d.]+) run=([\d.]+)/.exec(result.stderr);
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr.replace(/wasi-timing .*\n?/, ''),
    compileMs: Number(timing?.[1] ?? NaN),
    runMs: Number(timing?.[2] ?? NaN),
  };
}
