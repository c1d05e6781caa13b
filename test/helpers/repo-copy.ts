import { cp, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { ExecError } from '../../src/util/errors.js';
import { exec } from '../../src/util/exec.js';

/**
 * A copy of the repository (no .git, no dist, node_modules linked) for tests that let the CLI
 * write recipes or docs: the real checkout is never written.
 */
export async function repoCopy(prefix: string): Promise<string> {
  const repo = await mkdtemp(join(tmpdir(), prefix));
  for (const e of await readdir(REPO_ROOT)) {
    if (['node_modules', '.git', 'dist'].includes(e)) continue;
    await cp(join(REPO_ROOT, e), join(repo, e), { recursive: true });
  }
  await symlink(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'));
  return repo;
}

/** Runs the copy's CLI: its exit code, stdout and (the tail of) stderr; never throws on exit. */
export async function repoCli(repo: string, ...args: string[]) {
  try {
    const r = await exec(process.execPath, [join(repo, 'bin', 'faasm-python.js'), ...args], {
      cwd: repo,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    return { code: err.exitCode ?? -1, out: '', err: err.tail.join('\n') };
  }
}
