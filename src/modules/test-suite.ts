// A module's own test suite on the runtime: its selection, the pytest run and the JUnit summary.
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPythonWasm } from '../cpython/python-wasm.js';
import { fetchSource } from '../sources/fetch.js';
import type { SourceRoute } from '../sources/types.js';
import { unpack } from '../sources/unpack.js';
import type { BuildOptions } from '../layers/types.js';
import { UserError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { exists } from '../util/fs.js';
import type { ModulesManifest } from './layer.js';
import { BuildRequirement, type ModuleRecipe, TEST_SUITE_FILE } from './recipe.js';
import { Dict, Fields, type Static, Type, validate } from './schema.js';
import { SUITE_INTERPRETER } from './suite-layer.js';

/**
 * `third-party/modules/<name>/test-suite.json`: how a module's own test suite runs inside the
 * runtime. Not part of the module's build key (see moduleInputs): the suite is run after.
 */
const strings = Type.Array(Type.String(), { default: [] });
const reasons = Dict(Type.String(), undefined, { default: {} });
const TestSuite = Fields({
  /** Pure wheels the suite needs (pytest, hypothesis ...), pinned; never shipped. */
  requires: Type.Array(BuildRequirement),
  /** Test directories or files of the sdist, copied beside the installed package. */
  paths: Type.Array(Type.String()),
  /** Other files of the sdist the tests need (numpy's conftest.py), copied but not run. */
  support: strings,
  /** Patches to the tests (repository-relative, `patch -p1` on the sdist), never to the build. */
  patches: strings,
  /** Test files left out, each with the reason. */
  exclude: reasons,
  /** Extra pytest arguments. */
  args: strings,
  /** Test ids (file::class::name, parametrisation dropped) expected to fail, each with why. */
  expectedFailures: reasons,
  /** A representative, fast selection (test files or node ids within `paths`) for `--quick`. */
  quick: strings,
});
export type TestSuiteSpec = Static<typeof TestSuite>;

export async function readTestSuite(repoRoot: string, name: string): Promise<TestSuiteSpec> {
  const file = join(repoRoot, 'third-party', 'modules', name, TEST_SUITE_FILE);
  if (!(await exists(file)))
    throw new UserError(
      `${name} has no ${TEST_SUITE_FILE} beside its recipe: nothing says how its test suite runs.`,
    );
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  const { value: spec, errors } = validate(TestSuite, json);
  if (errors) throw new UserError(`${file}: field '${errors[0]!.field}' ${errors[0]!.message}.`);
  const outside = spec.quick.find((q) => !within(q.split('::')[0]!, spec.paths));
  if (outside)
    throw new UserError(
      `${file}: quick entry ${outside} is not under any of its 'paths'; add its directory there or fix the entry.`,
    );
  return spec;
}

const within = (path: string, dirs: readonly string[]) =>
  dirs.some((d) => path === d || path.startsWith(`${d}/`));

/** What pytest is asked to run: every path, or the quick selection (which must not be empty). */
export function selection(spec: TestSuiteSpec, quick: boolean, name: string): string[] {
  if (!quick) return spec.paths;
  if (!spec.quick.length)
    throw new UserError(
      `${TEST_SUITE_FILE} of ${name} has no 'quick' selection; list a few fast test files there, or run the whole suite without --quick.`,
    );
  return spec.quick;
}

export interface TestCase {
  id: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message?: string;
}

const xmlText = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Test cases from a JUnit XML report (pytest's --junitxml, junit_family xunit1, rootdir the
 * site-packages): ids are file::Class::name (file::name for a module-level test), the
 * parametrisation dropped; a module that failed to import is its file.
 */
export function parseJunit(xml: string): TestCase[] {
  const cases: TestCase[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const attr = (n: string) => xmlText(new RegExp(`\\b${n}="([^"]*)"`).exec(m[1]!)?.[1] ?? '');
    const body = m[3] ?? '';
    const [file, classname] = [attr('file'), attr('classname')];
    const name = attr('name').replace(/\[.*$/, '');
    const module = file.replace(/\.py$/, '').replace(/\//g, '.');
    const cls = classname.startsWith(`${module}.`) ? classname.slice(module.length + 1) : '';
    // A module that failed to import: classname empty, the module's dotted name as the name.
    const uncollected = classname
      ? undefined
      : file || /test module '([^']+\.py)'/.exec(body)?.[1] || `${name.replace(/\./g, '/')}.py`;
    const id = uncollected ?? [file, ...(cls ? cls.split('.') : []), name].join('::');
    const failure = /<(failure|error)\b[^>]*message="([^"]*)"/.exec(body);
    const outcome =
      failure || /<(failure|error)\b/.test(body)
        ? 'failed'
        : /<skipped\b/.test(body)
          ? 'skipped'
          : 'passed';
    const message = failure ? xmlText(failure[2]!).slice(0, 200) : undefined;
    cases.push({ id, outcome, ...(message !== undefined ? { message } : {}) });
  }
  return cases;
}

