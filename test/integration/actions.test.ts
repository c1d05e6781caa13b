// The committed action bundles run as real processes (node dist/<name>/index.js), the way the
// runner starts them: inputs as INPUT_* variables, outputs and the job summary through the
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. The build chain runs in the order tests.yml
// chains it, on the integration tests' layer cache.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { LocalStore } from '../../src/layers/local-store.js';
import { planLayers, selectLayers } from '../../src/layers/runner.js';
import { REPO_ROOT, cachePaths } from '../../src/paths.js';
import { pipeline } from '../../src/pipeline.js';
import { readVersion } from '../../src/release/version.js';
import { startLocalRegistry } from '../../src/image/registry.js';
import { probe } from '../../src/util/exec.js';
import { buildGuestFixture } from '../fixtures/faasm-guest/build.js';
import { integrationOptions } from '../helpers/runtime.js';
import { describeUnless, testUnless } from '../helpers/needs.js';

// What two tests need beyond the toolchain, looked up when the file is collected.
const NO_CLANG16 = (await probe('clang-16', ['--version'])) ? undefined : 'clang-16 is missing';
/** `test`, unless the image tools are missing (`it`, so that it reads and formats as a test). */
const it = testUnless(
  (await probe('podman', ['--version'])) && existsSync('/usr/bin/docker-registry')
    ? undefined
    : 'podman or docker-registry is missing',
);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT holds `name<<delimiter`, the value's lines, then the delimiter. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'actions-it-'));
});

let runs = 0;
/** Runs dist/<name>/index.js with these inputs in a runner-like environment. */
async function runAction(
  name: string,
  inputs: Record<string, string>,
  workspace = REPO_ROOT,
): Promise<Run> {
  const dir = join(scratch, `${++runs}-${name}`);
  await mkdir(join(dir, 'temp'), { recursive: true });
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: join(dir, 'temp'),
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', name, 'index.js')], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}

/** The one ::error:: line a failed action ends with (annotations come before it). */
const failure = (r: Run) =>
  r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('::error::'))
    .at(-1);

const git = (cwd: string, ...args: string[]) => promisify(execFile)('git', ['-C', cwd, ...args]);

describe('configuration errors', () => {
  test('a bad input fails the step with one ::error:: line and exit code 1', async () => {
    const r = await runAction('bump-version', { part: 'huge' });
    expect(r.code).toBe(1);
    expect(failure(r)).toBe(
      "::error::Input 'part' must be one of major, minor, patch, not 'huge'.",
    );
    expect(r.stderr).toBe('');
    expect(r.outputs).toEqual({});
  });

  test('a build input is checked before anything is built', async () => {
    const r = await runAction('build-native', { jobs: '0', 'cache-dir': join(scratch, 'unused') });
    expect(r.code).toBe(1);
    expect(failure(r)).toBe("::error::Input 'jobs' must be a whole number of at least 1, not '0'.");
  });

  test('a missing required input names the input', async () => {
    const r = await runAction('build-image', {});
    expect(r.code).toBe(1);
    expect(failure(r)).toBe(
      "::error::Input 'bundle-dir' is required; set it under the step's 'with:'.",
    );
  });
});

