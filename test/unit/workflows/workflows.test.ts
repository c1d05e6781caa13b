import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import {
  actionlint as runActionlint,
  ensureActionlint,
} from '../../../src/workflows/actionlint.js';
import { cachePaths, defaultCacheDir } from '../../../src/paths.js';
import {
  REPO,
  type Plain,
  type Workflow,
  actionNames,
  loadAction,
  loadWorkflows,
  obj,
  parseWorkflowText,
} from '../actions/workflow-files.js';

let workflows: Workflow[];
let actionlintBin: string;
beforeAll(async () => {
  workflows = await loadWorkflows();
  // A no-op once `faasm-python setup --test-tools` has installed it.
  actionlintBin = await ensureActionlint(cachePaths(defaultCacheDir()).tools);
}, 600_000);
const workflow = (name: string) => {
  const w = workflows.find((x) => x.path === `.github/workflows/${name}`);
  if (!w) throw new Error(`no .github/workflows/${name}`);
  return w;
};

/** actionlint (current, with shellcheck) on one workflow file; nothing is filtered. */
async function actionlint(path: string, text?: string) {
  if (text === undefined) return runActionlint(actionlintBin, [path], REPO);
  const dir = mkdtempSync(join(tmpdir(), 'faasm-actionlint-'));
  try {
    writeFileSync(join(dir, path), text);
    return await runActionlint(actionlintBin, [path], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every workflow: each is parsed and linted. */
const ALL = [
  'compat.yml',
  'image.yml',
  'numpy-tests.yml',
  'python-3.11.yml',
  'regrtest.yml',
  'release.yml',
  'reproducible.yml',
  'tests.yml',
];

describe('workflows parse and lint', () => {
  test('there are the eight workflows, and the lint lists name each', () => {
    expect(workflows.map((w) => w.path)).toEqual(ALL.map((n) => `.github/workflows/${n}`));
  });

  test.each(ALL)('%s parses with @actions/workflow-parser', (name) => {
    const w = workflow(name);
    expect(w.errors).toEqual([]);
    expect(w.modelErrors).toEqual([]);
    expect(w.jobs.length).toBeGreaterThan(0);
  });

  test.each(ALL)('%s passes actionlint', async (name) => {
    const w = workflow(name);
    expect(await actionlint(w.path)).toEqual([]);
  });

  test('numpy-tests runs the whole suite through the command, weekly and by hand', () => {
    const w = workflow('numpy-tests.yml');
    const runs = w.text.split('\n').filter((l) => /^\s*run: .*modules test-suite/.test(l));
    expect(runs.map((l) => l.trim())).toEqual([
      'run: node bin/faasm-python.js modules test-suite numpy --cache-dir "$CACHE_DIR"',
    ]);
    expect(w.text).toMatch(/^on:\n {2}schedule:\n {4}- cron: /m);
    expect(w.text).toMatch(/^ {2}workflow_dispatch:/m);
  });

  /** A one-job workflow with these step lines. */
  const withSteps = (...steps: string[]) =>
    ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-24.04', '    steps:', ...steps].join('\n');

  test('the checks can fail: a broken workflow is reported by both', async () => {
    const bad = withSteps(
      '      - run: echo "${{ github.nope }}"',
      '        shell: bash',
      '        timeout-minutes: soon',
    );
    const parsed = await parseWorkflowText('bad.yml', bad);
    expect(parsed.errors.length).toBeGreaterThan(0);
    const findings = await actionlint('bad.yml', bad);
    expect(findings.map((f) => f.kind)).toContain('expression');
  });

  test('shellcheck runs on run: scripts', async () => {
    const bad = withSteps('      - run: cd $HOME/some dir && ls');
    const findings = await actionlint('bad.yml', bad);
    expect(findings.map((f) => f.kind)).toContain('shellcheck');
  });
});

describe('actions parse', () => {
  const names = actionNames();

  test('every action of issue #6 has an action.yml', () => {
    expect(names).toEqual([
      'build-func',
      'build-image',
      'build-modules',
      'build-native',
      'build-wasm',
      'bump-version',
      'run-functions',
      'setup-toolchain',
      'tag-release',
    ]);
  });

  test.each(names)(
    '%s: parses, documents every input and output, runs its bundle on node24',
    (name) => {
      const action = loadAction(name);
      expect(action.errors).toEqual([]);
      expect(action.runs).toEqual({ using: 'node24', main: `../../dist/${name}/index.js` });
      expect(existsSync(resolve(REPO, 'actions', name, action.runs.main ?? ''))).toBe(true);
      expect(existsSync(join(REPO, 'actions', name, 'index.ts'))).toBe(true);
      expect(typeof action.value.description).toBe('string');
      for (const section of ['inputs', 'outputs'] as const) {
        for (const [id, spec] of Object.entries(obj(action.value[section]))) {
          expect([id, String(obj(spec).description ?? '').length > 10]).toEqual([id, true]);
        }
      }
      expect(action.outputs.size).toBeGreaterThan(0);
    },
  );
});

/** Every `uses:` of a workflow: [file, line text, value]. */
function usesLines(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const w of workflows) {
    for (const line of w.text.split('\n')) {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(line);
      if (m?.[1]) out.push([w.path, line.trim(), m[1]]);
    }
  }
  return out;
}

describe('supply chain and permissions', () => {
  test('third-party actions are pinned to a full commit SHA with a version comment', () => {
    const remote = usesLines().filter(([, , uses]) => !uses.startsWith('./'));
    expect(remote.length).toBeGreaterThan(0);
    for (const [file, line, uses] of remote) {
      expect([file, line, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses)]).toEqual([
        file,
        line,
        true,
      ]);
      expect([file, line, /#\s*v\d+(\.\d+){0,2}\s*$/.test(line)]).toEqual([file, line, true]);
    }
  });

  test('one SHA per action across the workflows', () => {
    const shas = new Map<string, Set<string>>();
    for (const [, , uses] of usesLines()) {
      const [name = '', sha = ''] = uses.split('@');
      if (!uses.startsWith('./')) shas.set(name, (shas.get(name) ?? new Set()).add(sha));
    }
    for (const [name, set] of shas) expect([name, set.size]).toEqual([name, 1]);
  });

  test('nothing by default; every job names its permissions; writes only where needed', () => {
    const writes: string[] = [];
    for (const w of workflows) {
      expect([w.path, w.value.permissions]).toEqual([w.path, {}]);
      for (const job of w.jobs) {
        const perms = obj(job.value.permissions);
        expect([w.path, job.id, Object.keys(perms).length > 0]).toEqual([w.path, job.id, true]);
        for (const [scope, level] of Object.entries(perms)) {
          if (level === 'write') writes.push(`${w.path} ${job.id} ${scope}`);
          else expect([w.path, job.id, scope, level]).toEqual([w.path, job.id, scope, 'read']);
        }
      }
    }
    expect(writes.sort()).toEqual([
      '.github/workflows/image.yml image packages',
      '.github/workflows/release.yml attest attestations',
      '.github/workflows/release.yml attest id-token',
      '.github/workflows/release.yml image packages',
      '.github/workflows/release.yml pypi id-token',
      '.github/workflows/release.yml release contents',
    ]);
  });

  test('jobs that publish (write packages or contents) run behind environment: release', () => {
    for (const w of workflows) {
      for (const job of w.jobs) {
        const perms = obj(job.value.permissions);
        if (perms.packages === 'write' || perms.contents === 'write') {
          expect([w.path, job.id, job.value.environment]).toEqual([w.path, job.id, 'release']);
        }
      }
    }
  });

  test('release.yml attests the bundle and the pushed image digest, pinned, in a job of its own', () => {
    const w = workflow('release.yml');
    const attest = w.jobs.find((j) => j.id === 'attest');
    const steps = (attest?.steps ?? []).filter((s) =>
      String(s.uses ?? '').startsWith('actions/attest-build-provenance@'),
    );
    expect(steps.map((s) => obj(s.with))).toEqual([
      { 'subject-path': '${{ runner.temp }}/bundle/*' },
      {
        'subject-name': 'ghcr.io/${{ github.repository_owner }}/cpython',
        'subject-digest': '${{ needs.image.outputs.digest }}',
      },
    ]);
    // id-token is for the jobs that run no build code: attest, and pypi (trusted publishing).
    for (const job of w.jobs) {
      expect([job.id, 'id-token' in obj(job.value.permissions)]).toEqual([
        job.id,
        ['attest', 'pypi'].includes(job.id),
      ]);
    }
    expect(w.jobs.find((j) => j.id === 'release')?.value.needs).toContain('attest');
  });

  test('no secrets are reachable from pull requests', () => {
    for (const w of workflows) {
      const on = obj(w.value.on);
      expect([w.path, 'pull_request_target' in on]).toEqual([w.path, false]);
      if ('pull_request' in on) expect([w.path, /secrets\./.test(w.text)]).toEqual([w.path, false]);
    }
  });

  test('checkouts keep no credentials behind', () => {
    for (const w of workflows) {
      for (const job of w.jobs) {
        for (const step of job.steps) {
          if (String(step.uses ?? '').startsWith('actions/checkout@')) {
            // `with:` values are strings to the runner.
            expect([w.path, job.id, String(obj(step.with)['persist-credentials'])]).toEqual([
              w.path,
              job.id,
              'false',
            ]);
          }
        }
      }
    }
  });

  test('superseded pull request runs are cancelled; releases and images never are', () => {
    expect(obj(workflow('tests.yml').value.concurrency)['cancel-in-progress']).toBe(
      "${{ github.event_name == 'pull_request' }}",
    );
    expect(String(obj(workflow('tests.yml').value.concurrency).group)).toContain(
      'github.event.pull_request.number',
    );
    expect(obj(workflow('release.yml').value.concurrency)['cancel-in-progress']).toBe(false);
    expect(obj(workflow('image.yml').value.concurrency)['cancel-in-progress']).toBe(false);
  });
});

/** The `uses:` of a job's steps, and the `run:` scripts, in order. */
const stepsOf = (w: Workflow, job: string): Plain[] =>
  (w.jobs.find((j) => j.id === job)?.steps ?? []).map((s) => s.uses ?? s.run ?? null);

/** A job's FAASM_PYTHON_CACHE_RESTORE / _SAVE (what every layer action and CLI step reads). */
const scopeOf = (w: Workflow, job: string) => {
  const env = obj(w.jobs.find((j) => j.id === job)?.value.env);
  return [env.FAASM_PYTHON_CACHE_RESTORE, env.FAASM_PYTHON_CACHE_SAVE];
};

describe('no cache path from third-party code into a release', () => {
  test('only a push to main saves the scope releases restore; pull requests save under pr', () => {
    expect(scopeOf(workflow('tests.yml'), 'build')).toEqual([
      "${{ github.event_name == 'push' && 'main' || 'pr,main' }}",
      "${{ github.event_name == 'push' && 'main' || 'pr' }}",
    ]);
  });

  test.each([
    ['compat.yml', 'compat'],
    ['tests.yml', 'compat-quick'],
    ['numpy-tests.yml', 'numpy-tests'],
    ['regrtest.yml', 'regrtest'],
    ['release.yml', 'build'],
    ['image.yml', 'build'],
  ])('%s %s: restore-only, by exact key, from main', (name, job) => {
    expect(scopeOf(workflow(name), job)).toEqual(['main', 'none']);
  });

  test('python-3.11.yml: weekly, cold (restores and saves nothing), the whole suite on the 3.11 line', () => {
    const w = workflow('python-3.11.yml');
    expect(scopeOf(w, 'line')).toEqual(['none', 'none']);
    expect(Object.keys(obj(w.value.on))).toEqual(['schedule', 'workflow_dispatch']);
    expect(obj(w.jobs.find((j) => j.id === 'line')?.value.env).FAASM_PYTHON_LINE).toBe('3.11');
    expect(stepsOf(w, 'line')).toContain('.ci/run');
  });

  test('every job that builds layers names its scope (the default would be restore-only anyway)', () => {
    for (const w of workflows) {
      for (const job of w.jobs) {
        if (
          job.steps.some((s) =>
            /^\.\/actions\/(setup-toolchain|build-(native|wasm|modules|func)|run-functions)$/.test(
              String(s.uses ?? ''),
            ),
          )
        ) {
          expect([w.path, job.id, scopeOf(w, job.id)[0] !== undefined]).toEqual([
            w.path,
            job.id,
            true,
          ]);
        }
      }
    }
  });

  test('a release and an image rebuild restore no cache by prefix and keep no npm cache', () => {
    for (const name of ['release.yml', 'image.yml']) {
      const w = workflow(name);
      expect([name, /restore-keys/.test(w.text)]).toEqual([name, false]);
      for (const job of w.jobs) {
        for (const step of job.steps) {
          const uses = String(step.uses ?? '');
          expect([name, uses.startsWith('actions/cache@')]).toEqual([name, false]);
          if (uses.startsWith('actions/setup-node@')) {
            expect([name, job.id, String(obj(step.with)['package-manager-cache'])]).toEqual([
              name,
              job.id,
              'false',
            ]);
          }
        }
      }
    }
  });
});

describe('what the workflows do', () => {
  test('tests.yml: pull requests and pushes to main', () => {
    const on = obj(workflow('tests.yml').value.on);
    expect(Object.keys(on).sort()).toEqual(['pull_request', 'push']);
    expect(obj(on.push).branches).toEqual(['main']);
  });

  test('tests.yml: lint, unit tests, workflow lint and the dist check', () => {
    const w = workflow('tests.yml');
    const runs = w.jobs.flatMap((j) => j.steps.map((s) => String(s.run ?? '')));
    expect(runs).toContain('npm run lint');
    expect(runs).toContain('npm run typecheck');
    expect(runs).toContain('npm run test:unit');
    expect(runs.some((r) => r.includes('test/unit/workflows/workflows.test.ts'))).toBe(true);
    const dist = stepsOf(w, 'dist').map(String);
    expect(dist).toContain('npm run package');
    expect(dist.some((s) => s.includes('git status --porcelain -- dist'))).toBe(true);
  });

  test('tests.yml: pyfaasm tested on every Python it declares, with the pins of the unit test', async () => {
    const w = workflow('tests.yml');
    const job = w.jobs.find((j) => j.id === 'pyfaasm');
    const text = job?.text ?? '';
    const pyproject = await readFile(join(REPO, 'pyfaasm/pyproject.toml'), 'utf8');
    const oldest = /^requires-python = ">=3\.(\d+)"$/m.exec(pyproject)?.[1];
    const matrix = /python: \[([^\]]+)\]/.exec(text)?.[1]?.match(/3\.\d+/g) ?? [];
    expect(matrix[0]).toBe(`3.${oldest}`);
    const pins = /const TOOLS = \[([^\]]+)\]/
      .exec(await readFile(join(REPO, 'test/integration/pyfaasm-pytest.test.ts'), 'utf8'))?.[1]
      ?.match(/[\w-]+==[\d.]+/g);
    const run = (job?.steps ?? []).map((s) => String(s.run ?? '')).join('\n');
    for (const pin of pins ?? ['missing']) expect(run).toContain(pin);
    expect(run).toContain('python -m pytest');
    expect(run).toContain('python -m mypy');
  });

  test('tests.yml: the build chain in order, then the functions, and the bundle kept', () => {
    const uses = stepsOf(workflow('tests.yml'), 'build').map(String);
    const chain = uses.filter((u) => u.startsWith('./actions/'));
    expect(chain).toEqual([
      './actions/setup-toolchain',
      './actions/build-native',
      './actions/build-wasm',
      './actions/build-modules',
      './actions/build-func',
      './actions/run-functions',
    ]);
    expect(uses.some((u) => u.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  test('regrtest.yml: scheduled (and by hand), the full suite on wasm and native', () => {
    const w = workflow('regrtest.yml');
    expect(Object.keys(obj(w.value.on)).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(obj(w.value.concurrency)['cancel-in-progress']).toBe(false);
    const runs = stepsOf(w, 'regrtest').map(String);
    expect(runs).toContain('./actions/setup-toolchain');
    expect(
      runs.some((r) => r.includes('--selection full') && r.includes('faasm-python.js regrtest')),
    ).toBe(true);
    expect(w.text).toContain('platform: [wasm, native]');
  });

  test('release.yml: tags v*.*.* only; refuses a tag that is not VERSION before building', () => {
    const w = workflow('release.yml');
    expect(w.value.on).toEqual({ push: { tags: ['v*.*.*'] } });
    const check = stepsOf(w, 'check').map(String).join('\n');
    expect(check).toContain('"$GITHUB_REF_NAME" != "v$version"');
    expect(w.jobs.find((j) => j.id === 'build')?.value.needs).toBe('check');
    const release = stepsOf(w, 'release').map(String);
    expect(release).toContain('./actions/tag-release');
    expect(stepsOf(w, 'image').map(String)).toContain('./actions/build-image');
  });

  test('release.yml: pyfaasm to PyPI by trusted publishing, with attestations, from the release', () => {
    const w = workflow('release.yml');
    const job = w.jobs.find((j) => j.id === 'pypi');
    expect(job?.value.needs).toBe('release');
    expect(obj(job?.value.environment).name).toBe('release');
    // The OIDC token is this job's alone, and no password or API token is used.
    expect(job?.value.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    for (const other of w.jobs.filter((j) => !['pypi', 'attest'].includes(j.id)))
      expect([other.id, 'id-token' in obj(other.value.permissions)]).toEqual([other.id, false]);
    const steps = job?.steps ?? [];
    const publish = steps.find((s) => String(s.uses).startsWith('pypa/gh-action-pypi-publish@'));
    // `with:` values are strings to the runner.
    expect(obj(publish?.with)).toEqual({
      'packages-dir': 'dist',
      attestations: 'true',
      'skip-existing': 'true',
    });
    // It runs no code of the project: no checkout, no local action, no npm.
    expect(steps.map((s) => String(s.uses ?? s.run))).toEqual([
      expect.stringContaining('gh release download "$TAG"'),
      expect.stringMatching(/^pypa\/gh-action-pypi-publish@[0-9a-f]{40}$/),
    ]);
  });

  test('release.yml names the image of the current VERSION (kept in step by the bump)', () => {
    const version = readFileSync(join(REPO, 'VERSION'), 'utf8').trim();
    expect(obj(workflow('release.yml').value.env).IMAGE).toBe(`ghcr.io/faasm/cpython:${version}`);
  });

  test('image.yml: workflow_dispatch with version, push and nocache', () => {
    const w = workflow('image.yml');
    const inputs = obj(obj(obj(w.value.on).workflow_dispatch).inputs);
    expect(Object.keys(inputs).sort()).toEqual(['nocache', 'push', 'version']);
    expect(obj(inputs.push).type).toBe('boolean');
    expect(obj(inputs.nocache).type).toBe('boolean');
    expect(stepsOf(w, 'image').map(String)).toContain('./actions/build-image');
  });
});
