// Running regrtest one module at a time on the wasm or native interpreter.
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPythonWasm } from '../cpython/python-wasm.js';
import { ExecError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import type { Platform } from './data.js';
import { type ModuleOutcome, parseModuleOutput } from './parse.js';

/** regrtest's arguments for one module: verbose, so unittest prints its counts and failures. */
export function regrtestArgs(module: string, tempdir: string): string[] {
  return ['-m', 'test', '--tempdir', tempdir, '-v', module];
}

/** One way to run a test module: the wasm test build under the WASI host, or native CPython. */
export interface Interpreter {
  platform: Platform;
  /** Runs the module, output appended to `log`; 'timeout' when it was killed. */
  run(module: string, scratch: string, log: string, timeoutMs: number): Promise<number | 'timeout'>;
}

/**
 * The wasm test build (`wasm-tests` layer) under the host's own WASI layer, as functions run:
 * the layer is the guest's read-only `/` (its stdlib is the runtime's, plus Lib/test), and a
 * scratch directory of its own is a writable `/tmp`.
 */
export function wasmInterpreter(layerDir: string): Interpreter {
  return {
    platform: 'wasm',
    async run(module, scratch, log, timeoutMs) {
      const wasm = join(layerDir, 'bin', 'python.wasm');
      const mounts = [
        { guest: '/', host: layerDir, readOnly: true },
        { guest: '/tmp', host: scratch, readOnly: false },
      ];
      const args = regrtestArgs(module, '/tmp');
      const r = await runPythonWasm(wasm, mounts, args, { log, timeoutMs });
      return r.timedOut ? 'timeout' : r.code;
    },
  };
}

/** Native CPython of the same version with its test modules (`native-tests` layer). */
export function nativeInterpreter(python: string): Interpreter {
  return {
    platform: 'native',
    async run(module, scratch, log, timeoutMs) {
      const opts = { cwd: scratch, env: { TMPDIR: scratch }, log, timeoutMs };
      try {
        await exec(python, regrtestArgs(module, scratch), opts);
        return 0;
      } catch (err) {
        if (!(err instanceof ExecError)) throw err;
        return err.timedOut ? 'timeout' : (err.exitCode ?? -1);
      }
    },
  };
}

export interface ModuleRun {
  module: string;
  outcome: ModuleOutcome;
  ms: number;
  log: string;
  /** The first run's outcome, when the module was run a second time (see runModules). */
  firstTry?: ModuleOutcome;
}

/** Runs one module in its own process with a private scratch directory, and parses the output. */
export async function runModule(
  interp: Interpreter,
  module: string,
  logDir: string,
  timeoutMs: number,
): Promise<ModuleRun> {
  const log = join(logDir, `${module}.log`);
  await rm(log, { force: true });
  const scratch = await mkdtemp(join(tmpdir(), `regrtest-${module}-`));
  const t0 = performance.now();
  try {
    const exit = await interp.run(module, scratch, log, timeoutMs);
    const output = await readFile(log, 'utf8').catch(() => '');
    return {
      module,
      outcome: parseModuleOutput(module, output, exit),
      ms: performance.now() - t0,
      log,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs the modules `jobs` at a time, in the given order; `onDone` sees each as it finishes. */
export async function runModules(
  interp: Interpreter,
  modules: readonly string[],
  opts: {
    logDir: string;
    timeoutMs: number;
    jobs: number;
    onDone?: (r: ModuleRun) => void;
    /**
     * Runs a module once more when this says so of its first run, as CPython's own buildbots
     * re-run failed tests (regrtest -w): the report keeps both outcomes and the first log.
     */
    rerun?: (r: ModuleRun) => boolean;
  },
): Promise<ModuleRun[]> {
  await mkdir(opts.logDir, { recursive: true });
  const results = new Map<string, ModuleRun>();
  let next = 0;
  const worker = async () => {
    while (next < modules.length) {
      const module = modules[next++]!;
      let r = await runModule(interp, module, opts.logDir, opts.timeoutMs);
      if (opts.rerun?.(r)) {
        const firstLog = r.log.replace(/\.log$/, '.first.log');
        await rename(r.log, firstLog).catch(() => undefined);
        r = {
          ...(await runModule(interp, module, opts.logDir, opts.timeoutMs)),
          firstTry: r.outcome,
        };
      }
      results.set(module, r);
      opts.onDone?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, modules.length) }, worker));
  return modules.map((m) => results.get(m)!);
}