describe('bump-version', () => {
  test('bumps VERSION and every versioned file of a repository, and reports them', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'bump-repo-'));
    await writeFile(join(repo, 'VERSION'), '0.1.0\n');
    await writeFile(join(repo, 'package.json'), '{\n  "name": "x",\n  "version": "0.1.0"\n}\n');
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
    await writeFile(
      join(repo, '.github', 'workflows', 'release.yml'),
      'env:\n  IMAGE: ghcr.io/o/cpython:0.1.0\n',
    );
    await writeFile(
      join(repo, 'versioned-files.json'),
      JSON.stringify({
        files: [
          { path: 'VERSION', pattern: '^(\\S+)$' },
          { path: 'package.json', json: ['version'] },
          {
            glob: '.github/workflows/*.yml',
            pattern: '\\bcpython:(\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.]+)?)\\b',
          },
        ],
      }),
    );
    await git(repo, 'init', '-q');
    await git(repo, 'add', '.');
    await git(repo, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'init');

    const r = await runAction('bump-version', { part: 'minor', pre: 'rc' }, repo);
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({
      version: '0.2.0-rc.1',
      previous: '0.1.0',
      tag: 'v0.2.0-rc.1',
      files: ['VERSION', 'package.json', '.github/workflows/release.yml'].join('\n'),
    });
    expect(await readFile(join(repo, 'VERSION'), 'utf8')).toBe('0.2.0-rc.1\n');
    expect(JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')).version).toBe(
      '0.2.0-rc.1',
    );
    expect(await readFile(join(repo, '.github/workflows/release.yml'), 'utf8')).toContain(
      'cpython:0.2.0-rc.1',
    );
    expect(r.summary).toBe(
      [
        '### bump-version: `0.1.0` → `0.2.0-rc.1`',
        '',
        '| Rewritten file |',
        '| :-- |',
        '| `VERSION` |',
        '| `package.json` |',
        '| `.github/workflows/release.yml` |',
        '',
        '',
      ].join('\n'),
    );
    const { stdout } = await git(repo, 'status', '--porcelain');
    expect(stdout.split('\n').filter(Boolean).length).toBe(3);
  });
});

describe('tag-release', () => {
  test('tags v<VERSION> at HEAD and pushes it; again is a no-op; a wrong tag is refused', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'tag-repo-'));
    const remote = await mkdtemp(join(tmpdir(), 'tag-remote-'));
    await git(remote, 'init', '-q', '--bare');
    await writeFile(join(repo, 'VERSION'), '1.2.3\n');
    await writeFile(
      join(repo, 'versioned-files.json'),
      JSON.stringify({ files: [{ path: 'VERSION', pattern: '^(\\S+)$' }] }),
    );
    await git(repo, 'init', '-q');
    await git(repo, 'add', '.');
    await git(repo, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'init');
    await git(repo, 'remote', 'add', 'origin', remote);
    await git(repo, 'config', 'user.name', 't');
    await git(repo, 'config', 'user.email', 't@e');
    const head = (await git(repo, 'rev-parse', 'HEAD')).stdout.trim();

    const wrong = await runAction('tag-release', { tag: 'v1.2.4', release: 'false' }, repo);
    expect(wrong.code).toBe(1);
    expect(failure(wrong)).toBe(
      '::error::The tag v1.2.4 does not match VERSION 1.2.3; tag v1.2.3, or bump VERSION first.',
    );

    const r = await runAction('tag-release', { release: 'false', push: 'true' }, repo);
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ tag: 'v1.2.3', version: '1.2.3', commit: head });
    expect((await git(remote, 'rev-parse', 'v1.2.3^{commit}')).stdout.trim()).toBe(head);
    expect(r.summary).toContain(
      `| Tag | \`v1.2.3\` at \`${head.slice(0, 12)}\` (created) (pushed) |`,
    );

    const again = await runAction('tag-release', { release: 'false', tag: 'v1.2.3' }, repo);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`v1.2.3 is already at HEAD (${head.slice(0, 12)})`);
  });

  test('publishing a release needs the bundle', async () => {
    const r = await runAction('tag-release', {});
    expect(r.code).toBe(1);
    expect(failure(r)).toBe("::error::Input 'bundle-dir' is required to publish a release.");
  });
});

