// Running Python code on the modules' test interpreter (python.wasm with site-packages mounted).
import { runPythonWasm } from '../cpython/python-wasm.js';

export interface ModulesRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A recipe's test is a smoke test of seconds (numpy's import and a few calls): one still running
 * after this has hung, and fails the module rather than the build waiting for ever. (A wasm
 * child was once seen to hang at exit after its guest trapped.)
 */
const TEST_TIMEOUT_MS = 600_000;

/**
 * Runs Python inside the wasm runtime: `wasm` (a python-modules.wasm) with the wasm layer's tree
 * as the guest's `/` and the modules' site-packages mounted at its place in the stdlib, so a
 * test sees exactly the runtime root Faasm would, without copying the stdlib.
 */
export async function runModulesPython(
  wasm: string,
  wasmRoot: string,
  sitePackages: string,
  pythonDir: string,
  args: readonly string[],
  log?: string,
): Promise<ModulesRun> {
  const preopens = { '/': wasmRoot, [`/lib/${pythonDir}/site-packages`]: sitePackages };
  const r = await runPythonWasm(wasm, preopens, args, { log, timeoutMs: TEST_TIMEOUT_MS });
  if (r.timedOut) {
    const why = `killed after ${TEST_TIMEOUT_MS / 1000} s without finishing`;
    return { code: -1, stdout: r.stdout, stderr: `${r.stderr.trim()}\n(${why})`.trim() };
  }
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}
