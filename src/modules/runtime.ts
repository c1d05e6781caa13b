// Running Python code on the modules' test interpreter (python.wasm with site-packages mounted).
import { runPythonWasm } from '../cpython/python-wasm.js';

export interface ModulesRun {
  code: number;
  stdout: string;
  stderr: string;
}

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
  const { code, stdout, stderr } = await runPythonWasm(wasm, preopens, args, log);
  return { code, stdout, stderr };
}
