/**
 * Python tools the project runs but never ships (pypiserver and twine for the package-index test)
 * live in a venv of their own under the cache's tools directory: pinned, installed once with pip
 * from the index pip is configured with, and never in the system Python. The venv is marked
 * complete only after pip succeeded, so a killed install is redone, not used half-made.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { exec, probe } from './exec.js';
import { removeTree } from './fs.js';

export interface ToolVenv {
  dir: string;
  /** The venv's python. */
  python: string;
  /** A console script the venv's packages installed (`bin('twine')`). */
  bin(name: string): string;
}

/** What a complete venv records: the requirements it was made with. */
const STAMP = 'faasm-python-requirements.txt';

function venvAt(dir: string): ToolVenv {
  return { dir, python: join(dir, 'bin', 'python'), bin: (name) => join(dir, 'bin', name) };
}

/**
 * The venv `<toolsDir>/<name>-venv` holding exactly `requirements` (pinned `name==version`
 * lines), made with `python` when missing or made with other requirements.
 */
export async function ensureToolVenv(opts: {
  toolsDir: string;
  name: string;
  requirements: readonly string[];
  python?: string;
  log?: string;
}): Promise<ToolVenv> {
  const python = opts.python ?? 'python3';
  const venv = venvAt(join(opts.toolsDir, `${opts.name}-venv`));
  const wanted = `${[...opts.requirements].sort().join('\n')}\n`;
  const stamp = join(venv.dir, STAMP);
  if ((await readFile(stamp, 'utf8').catch(() => undefined)) === wanted) return venv;
  if ((await probe(python, ['-c', 'import venv, ensurepip'])) === undefined) {
    throw new UserError(
      `${python} cannot make a venv for ${opts.name} (no venv or ensurepip); install python3-venv.`,
    );
  }
  await removeTree(venv.dir);
  await exec(python, ['-m', 'venv', venv.dir], { log: opts.log });
  await exec(
    venv.python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...opts.requirements],
    // pip's resolver and downloads are network calls: one that stalls fails the install.
    { log: opts.log, timeoutMs: 10 * 60_000 },
  );
  await writeFile(stamp, wanted);
  return venv;
}