describeUnless(NO_CLANG16)('run-functions on a stand-in entrypoint', () => {
  test('runs each function, reports result and latency, annotates a failure on its file', async () => {
    const fx = await buildGuestFixture();
    if (!fx) throw new Error('clang-16 could not build the stand-in entrypoint');
    const funcs = join(scratch, 'funcs');
    await mkdir(funcs, { recursive: true });
    for (const f of ['hello', 'echo', 'exit3']) await writeFile(join(funcs, `${f}.py`), `# ${f}\n`);
    const inputs = { wasm: fx.wasm, 'runtime-root': fx.root, user: 'demo', input: 'ping' };

    const ok = await runAction('run-functions', {
      ...inputs,
      functions: `${funcs}/hello.py\n${funcs}/echo.py`,
    });
    expect(ok.code).toBe(0);
    expect(ok.outputs.passed).toBe('2');
    expect(ok.outputs.failed).toBe('0');
    const results = JSON.parse(ok.outputs.results!) as { name: string; passed: boolean }[];
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ['demo/echo', true],
      ['demo/hello', true],
    ]);
    expect(ok.summary).toMatch(
      /^### run-functions\n\n\| Function \| Result \| Return code \| Latency \| Output \|\n/,
    );
    expect(ok.summary).toMatch(/\| `demo\/echo` \| ✅ passed \| 0 \| \d+ ms \| `ping` \|/);
    expect(ok.summary).toContain('All 2 functions passed.');

    const bad = await runAction('run-functions', { ...inputs, functions: funcs });
    expect(bad.code).toBe(1);
    expect(bad.outputs.failed).toBe('1');
    expect(bad.stdout).toContain(
      `::error title=Function failed,file=${join(funcs, 'exit3.py')}::demo/exit3 failed:`,
    );
    expect(failure(bad)).toBe(
      '::error::1 of 3 functions failed: demo/exit3; see the annotations above.',
    );
    expect(bad.summary).toMatch(/\| `demo\/exit3` \| ❌ \*\*failed\*\* \| 3 \|/);
  });
});

const plan = (targets: string[], cacheDir: string) =>
  planLayers(selectLayers(pipeline, targets), {
    repoRoot: REPO_ROOT,
    cacheDir,
    noCache: false,
    jobs: 2,
    experimental: false,
    verbose: false,
  });

/** Whether every layer the targets need is already in the cache. */
async function warm(targets: string[], cacheDir: string): Promise<boolean> {
  const store = new LocalStore(cachePaths(cacheDir).layers);
  for (const p of await plan(targets, cacheDir)) {
    if (!(await store.lookup(p.layer.name, p.key))) return false;
  }
  return true;
}

