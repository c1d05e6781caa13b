// `faasm-python run`: runs a Python function on the local Faasm host, as Faasm would.
import { rmSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stageFunction } from '../runner/functions.js';
import { BUDGETS, budgetHelp, budgetOptions, limitsFromFlags } from '../runner/budgets.js';
import { onInterrupt } from '../runner/exit-cleanup.js';
import { FaasmHost } from '../runner/host.js';
import { defaultLimits, type CallResult, type HostLimits } from '../runner/types.js';
import { readBoundedFile } from '../util/input-file.js';
import { parseVm } from '../faasm/profile.js';
import { checkConfFlags } from '../runner/host-interface.js';
import { UsageError, UserError } from '../util/errors.js';
import { removeTree } from '../util/fs.js';
import { quietReporter } from '../layers/reporter.js';
import { cachePaths } from '../paths.js';
import { pipeline } from '../pipeline.js';
import { resolveRuntime } from '../runtime/resolve.js';
import { buildOptionSpec, buildOptions, stringOption } from './common.js';
import type { Command, Values } from './types.js';

/** Where py_func.wasm and the runtime root are; explicit until the pipeline provides them. */
export interface RuntimePaths {
  wasm: string;
  root: string;
  /** Where zygote snapshots are kept: for a runtime from the layer cache (its root names its content). */
  snapshotDir?: string;
}

/**
 * --wasm/--root (or FAASM_PYTHON_FUNC_WASM/FAASM_PYTHON_RUNTIME_ROOT) when given, else the
 * runtime from the layer cache, built first if it is missing.
 */
