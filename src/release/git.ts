// Running git for releases: commits, remotes, dirty files.
import { ExecError, UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';

/** Runs git in `repoRoot` and returns its trimmed stdout. */
export async function git(
  repoRoot: string,
  args: readonly string[],
  log?: string,
): Promise<string> {
  return (await exec('git', ['-C', repoRoot, ...args], { log })).stdout.trim();
}

/** How long one exchange with a git remote may take. */
export const REMOTE_TIMEOUT_MS = 120_000;

/**
 * Runs git against `remote` (ls-remote, push) within REMOTE_TIMEOUT_MS and without asking for
 * credentials on a terminal, so a remote that never answers fails instead of hanging a release.
 */
export async function gitRemote(
  repoRoot: string,
  remote: string,
  args: readonly string[],
  log?: string,
): Promise<string> {
  try {
    const opts = { log, timeoutMs: REMOTE_TIMEOUT_MS, env: { GIT_TERMINAL_PROMPT: '0' } };
    return (await exec('git', ['-C', repoRoot, ...args], opts)).stdout.trim();
  } catch (err) {
    if (err instanceof ExecError && err.timedOut) {
      throw new UserError(
        `The git remote '${remote}' did not answer within ${REMOTE_TIMEOUT_MS / 1000} s; check its URL and the network, then run again.`,
      );
    }
    throw err;
  }
}

/** Like `git`, but a failing git (a ref that does not exist, say) gives undefined. */
export async function gitMaybe(
  repoRoot: string,
  args: readonly string[],
): Promise<string | undefined> {
  try {
    return await git(repoRoot, args);
  } catch (err) {
    if (err instanceof ExecError) return undefined;
    throw err;
  }
}

/** The commit a ref points at (peeling annotated tags), or undefined when there is no such ref. */
export function commitOf(repoRoot: string, ref: string): Promise<string | undefined> {
  return gitMaybe(repoRoot, ['rev-parse', '-q', '--verify', `${ref}^{commit}`]);
}

/** Tracked files with changes, staged or not (untracked files do not change what is tagged). */
export async function dirtyFiles(repoRoot: string): Promise<string[]> {
  // Not trimmed at the start: porcelain lines begin with a status column that may be a space.
  const { stdout } = await exec('git', [
    '-C',
    repoRoot,
    'status',
    '--porcelain',
    '--untracked-files=no',
  ]);
  const out = stdout.trimEnd();
  return out ? out.split('\n').map((l) => l.slice(3)) : [];
}
