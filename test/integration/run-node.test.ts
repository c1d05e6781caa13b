// ./run on a machine whose Node is older than .node-version: it fetches that Node from the npm
// registry (real registry, sha512 checked) into the cache, says so on stderr, and npm ci and the
// CLI run under it. Skipped where no older Node is installed to play that machine.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseNodeVersionFile, parseVersion } from '../../scripts/ensure-node.mjs';
import { REPO_ROOT } from '../../src/paths.js';
import { exec, probe } from '../../src/util/exec.js';

const wanted = parseNodeVersionFile(
  await readFile(join(REPO_ROOT, '.node-version'), 'utf8'),
) as number[];

/** An installed Node older than .node-version (the system's), to put first on PATH. */
async function olderNode(): Promise<string | undefined> {
  for (const node of ['/usr/bin/node', '/usr/local/bin/node']) {
    const v = parseVersion((await probe(node, ['--version'])) ?? '');
    if (v && v[0]! < wanted[0]!) return node;
  }
  return undefined;
}

const oldNode = await olderNode();
const maybe = oldNode ? describe : describe.skip;

maybe(`./run with ${oldNode ?? 'no older Node'} first on PATH`, () => {
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'faasm-run-node-'));
    env = {
      HOME: process.env.HOME,
      PATH: `${dirname(oldNode!)}:/usr/bin:/bin`,
      FAASM_PYTHON_CACHE: join(work, 'cache'),
    };
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a fresh checkout of the launcher: Node fetched once, npm ci and the CLI run under it', async () => {
    // The launcher's own files, with a package whose npm ci and CLI report the Node they ran on.
    const app = join(work, 'app');
    await mkdir(join(app, 'scripts'), { recursive: true });
    await mkdir(join(app, 'bin'), { recursive: true });
    for (const f of ['run', '.node-version', 'scripts/ensure-node.mjs']) {
      await copyFile(join(REPO_ROOT, f), join(app, f));
    }
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'launcher-check',
        private: true,
        scripts: {
          postinstall: `node -e "require('fs').writeFileSync('ci-node', process.version)"`,
        },
      }),
    );
    await writeFile(
      join(app, 'package-lock.json'),
      JSON.stringify({ name: 'launcher-check', lockfileVersion: 3, requires: true, packages: { '': { name: 'launcher-check' } } }),
    ); // prettier-ignore
    await writeFile(join(app, 'bin', 'faasm-python.js'), 'console.log(process.version);\n');

    const first = await exec(join(app, 'run'), ['--version'], { env });
    expect(first.stderr).toMatch(
      new RegExp(
        `older than \\.node-version \\(${wanted[0]}\\); fetched Node ${wanted[0]}\\.\\d+\\.\\d+ from the npm registry \\(node-linux-\\w+, sha512 checked\\)`,
      ),
    );
    expect(first.stderr.split('\n').filter((l) => l.startsWith('faasm-python:'))).toHaveLength(1);
    const cli = first.stdout.trim().split('\n').at(-1)!;
    expect(parseVersion(cli)?.[0]).toBe(wanted[0]);
    expect(await readFile(join(app, 'ci-node'), 'utf8')).toBe(cli);
    console.log(first.stderr.trim());

    const again = await exec(join(app, 'run'), ['--version'], { env });
    expect(again.stderr).toMatch(new RegExp(`; using Node ${cli.slice(1)} from `));
    expect(again.stderr).not.toMatch(/fetched/);
  });

  test("the repository's ./run --version runs the CLI under the fetched Node", async () => {
    const { stdout, stderr } = await exec(join(REPO_ROOT, 'run'), ['--version'], { env });
    expect(stdout.trim()).toMatch(/^faasm-python \d+\.\d+\.\d+/);
    expect(stderr).toMatch(/older than \.node-version .*; using Node /);
  });
});
