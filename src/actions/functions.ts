// The run-functions action: runs each Python function on the built runtime and reports result and
// latency.
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { checkFunctionName, isFunctionName, stageFunction } from '../runner/functions.js';
import { limitsFromFlags } from '../runner/budgets.js';
import { FaasmHost } from '../runner/host.js';
import type { CallResult } from '../runner/types.js';
import { UserError } from '../util/errors.js';
import { removeTree } from '../util/fs.js';
import { annotationPath } from './annotations.js';
import { runLayersForAction } from './build.js';
import { buildOptionsFromInputs } from './context.js';
import { locateRuntime } from '../runtime/resolve.js';
import { InputError, getInt, getList, getPath, getString } from './inputs.js';
import { type FunctionRow, code, functionTable, writeSummary } from './summary.js';

const BUDGET_INPUTS = [
  'memory-mb',
  'output-mb',
  'log-mb',
  'tmp-mb',
  'chain-depth',
  'chains-in-flight',
  'chained-calls',
];

export interface FunctionSource {
  /** The Faasm function name: the file name without `.py`. */
  func: string;
  path: string;
}

/** The .py files the entries name: files as given, directories by their *.py, sorted by name. */
export async function collectFunctions(
  base: string,
  entries: readonly string[],
): Promise<FunctionSource[]> {
  const found = new Map<string, FunctionSource>();
  const add = (path: string) => {
    const func = basename(path, '.py');
    if (!isFunctionName(func)) {
      throw new InputError(`'${path}' does not make a Faasm function name; rename it.`);
    }
    const other = found.get(func);
    if (other && other.path !== path) {
      throw new InputError(
        `Two functions are called '${func}' (${other.path} and ${path}); rename one.`,
      );
    }
    found.set(func, { func, path });
  };
  for (const entry of entries) {
    const path = resolve(base, entry);
    const st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) {
      const py = (await readdir(path))
        .filter((n) => extname(n) === '.py' && !n.startsWith('_'))
        .sort();
      if (py.length === 0)
        throw new InputError(`Input 'functions' names ${path}, which holds no .py files.`);
      py.forEach((n) => add(join(path, n)));
    } else if (st?.isFile() && extname(path) === '.py') {
      add(path);
    } else {
      throw new InputError(
        `Input 'functions' names ${path}, which is neither a .py file nor a directory.`,
      );
    }
  }
  return [...found.values()].sort((a, b) => a.func.localeCompare(b.func));
}

/**
 * Where a Python traceback points in the function's own source: the last frame in
 * /pyfuncs/<user>/<func>/function.py, as the guest sees it.
 */
export function tracebackLine(stderr: string, user: string, func: string): number | undefined {
  const file = `/pyfuncs/${user}/${func}/function.py`;
  let line: number | undefined;
  for (const m of stderr.matchAll(/File "([^"]+)", line (\d+)/g))
    if (m[1] === file) line = Number(m[2]);
  return line;
}

function why(r: CallResult): string {
  if (r.error) return r.error;
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  return last || `returned ${r.returnCode}`;
}

/**
 * run-functions: each function through the local Faasm host (its own WASI, budgets) against the built
 * runtime: the example functions unless given others. A function passes when it returns 0.
 */
export async function runFunctionsAction(): Promise<void> {
  const opts = buildOptionsFromInputs();
  const base = opts.repoRoot;
  const sources = await collectFunctions(
    base,
    getList('functions').length ? getList('functions') : ['func/python'],
  );
  const user = checkFunctionName('user', getString('user', { default: 'python' }));
  const timeoutMs = getInt('timeout-ms', { min: 1, max: 86_400_000, default: 60_000 });
  // The budgets of `faasm-python run`, as inputs of the same names (timeout is timeout-ms).
  const budgets = limitsFromFlags(
    Object.fromEntries(BUDGET_INPUTS.map((name) => [name, getString(name)])),
    (option) => `Input '${option}'`,
  );
  const input = new TextEncoder().encode(getString('input'));

  let wasm = await getPath('wasm', { base, mustBe: 'file' });
  let runtimeRoot = await getPath('runtime-root', { base, mustBe: 'dir' });
  if (!wasm || !runtimeRoot) {
    // Not handed over by build-func: take them from the layer cache (built if missing).
    const run = await runLayersForAction('runtime for run-functions', ['func', 'root'], opts);
    const found = await locateRuntime(run.results);
    wasm ??= found.wasm;
    runtimeRoot ??= found.runtimeRoot;
    if (!runtimeRoot)
      throw new UserError('The build has no runtime root; pass input runtime-root.');
  }

  // The host reads functions from <dir>/<user>/<func>/function.py, as Faasm lays them out.
  const functionsDir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'faasm-pyfuncs-'));
  const rows: FunctionRow[] = [];
  const results: { name: string; returnCode: number; ms: number; passed: boolean }[] = [];
  let host: FaasmHost | undefined;
  try {
    for (const s of sources) await stageFunction(s.path, functionsDir, user, s.func);
    host = await FaasmHost.load({
      wasmPath: wasm,
      runtimeRoot,
      functionsDir,
      limits: { ...budgets, timeoutMs },
    });
    for (const s of sources) {
      const name = `${user}/${s.func}`;
      core.startGroup(name);
      const r = await host.call({ user, func: s.func, input });
      const output = Buffer.from(r.output).toString('utf8');
      const passed = r.returnCode === 0;
      if (r.stdout) core.info(r.stdout.trimEnd());
      if (r.stderr) core.info(r.stderr.trimEnd());
      core.info(
        `${name}: ${passed ? 'passed' : 'FAILED'} (return code ${r.returnCode}, ${Math.round(r.ms)} ms)`,
      );
      core.endGroup();
      if (!passed) {
        const line = tracebackLine(r.stderr, user, s.func);
        core.error(`${name} failed: ${why(r)}`, {
          title: 'Function failed',
          file: annotationPath(s.path, base),
          ...(line ? { startLine: line } : {}),
        });
      }
      rows.push({
        name,
        passed,
        returnCode: r.returnCode,
        ms: r.ms,
        detail: passed ? output || r.stdout : why(r),
      });
      results.push({ name, returnCode: r.returnCode, ms: Math.round(r.ms), passed });
    }
  } finally {
    await host?.close();
    await removeTree(functionsDir);
  }

  const failed = results.filter((r) => !r.passed);
  core.setOutput('passed', String(results.length - failed.length));
  core.setOutput('failed', String(failed.length));
  core.setOutput('results', JSON.stringify(results));
  const verdict = failed.length
    ? `${failed.length} of ${results.length} functions failed.`
    : `All ${results.length} functions passed.`;
  await writeSummary(
    `### run-functions\n\n${functionTable(rows)}\n\n${verdict} Entrypoint: ${code(wasm)}\n`,
  );
  if (failed.length) {
    throw new UserError(
      `${verdict.slice(0, -1)}: ${failed.map((f) => f.name).join(', ')}; see the annotations above.`,
    );
  }
}