// In the order tests.yml runs them, sharing the integration tests' cache: what is missing is
// built once, and a second run of each build action must then compile nothing.
describe('the tests.yml chain on the layer cache', () => {
  const cacheDir = integrationOptions().cacheDir;
  const common = { 'cache-dir': cacheDir, jobs: '2' };
  const outputs: Record<string, Record<string, string>> = {};

  // `target` is the layer whose key and path the action outputs; `targets` all it runs.
  const buildStep = (
    name: string,
    target: string,
    targets = [target],
    inputs: Record<string, string> = {},
  ) =>
    test(`${name}: builds or restores ${targets.join(', ')}; a second run is all cache hits`, async () => {
      const wasWarm = await warm(targets, cacheDir);
      const first = await runAction(name, { ...common, ...inputs });
      if (first.code !== 0) console.error(first.stdout.slice(-4000));
      expect(first.code).toBe(0);
      if (wasWarm) expect(first.outputs['cache-hit']).toBe('true');

      const again = await runAction(name, { ...common, ...inputs });
      // What the second run built, and why, when it should have built nothing.
      if (again.outputs['cache-hit'] !== 'true') console.error(again.stdout.slice(-6000));
      expect(again.code).toBe(0);
      expect(again.outputs['cache-hit']).toBe('true');
      expect(again.outputs.built).toBe('');
      expect(again.outputs.key).toBe(first.outputs.key);
      expect(again.outputs['cache-dir']).toBe(cacheDir);
      const keys = JSON.parse(again.outputs.keys!) as Record<string, string>;
      const planned = await plan(targets, cacheDir);
      expect(keys).toEqual(Object.fromEntries(planned.map((p) => [p.layer.name, p.key])));
      expect(again.outputs.path).toBe(
        join(cachePaths(cacheDir).layers, target, keys[target]!, 'out'),
      );
      // Every row of the summary table is a cache hit; the log has one group per layer.
      const rows = again.summary.split('\n').filter((l) => /^\| [a-z0-9-]+ \|/.test(l));
      expect(rows.length).toBe(Object.keys(keys).length);
      for (const row of rows) expect(row).toMatch(/^\| [a-z0-9-]+ \| cache hit \|/);
      // A warm step folds its table away under its one-line totals.
      expect(again.summary).toMatch(
        new RegExp(
          `^### ${name}\\n\\n<details><summary>${rows.length} layers?: 0 built, ${rows.length} from cache, in `,
        ),
      );
      expect(again.stdout.match(/^::group::/gm)?.length).toBe(rows.length);
      outputs[name] = again.outputs;
    });

  test('setup-toolchain: packages present, toolchain layer from the cache or built', async () => {
    const r = await runAction('setup-toolchain', common);
    if (r.code !== 0) console.error(r.stdout.slice(-4000));
    expect(r.code).toBe(0);
    expect(r.outputs.installed).toBe('');
    expect(r.outputs['apt-cache-hit']).toBe('false');
    expect(r.summary).toContain('### setup-toolchain');
    expect(r.summary).toContain('| Installed | none (all present) |');
    expect(r.outputs.key).toMatch(/^[0-9a-f]{64}$/);
  });
  buildStep('build-native', 'native');
  buildStep('build-wasm', 'wasm');
  buildStep('build-modules', 'modules');
  buildStep('build-func', 'func', ['func', 'root', 'bundle'], { bundle: 'true' });

  test('build-func hands run-functions the entrypoint, runtime root and bundle', async () => {
    const o = outputs['build-func'];
    expect(o).toBeDefined();
    expect(o!.wasm).toMatch(/\/func\/[0-9a-f]{64}\/out\/py_func\.wasm$/);
    expect(o!['runtime-root']).toMatch(/\/root\/[0-9a-f]{64}\/out$/);
    expect(o!['bundle-dir']).toMatch(/\/bundle\/[0-9a-f]{64}\/out\/bundle$/);
    expect(o!.version).toBe(await readVersion(REPO_ROOT));
  });

  it('build-image: the image from the bundle, pushed to a local registry, with its digest', async () => {
    const bundleDir = outputs['build-func']?.['bundle-dir'];
    expect(bundleDir).toBeDefined();
    const registry = await startLocalRegistry();
    const version = await readVersion(REPO_ROOT);
    try {
      const r = await runAction('build-image', {
        'bundle-dir': bundleDir!,
        // node:24-slim cannot be pulled here: each platform's Node.js base from Debian's packages.
        base: 'debian',
        engine: 'podman',
        registry: registry.address,
        owner: 'faasm',
        push: 'true',
        'cache-dir': scratch,
        // As release.yml builds it: for the version tag, so the version tags are pushed.
        ref: `refs/tags/v${version}`,
      });
      if (r.code !== 0) console.error(r.stdout.slice(-4000));
      expect(r.code).toBe(0);
      const [major, minor] = version.split('.');
      const repo = `${registry.address}/faasm/cpython`;
      expect(r.outputs.tags!.split('\n')).toEqual(
        version.includes('-')
          ? [`${repo}:${version}`]
          : [
              `${repo}:${version}`,
              `${repo}:${major}.${minor}`,
              `${repo}:${major}`,
              `${repo}:latest`,
            ],
      );
      expect(r.outputs.image).toBe(`${repo}:${version}`);
      expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const res = await fetch(`http://${registry.address}/v2/faasm/cpython/manifests/${version}`, {
        headers: {
          // The image is an OCI index (one manifest per platform): its digest is the index's.
          accept:
            'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json',
        },
      });
      expect(res.headers.get('docker-content-digest')).toBe(r.outputs.digest);
      const index = (await res.json()) as { manifests: { platform: { architecture: string } }[] };
      expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual([
        'amd64',
        'arm64',
      ]);
      expect(r.summary).toContain(`| Digest | \`${r.outputs.digest}\` |`);
      await promisify(execFile)('podman', ['rmi', '-f', ...r.outputs.tags!.split('\n')]).catch(
        () => undefined,
      );
    } finally {
      await registry.stop();
    }
  });

  test('run-functions: every example function passes through the local Faasm host', async () => {
    const o = outputs['build-func']!;
    const r = await runAction('run-functions', {
      wasm: o.wasm!,
      'runtime-root': o['runtime-root']!,
    });
    if (r.code !== 0) console.error(r.stdout.slice(-4000));
    expect(r.code).toBe(0);
    expect(Number(r.outputs.passed)).toBeGreaterThanOrEqual(10);
    expect(r.outputs.failed).toBe('0');
    expect(r.summary).toMatch(
      /\| `python\/hello` \| ✅ passed \| 0 \| \d+ ms \| `Hello from Python 3\.\d+\.\d+ on wasi` \|/,
    );
  });
});
