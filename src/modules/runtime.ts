import { fileURLToPath } from 'node:url';
import { exec } from '../util/exec.js';
import { ExecError } from '../util/errors.js';

const RUNNER = fileURLToPath(new URL('./wasi-modules.mjs', import.meta.url));

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
  try {
    const r = await exec(
      process.execPath,
      ['--no-warnings', RUNNER, wasm, JSON.stringify(preopens), ...args],
      {
        log,
        tailLines: 40,
      },
    );
    return { code: 0, ...r };
  } catch (err) {
    if (!(err instanceof ExecError) || err.exitCode === null) throw err;
    return { code: err.exitCode, stdout: '', stderr: err.tail.join('\n') };
  }
}
