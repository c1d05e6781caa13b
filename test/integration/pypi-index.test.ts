import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachePaths, defaultCacheDir, REPO_ROOT } from '../../src/paths.js';
import { buildPyfaasmDists } from '../../src/release/pyfaasm-dist.js';
import { readVersion, toPep440 } from '../../src/release/version.js';
import { exec } from '../../src/util/exec.js';
import { removeTree } from '../../src/util/fs.js';
import { ensureToolVenv } from '../../src/util/tool-venv.js';

// pyfaasm on a package index, end to end, as release.yml's pypi job publishes it: the sdist and
// wheel the release builds pass twine's metadata check (which gh-action-pypi-publish runs), are
// uploaded with twine to a real index (pypiserver from PyPI, on 127.0.0.1), and
// `pip install pyfaasm==<version>` from that index alone, into a fresh venv, gives a pyfaasm
// that imports and runs its emulator.
const TOOLS = ['pypiserver==2.4.2', 'twine==7.0.0'];

let work: string;
let server: ChildProcess | undefined;
let index: string;

/** A port nothing listens on now (the kernel's choice). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Waits for the index to answer its health check (pypiserver takes a moment to start). */
async function waitForIndex(url: string, log: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) break;
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`pypiserver did not start; see ${log}:\n${await readFile(log, 'utf8')}`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fp-pypi-index-'));
  const log = join(work, 'pypiserver.log');
  const venv = await ensureToolVenv({
    toolsDir: cachePaths(defaultCacheDir()).tools,
    name: 'pypi-index-test',
    requirements: TOOLS,
    log: join(work, 'tools.log'),
  });
  const packages = join(work, 'packages');
  await mkdir(packages);
  const port = await freePort();
  index = `http://127.0.0.1:${port}`;
  // -a . -P .: uploads need no password (twine still sends one); --disable-fallback: a package
  // the index lacks is not redirected to pypi.org, so pip can only get pyfaasm from here.
  const args = ['run', '-i', '127.0.0.1', '-p', String(port), '-a', '.', '-P', '.'];
  server = spawn(venv.bin('pypi-server'), [...args, '--disable-fallback', packages], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log);
  server.stdout?.pipe(out);
  server.stderr?.pipe(out);
  await waitForIndex(index, log);
});

afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (work) await removeTree(work);
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('pyfaasm is uploaded to a local index, then pip-installed from it into a fresh venv, and its emulator runs', async () => {
  const version = await readVersion(REPO_ROOT);
  const pep440 = toPep440(version);
  const toolsDir = cachePaths(defaultCacheDir()).tools;
  const dists = await buildPyfaasmDists({
    repoRoot: REPO_ROOT,
    version,
    outDir: join(work, 'dist'),
    toolsDir,
    sourceDateEpoch: 1_700_000_000,
  });
  const venv = await ensureToolVenv({ toolsDir, name: 'pypi-index-test', requirements: TOOLS });
  const files = dists.map((d) => d.path);

  // What gh-action-pypi-publish checks before it uploads.
  const check = await exec(venv.bin('twine'), ['check', '--strict', ...files]);
  expect(check.stdout.match(/PASSED/g)).toHaveLength(2);

  const upload = ['upload', '--non-interactive', '--repository-url', `${index}/`];
  await exec(venv.bin('twine'), [...upload, '-u', 'faasm', '-p', 'unused', ...files]);

  // The index lists both files, each with the sha256 of what was built.
  const listing = await (await fetch(`${index}/simple/pyfaasm/`)).text();
  for (const d of dists) {
    expect(listing).toContain(`${d.name}#sha256=${d.sha256}`);
    const served = Buffer.from(await (await fetch(`${index}/packages/${d.name}`)).arrayBuffer());
    expect(sha256(served)).toBe(d.sha256);
  }

  // A user's fresh venv, with this index as its only index.
  const user = join(work, 'user-venv');
  await exec('python3', ['-m', 'venv', user]);
  const pip = [join(user, 'bin', 'python'), '-m', 'pip'] as const;
  // No pip configuration of this machine's (a find-links directory, a mirror) takes part.
  const env = { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: undefined, PIP_INDEX_URL: undefined };
  const install = await exec(
    pip[0],
    [
      ...pip.slice(1),
      'install',
      '--disable-pip-version-check',
      '--no-cache-dir',
      '--index-url',
      `${index}/simple/`,
      `pyfaasm==${pep440}`,
    ],
    { env },
  );
  expect(install.stdout).not.toContain('Looking in links');
  expect(install.stdout).toContain(`Successfully installed pyfaasm-${pep440}`);
  expect(install.stdout).toContain(`${index}/packages/pyfaasm-${pep440}-py3-none-any.whl`);

  // Imported from the venv (not the checkout), typed, and its emulator answers as Faasm would.
  const script = `
import json, os, pyfaasm, pyfaasm.core as core
core.set_emulator_message(json.dumps({"user": "demo", "function": "echo", "py_user": "u",
                                      "py_func": "f", "input_data": "hello"}))
core.write_state("greeting", core.read_input())
core.write_state("greeting", b"HELLO, world")  # a key keeps the size it was created with
core.set_local_chaining(True)
print(json.dumps({
    "file": pyfaasm.__file__,
    "version": pyfaasm.__version__,
    "typed": os.path.exists(os.path.join(os.path.dirname(pyfaasm.__file__), "py.typed")),
    "input": core.read_input().decode(),
    "user": core.get_py_user(),
    "state": core.read_state("greeting").decode(),
    "always_on": core.conf_flag("ALWAYS_ON"),
    "chained": core.await_call(core.chain(lambda data: None, b"x")),
}))
`;
  const run = await exec(join(user, 'bin', 'python'), ['-c', script], { cwd: work });
  const result = JSON.parse(run.stdout) as Record<string, unknown>;
  expect(result).toEqual({
    file: expect.stringContaining(join(user, 'lib')),
    version: pep440,
    typed: true,
    input: 'hello',
    user: 'u',
    state: 'HELLO',
    always_on: 1,
    chained: 0,
  });
});