export async function runtimeFromOptions(
  values: Values,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RuntimePaths> {
  const wasm = stringOption(values, 'wasm') ?? env.FAASM_PYTHON_FUNC_WASM;
  const root = stringOption(values, 'root') ?? env.FAASM_PYTHON_RUNTIME_ROOT;
  if (wasm && root) return { wasm, root };
  if (wasm || root) {
    throw new UsageError('Give both --wasm and --root, or neither to use the built runtime.');
  }
  const opts = buildOptions(values);
  const runtime = await resolveRuntime(pipeline, opts, quietReporter());
  return {
    wasm: runtime.wasm,
    root: runtime.root,
    snapshotDir: cachePaths(opts.cacheDir).snapshots,
  };
}

function parseConf(values: Values): Record<string, number> {
  const raw = values.conf;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const flags: Record<string, number> = {};
  for (const item of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(String(item));
    if (!m)
      throw new UsageError(
        `--conf takes KEY=NUMBER (for example PYTHON_PRELOAD=1), not '${item}'.`,
      );
    flags[m[1]!] = Number(m[2]);
  }
  // Only what Faasm lets a deployment set, refused before the runtime is built.
  checkConfFlags(flags);
  return flags;
}

function byteLimit(values: Values, option: string, limit: keyof HostLimits): Partial<HostLimits> {
  const raw = stringOption(values, option);
  if (raw === undefined) return {};
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${option} takes a number of bytes, not '${raw}'.`);
  return { [limit]: n };
}

async function readInput(values: Values, maxBytes: number): Promise<Uint8Array> {
  const text = stringOption(values, 'input');
  const file = stringOption(values, 'input-file');
  if (text !== undefined && file !== undefined)
    throw new UsageError('Give --input or --input-file, not both.');
  // Bytes that are not UTF-8 reach process.argv as U+FFFD: refuse them rather than change them.
  if (text?.includes('\uFFFD')) {
    throw new UsageError(
      '--input holds bytes that are not UTF-8 (or U+FFFD itself); pass such input with --input-file FILE.',
    );
  }
  if (file === undefined) return Buffer.from(text ?? '', 'utf8');
  return readBoundedFile(file, maxBytes, 'the input file', BUDGETS.input.flag);
}

/** Runs the call and prints its result; the exit code. */
async function runOne(
  host: FaasmHost,
  values: Values,
  call: { user: string; func: string; input: Uint8Array },
): Promise<number> {
  const entry = stringOption(values, 'entry');
  const r = await host.call({ ...call, entry });
  if (values.json === true) {
    console.log(resultJson(r));
  } else {
    if (r.stdout) process.stderr.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    if (r.output.length) process.stdout.write(r.output);
    if (r.error) console.error(`error: ${r.error}`);
  }
  return Math.min(Math.max(r.returnCode, 0), 255) || (r.returnCode === 0 ? 0 : 1);
}

/** The call as JSON: output as text when it is UTF-8, else base64. */
export function resultJson(r: CallResult): string {
  const out = Buffer.from(r.output);
  const text = out.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(out);
  return JSON.stringify(
    {
      returnCode: r.returnCode,
      output: isText ? text : out.toString('base64'),
      outputEncoding: isText ? 'utf8' : 'base64',
      stdout: r.stdout,
      stderr: r.stderr,
      ms: Math.round(r.ms),
      ...(r.error ? { error: r.error } : {}),
    },
    null,
    2,
  );
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a Python function in the wasm runtime, as Faasm would',
  usage: `Usage: faasm-python run <file.py | user/func> [options]

Runs the function's faasm_main() (or --entry, as a chained call would) in py_func.wasm on a
Faasm host in this process, prints the function's output and exits with its return code. The
function's own stdout and stderr go to stderr. The function sees the runtime root (read-only),
its own directory at /pyfuncs/<user>/<func> (read-only) and a private /tmp, nothing else; a
call that goes over a budget fails with a sentence naming the flag that raises it.

  file.py            a function file, run as local/<name>
  user/func          <functions dir>/<user>/<func>/function.py

Options:
  --input TEXT       the call's input (UTF-8); --input-file FILE for bytes
  --entry NAME       call this entry with the input instead of faasm_main
  --json             print the whole result (return code, output, logs, time) as JSON
  --wasm FILE        py_func.wasm        (default $FAASM_PYTHON_FUNC_WASM)
  --root DIR         the runtime root    (default $FAASM_PYTHON_RUNTIME_ROOT)
  --functions DIR    functions for user/func (default <root>/pyfuncs)
  --conf KEY=N       a host conf flag: PYTHON_PRELOAD=1 (the one Faasm lets a deployment set)
  --vm wavm|wamr     the Faasm VM whose host calls to offer (default wavm)
  --state-dir DIR    keep state in DIR, so the next run reads it (default: this run only);
                     one process at a time: a second one on DIR is refused
  --max-state-key-bytes N   bytes one state key may hold (default 64 MiB)
  --max-state-bytes N       bytes all state may hold, with 512 bytes and its name per key
                            (default 256 MiB)

Budgets (per call; chained calls each get their own time, memory and /tmp):
${budgetHelp()}`,
  options: {
    ...buildOptionSpec,
    input: { type: 'string' },
    'input-file': { type: 'string' },
    entry: { type: 'string' },
    json: { type: 'boolean' },
    wasm: { type: 'string' },
    root: { type: 'string' },
    functions: { type: 'string' },
    conf: { type: 'string', multiple: true },
    vm: { type: 'string' },
    'state-dir': { type: 'string' },
    'max-state-key-bytes': { type: 'string' },
    'max-state-bytes': { type: 'string' },
    ...budgetOptions,
  },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length !== 1)
      throw new UsageError('Name one function: a .py file or user/func.');
    const target = positionals[0]!;
    // Every input is checked before the runtime is built or looked up.
    const limits = {
      ...limitsFromFlags(values),
      ...byteLimit(values, 'max-state-key-bytes', 'maxStateKeyBytes'),
      ...byteLimit(values, 'max-state-bytes', 'maxStateBytes'),
    };
    const input = await readInput(values, limits.maxInputBytes ?? defaultLimits.maxInputBytes);
    const confFlags = parseConf(values);
    const vm = parseVm(stringOption(values, 'vm'));
    if (target.endsWith('.py') && !(await stat(target).catch(() => undefined))?.isFile()) {
      throw new UserError(`There is no function file ${target}; check the path.`);
    }
    const runtime = await runtimeFromOptions(values);

    let functionsDir = stringOption(values, 'functions');
    let user: string;
    let func: string;
    const m = /^([^/]+)\/([^/]+)$/.exec(target);
    if (target.endsWith('.py')) {
      user = 'local';
      func = basename(target, '.py').replace(/[^A-Za-z0-9_.-]/g, '_');
    } else if (m) {
      [user, func] = [m[1]!, m[2]!];
    } else {
      throw new UsageError(`'${target}' is neither a .py file nor user/func.`);
    }
    // Removed however the run ends: a failed load, a finished call, or a Ctrl-C.
    const staged = target.endsWith('.py') ? await mkdtemp(join(tmpdir(), 'faasm-python-run-')) : undefined; // prettier-ignore
    const forgetStaged = staged ? onInterrupt(() => rmSync(staged, { recursive: true, force: true })) : () => {}; // prettier-ignore
    try {
      if (staged) {
        await stageFunction(target, staged, user, func);
        functionsDir = staged;
      }
      const host = await FaasmHost.load({
        wasmPath: runtime.wasm,
        runtimeRoot: runtime.root,
        snapshotDir: runtime.snapshotDir,
        functionsDir,
        confFlags,
        vm,
        stateDir: stringOption(values, 'state-dir'),
        limits,
      });
      try {
        return await runOne(host, values, { user, func, input });
      } finally {
        await host.close();
      }
    } finally {
      if (staged) await removeTree(staged);
      forgetStaged();
    }
  },
};