export interface SuiteSummary {
  /** Test files run (each its own process in the whole suite). */
  files: number;
  run: number;
  passed: number;
  failed: number;
  skipped: number;
  expected: number;
  /** Failed ids not in expectedFailures. */
  unexpected: TestCase[];
}

/** Matches an expected-failure id: exact, or a prefix ending in `::` (a whole class or file). */
export function summarise(
  cases: readonly TestCase[],
  expected: Record<string, string>,
  files: number,
): SuiteSummary {
  const isExpected = (id: string) =>
    Object.keys(expected).some(
      (k) => id === k || (k.endsWith('::') && id.startsWith(k)) || id.startsWith(`${k}::`),
    );
  const failed = cases.filter((c) => c.outcome === 'failed');
  return {
    files,
    run: cases.length,
    passed: cases.filter((c) => c.outcome === 'passed').length,
    failed: failed.length,
    skipped: cases.filter((c) => c.outcome === 'skipped').length,
    expected: failed.filter((c) => isExpected(c.id)).length,
    unexpected: failed.filter((c) => !isExpected(c.id)),
  };
}

async function fetchInto(opts: BuildOptions, what: string, routes: SourceRoute[], dest: string) {
  const f = await fetchSource(what, routes, { cacheDir: opts.cacheDir, repoRoot: opts.repoRoot });
  await unpack(f.path, dest);
}

/** One test file's process may run this long before it is counted as failed. */
const FILE_TIMEOUT_MS = 30 * 60_000;

/** The test files (test_*.py) under the targets, sorted; a target that is a file stays as it is. */
export async function testFiles(site: string, targets: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    const path = t.split('::')[0]!;
    if (!(await stat(join(site, path))).isDirectory()) {
      out.push(t);
      continue;
    }
    const found = (await readdir(join(site, path), { recursive: true }))
      .filter((f) => /(^|\/)test_[^/]*\.py$/.test(f))
      .map((f) => `${path}/${f}`);
    out.push(...found.sort());
  }
  return out;
}

/**
 * Runs a module's own test suite inside the wasm runtime: the suite layer's interpreter (every
 * extension built in, the test-only ones too), the modules layer's site-packages plus the
 * suite's tests from the module's sdist and the pinned test requirements, in a scratch copy
 * that is never shipped.
 */
