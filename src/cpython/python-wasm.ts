// Running a CPython wasm on the host's own WASI (src/runner/wasi) in a child process, with a
// private /tmp.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsxExport } from '../util/tsx.js';
import type { MountSpec } from '../runner/wasi/mounts.js';
import { ExecError } from '../util/errors.js';
import { exec } from '../util/exec.js';

// From the TypeScript sources the runner needs tsx; in an action bundle it is wasi-python.js.
/**
 * V8's stack limit for the child, in KiB. Wasm frames live on V8's own stack, whose default
 * limit (~1 MiB) is far below what CPython 3.13's C recursion limit for WASI assumes (wasmtime's
 * 8 MiB, Tools/wasm): deep recursion (test_dict, test_json, test_copy...) died with "Maximum call
 * stack size exceeded". The host's call workers get an 8 MiB stack (runner/host.ts); the child's
 * main thread has the OS's 8 MiB, so V8 may use 7 MiB of it and keep 1 MiB for its own frames.
 */
const V8_STACK_KB = 7 * 1024;

const RUNNER = fileURLToPath(new URL('./wasi-python.js', import.meta.url));
const FROM_SOURCES = import.meta.url.endsWith('.ts');

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Module compile and run times reported by the runner, in ms. */
  compileMs: number;
  runMs: number;
  /** Killed after `timeoutMs`. */
  timedOut: boolean;
}

export interface PythonRunOptions {
  /** Log file for the exec helper. */
  log?: string;
  /** Extra guest environment (PYTHONHOME=/ is always set). */
  env?: Record<string, string>;
  /** Kill the run after this many ms (the result then has `timedOut`). */
  timeoutMs?: number;
}

/**
 * The child's command line: `process.execPath` with these arguments, and this environment
 * added. For runPythonWasm, and for a test that starts the child in a way of its own.
 */
export function pythonWasmCommand(
  wasm: string,
  mounts: readonly MountSpec[],
  args: readonly string[],
  guestEnv: Record<string, string> = {},
): { argv: string[]; env: Record<string, string> } {
  const runner = FROM_SOURCES ? RUNNER.replace(/\.js$/, '.ts') : RUNNER;
  const loader = FROM_SOURCES ? ['--import', pathToFileURL(tsxExport('.')).href] : [];
  return {
    argv: [
      '--no-warnings',
      `--stack-size=${V8_STACK_KB}`,
      ...loader,
      runner,
      wasm,
      JSON.stringify(mounts),
      ...args,
    ],
    env: { WASI_TIMING: '1', WASI_PYTHON_ENV: JSON.stringify(guestEnv) },
  };
}

/**
 * Runs a CPython wasm in a child process on the host's own WASI (src/runner/wasi). `root` is
 * the host directory the guest sees as `/`, a map of guest paths to host directories (all
 * read-only), or a full mount table. Unless the mounts name `/tmp`, the guest gets a private
 * writable one, removed afterwards: nothing a test runs writes into a cached layer.
 */
export async function runPythonWasm(
  wasm: string,
  root: string | Record<string, string> | MountSpec[],
  args: readonly string[],
  logOrOptions?: string | PythonRunOptions,
): Promise<PythonRun> {
  const opts = typeof logOrOptions === 'string' ? { log: logOrOptions } : (logOrOptions ?? {});
  const mounts: MountSpec[] = Array.isArray(root)
    ? [...root]
    : Object.entries(typeof root === 'string' ? { '/': root } : root).map(([guest, host]) => ({
        guest,
        host,
        readOnly: true,
      }));
  const tmp = mounts.some((m) => m.guest === '/tmp')
    ? undefined
    : await mkdtemp(join(tmpdir(), 'python-wasm-tmp-'));
  if (tmp) mounts.push({ guest: '/tmp', host: tmp, readOnly: false });
  const { argv, env } = pythonWasmCommand(wasm, mounts, args, opts.env);
  let result: { code: number; stdout: string; stderr: string };
  try {
    const run = { env, log: opts.log, tailLines: 40, timeoutMs: opts.timeoutMs };
    const r = await exec(process.execPath, argv, run);
    result = { code: 0, ...r };
  } catch (err) {
    if (!(err instanceof ExecError) || (err.exitCode === null && !err.timedOut)) throw err;
    result = { code: err.exitCode ?? -1, stdout: '', stderr: err.tail.join('\n') };
    if (err.timedOut) return { ...result, compileMs: NaN, runMs: NaN, timedOut: true };
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
  const timing = /wasi-timing compile=([\d.]+) run=([\d.]+)/.exec(result.stderr);
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr.replace(/wasi-timing .*\n?/, ''),
    compileMs: Number(timing?.[1] ?? NaN),
    runMs: Number(timing?.[2] ?? NaN),
    timedOut: false,
  };
}
