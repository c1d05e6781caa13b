// What several commands share: the build options, `--json` output, option readers.
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { BuildOptions } from '../layers/types.js';
import { REPO_ROOT, defaultCacheDir } from '../paths.js';
import { UsageError, UserError } from '../util/errors.js';
import { describeRange, type NumberSpec, parseNumber } from '../util/number.js';
import type { OptionSpec, Values } from './types.js';

/** Options every build-ish command takes. */
export const buildOptionSpec: OptionSpec = {
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  experimental: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  python: { type: 'string' },
};

export function buildOptions(values: Values): BuildOptions {
  const jobs = numberOption(values, 'jobs', { min: 1, max: 1024, integer: true });
  const flag = stringOption(values, 'cache-dir');
  const python = stringOption(values, 'python');
  const env = process.env.FAASM_PYTHON_CACHE ? '$FAASM_PYTHON_CACHE' : 'The cache directory';
  return {
    repoRoot: REPO_ROOT,
    cacheDir: writableDir(flag ?? defaultCacheDir(), flag ? '--cache-dir' : env),
    jobs: jobs ?? availableParallelism(),
    noCache: values['no-cache'] === true,
    experimental: values.experimental === true,
    verbose: values.verbose === true,
    ...(python === undefined ? {} : { python: pythonLine(python) }),
  };
}

/** A command's `--json` result: one pretty-printed JSON document on stdout, nothing else there. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** `--python 3.13`: a line's name (which lines exist is checked when its config is read). */
function pythonLine(text: string): string {
  if (!/^3\.\d{1,2}$/.test(text)) {
    throw new UserError(`--python takes a CPython line such as 3.13, not '${text}'.`);
  }
  return text;
}

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric option within its bounds, or undefined when it is not given. */
export function numberOption(values: Values, name: string, spec: NumberSpec): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const n = parseNumber(text, spec);
  if (n === undefined)
    throw new UsageError(`--${name} takes ${describeRange(spec)}, not '${text}'.`);
  return n;
}

/**
 * `dir`, created if missing and proved writable, or one sentence saying why it cannot be used.
 * Missing parents are made one at a time: Node's recursive mkdir never returns under /proc.
 */
export function writableDir(dir: string, what: string): string {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a parent is a file, found on the way up
    }
    if (st && !st.isDirectory()) {
      throw new UserError(`${what} ${dir} cannot be used: ${p} is not a directory.`);
    }
    if (st || p === dirname(p)) break;
    missing.unshift(p);
    p = dirname(p);
  }
  const probe = resolve(abs, `.write-test-${process.pid}`);
  try {
    for (const m of missing) mkdirSync(m);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(
      `${what} ${dir} is not a directory this user can write (${code}); choose another.`,
    );
  }
  return abs;
}