export async function runTestSuite(
  opts: BuildOptions,
  recipe: ModuleRecipe,
  spec: TestSuiteSpec,
  layers: { wasm: string; modules: string; suite: string },
  log: string,
  quick = false,
): Promise<{ cases: TestCase[]; summary: SuiteSummary; stdout: string }> {
  const targets = selection(spec, quick, recipe.name);
  const manifest = JSON.parse(
    await readFile(join(layers.modules, 'modules.json'), 'utf8'),
  ) as ModulesManifest;
  const work = await mkdtemp(join(tmpdir(), `faasm-suite-${recipe.name}-`));
  try {
    const site = join(work, 'site');
    await cp(join(layers.modules, 'site-packages'), site, { recursive: true });
    // A test requirement the runtime already ships (attrs, for hypothesis) is used as shipped.
    const shipped = new Set(
      manifest.modules.filter((m) => m.status === 'ok').map((m) => m.name.toLowerCase()),
    );
    for (const req of spec.requires) {
      if (shipped.has(req.name.toLowerCase())) continue;
      await fetchInto(opts, `${req.name} ${req.version} (test requirement)`, req.sources, site);
    }
    const src = join(work, 'src');
    const routes = recipe.sources.filter((s): s is SourceRoute => s.kind !== 'repo');
    await fetchInto(opts, `${recipe.name} ${recipe.version}`, routes, src);
    for (const p of spec.patches) {
      const file = resolve(opts.repoRoot, p);
      if (!(await exists(file)))
        throw new UserError(`${TEST_SUITE_FILE} of ${recipe.name}: its patch ${p} does not exist.`);
      await exec('patch', ['-p1', '--forward', '--batch', '-i', file], { cwd: src, log });
    }
    for (const p of [...spec.paths, ...spec.support]) {
      if (!(await exists(join(src, p))))
        throw new UserError(`${TEST_SUITE_FILE} of ${recipe.name}: ${p} is not in its sdist.`);
      await cp(join(src, p), join(site, p), { recursive: true });
    }
    for (const p of Object.keys(spec.exclude))
      await rm(join(site, p), { recursive: true, force: true });
    await mkdir(join(work, 'tmp'));
    const guestSite = `/lib/${manifest.python}/site-packages`;
    const preopens = [
      { guest: '/', host: layers.wasm, readOnly: true },
      { guest: guestSite, host: site, readOnly: true },
      { guest: '/tmp', host: join(work, 'tmp'), readOnly: false },
    ];
    // WASI has no dup() and the guest no /dev/null: pytest captures output at the sys level,
    // not by file descriptor, and its logging plugin (which opens os.devnull) stays off. A
    // --basetemp of its own per process: without one pytest asks os.getuid(), which WASI lacks.
    const pytest = (batch: readonly string[], junit: string) => [
      '-m', 'pytest', ...batch.map((p) => `${guestSite}/${p}`), '-p', 'no:cacheprovider',
      '-p', 'no:faulthandler', '-p', 'no:logging', '--capture=sys', '-q', '-rN',
      `--rootdir=${guestSite}`, '-o', 'junit_family=xunit1', `--junitxml=/tmp/${junit}.xml`,
      `--basetemp=/tmp/${junit}`, ...spec.args,
    ]; // prettier-ignore
    const wasm = join(layers.suite, SUITE_INTERPRETER);
    // The whole suite runs one process per test file, so a file that traps or hangs costs its
    // own tests and not the others' counts; the quick selection is one process (startup is
    // most of its time).
    const files = await testFiles(site, targets);
    const batches = quick ? [targets] : files.map((f) => [f]);
    const results: { cases: TestCase[]; stdout: string }[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const batch = batches[i]!;
        const junit = `junit-${i}`;
        const run = await runPythonWasm(wasm, preopens, pytest(batch, junit), {
          log,
          timeoutMs: FILE_TIMEOUT_MS,
        });
        const xml = join(work, 'tmp', `${junit}.xml`);
        if (await exists(xml)) {
          const cases = parseJunit((await readFile(xml, 'utf8')).split(`${guestSite}/`).join(''));
          results[i] = { cases, stdout: run.stdout };
          continue;
        }
        const why = run.timedOut
          ? `timed out after ${FILE_TIMEOUT_MS / 60_000} min`
          : `exit ${run.code}: ${run.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`;
        const message = `the test process ended without a report (${why})`;
        results[i] = {
          cases: batch.map((id) => ({ id, outcome: 'failed', message })),
          stdout: run.stdout,
        };
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, opts.jobs), batches.length) }, worker),
    );
    const cases = results.flatMap((r) => r.cases);
    const stdout = results.map((r) => r.stdout).join('');
    const fileCount = new Set(files.map((f) => f.split('::')[0])).size;
    return { cases, summary: summarise(cases, spec.expectedFailures, fileCount), stdout };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** docs/<name>-tests.md: the numbers, and every expected failure with its reason. */
export function renderSuite(
  recipe: ModuleRecipe,
  spec: TestSuiteSpec,
  s: SuiteSummary,
  python: string,
): string {
  return [
    `# ${recipe.name} ${recipe.version}: its own test suite inside the wasm runtime (CPython ${python})`,
    '',
    `Generated by \`faasm-python modules test-suite ${recipe.name}\` from \`third-party/modules/${recipe.name}/${TEST_SUITE_FILE}\`.`,
    '',
    `| test files | run | passed | failed | skipped | expected failures | unexpected failures |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    `| ${s.files} | ${s.run} | ${s.passed} | ${s.failed} | ${s.skipped} | ${s.expected} | ${s.unexpected.length} |`,
    '',
    ...(Object.keys(spec.exclude).length
      ? [
          '## Test files left out',
          '',
          ...Object.entries(spec.exclude).map(([k, v]) => `- \`${k}\`: ${v}`),
          '',
        ]
      : []),
    '## Expected failures',
    '',
    ...Object.entries(spec.expectedFailures).map(([k, v]) => `- \`${k}\`: ${v}`),
    '',
    ...(s.unexpected.length
      ? [
          '## Unexpected failures',
          '',
          ...s.unexpected.map((c) => `- \`${c.id}\`: ${c.message ?? ''}`),
          '',
        ]
      : []),
  ].join('\n');
}
