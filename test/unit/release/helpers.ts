import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const created: string[] = [];

/** A fresh temp dir, removed by removeTempDirs() (call it from afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> text) under `root`. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

export function run(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export const gitIn =
  (cwd: string) =>
  (...args: string[]) =>
    run(cwd, 'git', args);

export interface TempRepo {
  root: string;
  /** The bare repository that is `origin`. */
  remote: string;
  git: (...args: string[]) => string;
  commit(message: string, files?: Record<string, string>): Promise<string>;
}

/** A real git repository with `files` committed on main, and a bare `origin` it was pushed to. */
export async function tempRepo(files: Record<string, string>): Promise<TempRepo> {
  const base = await tempDir('faasm-release-test-');
  const root = join(base, 'work');
  const remote = join(base, 'origin.git');
  await mkdir(root);
  run(base, 'git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const git = gitIn(root);
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Release Test');
  git('config', 'user.email', 'release-test@example.com');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'tag.gpgsign', 'false');
  git('remote', 'add', 'origin', remote);
  const commit = async (message: string, more: Record<string, string> = {}) => {
    await writeTree(root, more);
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  await commit('initial', files);
  git('push', '-q', 'origin', 'main');
  return { root, remote, git, commit };
}

/** A minimal versioned project: VERSION, package.json and a Dockerfile line. */
export function projectFiles(version: string): Record<string, string> {
  return {
    VERSION: `${version}\n`,
    'package.json': `{\n  "name": "x",\n  "version": "${version}"\n}\n`,
    Dockerfile: `FROM scratch\nARG FAASM_PYTHON_VERSION=${version}\n`,
    'versioned-files.json': JSON.stringify({
      files: [
        { path: 'VERSION', pattern: '^(\\S+)$' },
        { path: 'package.json', json: ['version'] },
        { path: 'Dockerfile', pattern: '^ARG FAASM_PYTHON_VERSION=(\\S+)$' },
      ],
    }),
  };
}
