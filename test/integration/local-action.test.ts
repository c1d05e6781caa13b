// Every action run once under GitHub's @github/local-action (the npm package), which imports the
// action's entry module and calls its exported run(). An entry that also called run() itself
// would run twice: bump-version would bump twice, and the others would fail twice. Each action
// gets one input that stops it early with one clear error (the build actions would otherwise
// build the runtime); bump-version runs for real on a temp repository.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../../src/paths.js';

const run = promisify(execFile);
const LOCAL_ACTION = join(REPO_ROOT, 'node_modules/@github/local-action/bin/local-action.js');

let work: string;
let repo: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'local-action-'));
  repo = join(work, 'repo');
  await mkdir(repo);
  await writeFile(join(repo, 'VERSION'), '0.5.0\n');
  await writeFile(
    join(repo, 'versioned-files.json'),
    JSON.stringify({ files: [{ path: 'VERSION', pattern: '^(\\S+)$' }] }),
  );
  const git = (...args: string[]) => run('git', ['-C', repo, ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
});

/** Runs actions/<name>/main.ts under local-action with these inputs; its combined output. */
async function localAction(name: string, inputs: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(work, `${name}-`));
  const env = {
    GITHUB_WORKSPACE: repo,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    RUNNER_TEMP: dir,
    FAASM_PYTHON_CACHE: join(dir, 'cache'),
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  await writeFile(env.GITHUB_OUTPUT, '');
  await writeFile(env.GITHUB_STEP_SUMMARY, '');
  const dotenv = join(dir, '.env');
  await writeFile(
    dotenv,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  // A failing action may make local-action exit non-zero; its output is what is checked.
  const { stdout, stderr } = await run(
    process.execPath,
    [LOCAL_ACTION, 'run', join(REPO_ROOT, 'actions', name), 'main.ts', dotenv],
    { cwd: REPO_ROOT, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
  ).catch((err: { stdout?: string; stderr?: string }) => ({
    stdout: err.stdout ?? '',
    stderr: err.stderr ?? '',
  }));
  return stdout + stderr;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('@github/local-action runs each action once', () => {
  test('bump-version bumps once', async () => {
    const out = await localAction('bump-version', { part: 'minor' });
    expect(count(out, '::set-output name=version::0.6.0')).toBe(1);
    expect(await readFile(join(repo, 'VERSION'), 'utf8')).toBe('0.6.0\n');
  });

  const failing: [string, Record<string, string>, string][] = [
    ['setup-toolchain', { jobs: '0' }, "::error::Input 'jobs'"],
    ['build-native', { jobs: '0' }, "::error::Input 'jobs'"],
    ['build-wasm', { jobs: '0' }, "::error::Input 'jobs'"],
    ['build-modules', { jobs: '0' }, "::error::Input 'jobs'"],
    ['build-func', { jobs: '0' }, "::error::Input 'jobs'"],
    ['run-functions', {}, "::error::Input 'functions'"],
    ['tag-release', { tag: 'v9.9.9', release: 'false' }, '::error::The tag v9.9.9 does not match'],
    ['build-image', { version: '9.9.9', 'bundle-dir': '.' }, "::error::Input 'version' is 9.9.9"],
  ];
  test.each(failing)('%s fails once, with one message', async (name, inputs, message) => {
    const out = await localAction(name, inputs);
    expect(count(out, message)).toBe(1);
    expect(count(out, '::error::')).toBe(1);
  });
});
