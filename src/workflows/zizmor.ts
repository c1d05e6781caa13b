// zizmor, pinned, in its own venv, run over the workflows and actions.
import { join } from 'node:path';
import { ensurePackages } from '../toolchain/system-packages.js';
import { exec, probe } from '../util/exec.js';
import { removeTree } from '../util/fs.js';

/**
 * zizmor, the static analyser for GitHub Actions (cache poisoning, template injection, excessive
 * permissions, unpinned actions, ...): pinned, from PyPI, in a virtual environment of its own
 * under the cache's tools dir, so the system Python is untouched.
 */
export const ZIZMOR = { requirement: 'zizmor==1.32.0', version: '1.32.0' };

/** One finding as `zizmor --format json` reports it (the fields read here). */
export interface ZizmorFinding {
  ident: string;
  desc: string;
  determinations: { severity: string; confidence: string };
  locations: {
    symbolic: { key: { Local?: { verbatim_path?: string } }; annotation: string };
    concrete: { location: { start_point: { row: number; column: number } } };
  }[];
}

/**
 * The zizmor binary under `toolsDir`, installed (python3 -m venv, pip) when missing or of another
 * version; python3-venv comes from apt when the system's python3 cannot make a venv.
 */
export async function ensureZizmor(toolsDir: string, log?: string): Promise<string> {
  const venv = join(toolsDir, 'zizmor-venv');
  const bin = join(venv, 'bin', 'zizmor');
  if ((await probe(bin, ['--version'])) === `zizmor ${ZIZMOR.version}`) return bin;
  await removeTree(venv);
  try {
    await exec('python3', ['-m', 'venv', venv], { log });
  } catch {
    // Debian's python3 makes a venv only with python3-venv (ensurepip) installed.
    await ensurePackages([{ name: 'python3-venv', provides: '/usr/share/doc/python3-venv' }], log);
    await removeTree(venv);
    await exec('python3', ['-m', 'venv', venv], { log });
  }
  await exec(
    join(venv, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ZIZMOR.requirement],
    // The package index is a network call: one that stops answering fails the install.
    { log, timeoutMs: 10 * 60_000 },
  );
  return bin;
}

/**
 * zizmor's findings for `inputs` (files or directories, relative to `cwd`), offline (the audits
 * that ask GitHub's API are left out: no token is needed), with the `auditor` persona (every
 * audit, the low-confidence ones too), under `config` (else none). Findings the config
 * suppresses are not returned.
 */
export async function zizmor(
  bin: string,
  inputs: readonly string[],
  cwd: string,
  config?: string,
): Promise<ZizmorFinding[]> {
  const args = [
    '--offline',
    '--persona',
    'auditor',
    '--format',
    'json',
    '--no-progress',
    // Findings are the output, not a failure: any non-zero exit is then zizmor failing to run.
    '--no-exit-codes',
    ...(config ? ['--config', config] : ['--no-config']),
    ...inputs,
  ];
  const { stdout } = await exec(bin, args, { cwd, tailLines: 1_000_000 });
  return JSON.parse(stdout) as ZizmorFinding[];
}

/** One line per finding: `path:line ident (severity): what`. */
export function describeFinding(f: ZizmorFinding): string {
  const at = f.locations[0];
  const path = at?.symbolic.key.Local?.verbatim_path ?? '?';
  const line = (at?.concrete.location.start_point.row ?? -1) + 1;
  return `${path}:${line} ${f.ident} (${f.determinations.severity}): ${f.desc}; ${at?.symbolic.annotation ?? ''}`;
}
