// `faasm-python modules`: add recipes from PyPI, list, build and test the third-party modules.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ActionsCacheStore } from '../layers/actions-store.js';
import { consoleReporter } from '../layers/reporter.js';
import { runLayers, selectLayers } from '../layers/runner.js';
import type { BuildOptions, Layer, LayerResult } from '../layers/types.js';
import { installSitePackages } from '../modules/install.js';
import {
  type ModulesLayerOptions,
  type ModulesManifest,
  createModulesLayer,
} from '../modules/layer.js';
import { adhocRecipe, readAllRecipes, readRecipe } from '../modules/recipe.js';
import { describeRoute } from '../sources/fetch.js';
import { checkArchive } from '../sources/unpack.js';
import { sha256File } from '../util/hash.js';
import { pipeline } from '../pipeline.js';
import { suiteLayer } from '../modules/suite-layer.js';
import { cpythonLines, readCPythonConfig } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import type { ResolvedPackage } from '../modules/pypi.js';
import type { CompatResult } from '../modules/compat.js';
import { cachePaths } from '../paths.js';
import { UsageError, UserError } from '../util/errors.js';
import { formatBytes } from '../util/fs.js';
import { buildOptions, buildOptionSpec, printJson, stringOption } from './common.js';
import type { Command, Values } from './types.js';
import { asRepoFormats } from '../util/format.js';

/** The layers up to modules. (Until the pipeline lists the modules layer itself.) */
export function layersToModules(lo: ModulesLayerOptions = {}): Layer[] {
  return [...selectLayers(pipeline, ['wasm']), createModulesLayer(lo)];
}

async function layerOptions(values: Values, opts: BuildOptions): Promise<ModulesLayerOptions> {
  const name = stringOption(values, 'name');
  const source = stringOption(values, 'source');
  const hash = stringOption(values, 'sha256');
  if ((source || hash) && !name)
    throw new UsageError('--source and --sha256 go with --name: give the module a name.');
  if (!name) return {};
  const known = await readAllRecipes(opts.repoRoot);
  if (known.some((r) => r.name === name)) {
    if (source)
      throw new UsageError(
        `${name} has a recipe (third-party/modules/${name}/recipe.json); drop --source, or change the recipe.`,
      );
    return { names: [name] };
  }
  if (!source) {
    throw new UsageError(
      `Unknown module '${name}'; the modules with recipes are: ${known.map((r) => r.name).join(', ')}; to try another, give --source PATH_OR_URL and --sha256 HASH.`,
    );
  }
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new UsageError(
      `--sha256 must be the 64 hex characters of ${source}'s sha256 (run sha256sum on it).`,
    );
  }
  const checked = await checkAdhocSource(source, hash);
  console.error(
    `warning: ${name} is not in any recipe, so it is unsupported: trying it as a pure module from ${source}, tested only by importing it. Write third-party/modules/${name}/recipe.json to support it.`,
  );
  return { adhoc: adhocRecipe(name, checked, hash) };
}

/**
 * An ad hoc --source, checked before any layer runs: a URL must parse as http(s); a local file
 * must exist, have the given sha256 and hold no member that escapes the tree (checkArchive).
 * Returns the source with a local path made absolute (it is read from the repository's root).
 */
async function checkAdhocSource(source: string, hash: string): Promise<string> {
  if (source.includes('://')) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new UsageError(
        `--source ${source} is not a valid URL; give an http(s) URL or a file path.`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(
        `--source ${source} uses ${url.protocol}; give an http(s) URL or a file path.`,
      );
    }
    return url.href;
  }
  const file = resolve(source);
  if (!(await stat(file).catch(() => undefined))?.isFile()) {
    throw new UserError(`There is no file ${source} to use as --source; check the path.`);
  }
  const actual = await sha256File(file);
  if (actual !== hash) {
    throw new UserError(
      `${source} has sha256 ${actual}, not the ${hash} given with --sha256; it was not unpacked, so check where it came from.`,
    );
  }
  await checkArchive(file);
  return file;
}

async function buildModulesLayer(values: Values): Promise<LayerResult> {
  const opts = buildOptions(values);
  const reporter = consoleReporter();
  const remote = await ActionsCacheStore.create(reporter.warn);
  const lo = await layerOptions(values, opts);
  const results = await runLayers(layersToModules(lo), opts, { reporter, remote });
  const modules = results.get('modules')!;
  const manifest = JSON.parse(
    await readFile(join(modules.dir, 'modules.json'), 'utf8'),
  ) as ModulesManifest;
  for (const m of manifest.modules) {
    const added = `${m.files} files, ${formatBytes(m.bytes)}${m.archiveBytes ? ` + ${formatBytes(m.archiveBytes)} of archives` : ''}`;
    const state = m.status === 'ok' ? added : `${m.status}: ${m.error ?? ''}`;
    console.log(`  ${m.name.padEnd(12)} ${m.version.padEnd(9)} ${m.kind.padEnd(11)} ${state}`);
  }
  return modules;
}

/**
 * `modules add REQUIREMENT...`: one recipe per package of the resolution, in the optional set: in
 * the runtime of a deployment whose requirements file names it, not in the default one.
 */
async function add(values: Values, requirements: string[]): Promise<number> {
  if (!requirements.length)
    throw new UsageError("'modules add' needs at least one requirement, such as ujson==5.10.0.");
  // Loaded on use: the other modules commands (and the CLI's start) need none of it.
  const { resolveRequirements, writeRecipes } = await import('../modules/pypi.js');
  const opts = buildOptions(values);
  const reporter = consoleReporter();
  const results = await runLayers(selectLayers(pipeline, ['native']), opts, { reporter });
  const cpython = await readCPythonConfig(opts.repoRoot, opts.python);
  const { lines } = await cpythonLines(opts.repoRoot);
  const python = nativePython(results.get('native')!.dir, cpython.version);
  const work = await mkdtemp(join(tmpdir(), 'faasm-modules-add-'));
  try {
    const log = join(cachePaths(opts.cacheDir).logs, 'modules-add.log');
    const packages = await resolveRequirements(python, requirements, work, lines, log);
    const r = await writeRecipes(
      opts.repoRoot,
      packages,
      requirements.join(' '),
      values.force === true,
    );
    for (const p of packages) {
      const state = r.kept.includes(p.name) ? 'kept its existing recipe' : `${p.source.file}`;
      console.log(`  ${p.name.padEnd(16)} ${p.version.padEnd(10)} ${p.kind.padEnd(11)} ${state}`);
    }
    for (const f of r.written) console.log(`wrote ${f}`);
    console.log(
      "Build and test one with 'faasm-python modules build --name NAME', deploy it with 'faasm-python build --requirements FILE' (a file naming it); building a package runs its own build code.",
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return 0;
}

/**
 * `modules compat`: attempts every package of third-party/modules/compat.json (or the quick
 * selection) and writes docs/compat.md and docs/compat.json. A package that fails is a row of
 * the table, not a failure of the command; --check makes any failure fail the command.
 */
async function compat(values: Values): Promise<number> {
  const { resolveRequirements } = await import('../modules/pypi.js');
  const {
    asPureWheel,
    compatRecipes,
    failureReason,
    mergeResults,
    passedResult,
    pureFallback,
    withNotes,
    readCompatEntries,
    renderCompat,
  } = await import('../modules/compat.js');
  const { readPyodideCoverage, readRanking, requirementName } =
    await import('../modules/top-pypi.js');
  const opts = buildOptions(values);
  const reporter = consoleReporter();
  const only = stringOption(values, 'only')?.split(',');
  const all = await readCompatEntries(opts.repoRoot);
  const entries = all.filter(
    (e) =>
      (!values.quick || e.quick) &&
      (!only || only.some((o) => requirementName(o) === requirementName(e.requirement))),
  );
  const natives = await runLayers(selectLayers(pipeline, ['native']), opts, { reporter });
  const cpython = await readCPythonConfig(opts.repoRoot, opts.python);
  const { lines } = await cpythonLines(opts.repoRoot);
  const python = nativePython(natives.get('native')!.dir, cpython.version);
  const repoRecipes = await readAllRecipes(opts.repoRoot);
  const results: CompatResult[] = [];
  const work = await mkdtemp(join(tmpdir(), 'faasm-compat-'));
  const log = join(cachePaths(opts.cacheDir).logs, 'modules-compat.log');
  try {
    for (const entry of entries) {
      let packages: ResolvedPackage[] = [];
      try {
        packages = await resolveRequirements(python, [entry.requirement], work, lines, log);
        const fellBack: string[] = [];
        let built;
        for (;;) {
          const recipes = compatRecipes(entry, packages, repoRecipes);
          try {
            built = await runLayers(layersToModules({ recipes }), opts, { reporter });
            break;
          } catch (err) {
            // A compiled build WASI cannot have, where the project ships a pure wheel too.
            const p = pureFallback(packages, err);
            if (!p) throw err;
            fellBack.push(`${p.name} from its pure wheel (${failureReason(err)})`);
            packages = packages.map((x) => (x === p ? asPureWheel(x) : x));
          }
        }
        const requested = packages.find((p) => p.requested)!;
        const result = await passedResult(entry, requested, built.get('modules')!.dir);
        const notes = [result.note, ...fellBack.map((f) => `built ${f}`)].filter(Boolean);
        results.push(notes.length ? { ...result, note: notes.join('; ') } : result);
      } catch (err) {
        const requested = packages.find((p) => p.requested);
        results.push({
          requirement: entry.requirement,
          name: requested?.name ?? entry.requirement.split(/[=<>!~ ]/)[0]!,
          version: requested?.version ?? '',
          kind: requested?.kind ?? '',
          file: requested?.source.file ?? '',
          passed: false,
          reason: failureReason(err),
          extensions: [],
          siteBytes: 0,
        });
      }
      const r = results[results.length - 1]!;
      console.log(`compat: ${r.name} ${r.version} ${r.passed ? 'passes' : `fails: ${r.reason}`}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const docs = join(opts.repoRoot, 'docs');
  await mkdir(docs, { recursive: true });
  const base = values.quick ? 'compat-quick' : 'compat';
  // --only re-attempts some packages: the other rows of the table stay as the last run left them.
  const previous: CompatResult[] = only
    ? await readFile(join(docs, `${base}.json`), 'utf8')
        .then((t) => JSON.parse(t) as CompatResult[])
        .catch(() => [])
    : [];
  const rows = withNotes(all, only ? mergeResults(all, previous, results) : results);
  // The rows' results hold for the line they ran on: the table says which.
  const on = `on CPython ${cpython.version}`;
  const when = values.quick ? `quick selection, ${on}` : `${rows.length} packages, ${on}`;
  const md = join(docs, `${base}.md`);
  const refs = {
    ranking: await readRanking(opts.repoRoot),
    pyodide: await readPyodideCoverage(opts.repoRoot),
  };
  await writeFile(md, await asRepoFormats(md, renderCompat(rows, when, refs), 'markdown'));
  await writeFile(join(docs, `${base}.json`), `${JSON.stringify(rows, null, 2)}\n`);
  const failed = results.filter((r) => !r.passed);
  console.log(
    `${results.length - failed.length} of ${results.length} packages pass; table in docs/${base}.md`,
  );
  return values.check && failed.length ? 1 : 0;
}

/**
 * `modules test-suite NAME`: the module's own test suite inside the runtime; writes
 * docs/NAME-tests.md and fails on any failure not listed as expected.
 */
async function testSuite(values: Values, name: string): Promise<number> {
  const { readTestSuite, renderSuite, runTestSuite } = await import('../modules/test-suite.js');
  const opts = buildOptions(values);
  const recipe = await readRecipe(opts.repoRoot, name);
  const spec = await readTestSuite(opts.repoRoot, name);
  const cpython = await readCPythonConfig(opts.repoRoot, opts.python);
  // A default module's suite runs against the runtime's own modules layer, the one it ships in.
  const lo = recipe.set === 'default' ? {} : { names: [name] };
  const layers = await runLayers([...layersToModules(lo), suiteLayer], opts, {
    reporter: consoleReporter(),
  });
  const log = join(cachePaths(opts.cacheDir).logs, `test-suite-${name}.log`);
  const quick = values.quick === true;
  const { summary: s } = await runTestSuite(
    opts,
    recipe,
    spec,
    {
      wasm: layers.get('wasm')!.dir,
      modules: layers.get('modules')!.dir,
      suite: layers.get('modules-suite')!.dir,
    },
    log,
    quick,
  );
  // Only the whole suite's numbers are the module's record.
  const doc = quick ? '' : `; docs/${name}-tests.md`;
  if (!quick) {
    const docs = join(opts.repoRoot, 'docs');
    await mkdir(docs, { recursive: true });
    const md = join(docs, `${name}-tests.md`);
    await writeFile(
      md,
      await asRepoFormats(md, renderSuite(recipe, spec, s, cpython.version), 'markdown'),
    );
  }
  for (const c of s.unexpected) console.log(`  unexpected failure: ${c.id}: ${c.message ?? ''}`);
  console.log(
    `${name} test suite${quick ? ' (quick selection)' : ''}: ${s.run} run, ${s.passed} passed, ${s.failed} failed (${s.expected} expected), ${s.skipped} skipped, ${s.files} test files${doc}`,
  );
  return s.unexpected.length ? 1 : 0;
}

async function list(values: Values): Promise<number> {
  const opts = buildOptions(values);
  const recipes = await readAllRecipes(opts.repoRoot);
  if (values.json === true) {
    printJson(recipes);
    return 0;
  }
  for (const r of recipes) {
    const exts = r.extensions.length ? ` [${r.extensions.map((e) => e.name).join(', ')}]` : '';
    // optional: only in a deployment that names it; experimental: only with --experimental.
    const set = r.set === 'default' ? '' : ` (${r.set})`;
    console.log(`${r.name.padEnd(12)} ${r.version.padEnd(9)} ${r.kind}${exts}${set}`);
    if (r.summary) console.log(`    ${r.summary}`);
    const routes = r.sources.map((s) =>
      s.kind === 'repo' ? `repository ${s.path}/` : describeRoute(s),
    );
    console.log(`    sources: ${routes.join('; ')}`);
    if (r.requires.length) console.log(`    requires: ${r.requires.join(', ')}`);
    if (r.why) console.log(`    why experimental: ${r.why}`);
  }
  return 0;
}

export const modulesCommand: Command = {
  name: 'modules',
  summary: 'List, add (from PyPI), build or install the third-party Python modules of the runtime',
  usage: `Usage: faasm-python modules list|add|build|install [options]

  add REQUIREMENT...       resolve the requirements (ujson==5.10.0, pyyaml) and their dependencies
                           on the package index pip uses, and write one recipe per package into
                           third-party/modules (sdist for compiled code, pure wheel otherwise),
                           pinned by URL and sha256, in the optional set (in the runtime only of a
                           deployment that names it: build --requirements); --force rewrites a
                           named package's recipe

  list                     every recipe in third-party/modules: version, kind, sources
                           (--json: the recipes as a JSON array on stdout)
  compat [--quick] [--only a,b] [--check]
                           attempt every package of third-party/modules/compat.json (resolve,
                           build with its own backend, test in the runtime) and write the table
                           docs/compat.md (--quick: the representative selection, into
                           docs/compat-quick.md; --only: re-attempt those, keeping the table's
                           other rows; --check: exit 1 if any fails)
  test-suite NAME [--quick]
                           run module NAME's own test suite (its sdist's tests, with pytest)
                           inside the runtime, as third-party/modules/NAME/test-suite.json says;
                           writes docs/NAME-tests.md; exit 1 on a failure not listed as expected
                           (--quick: only the file's representative 'quick' selection, no docs)
  build                    build the modules layer (and what it needs): the default set
  build --experimental     ... and the experimental set (failures there are reported, not fatal)
  build --name X           only module X and what it requires
  build --name X --source PATH_OR_URL --sha256 H
                           try a module that has no recipe (unsupported): installed as a pure
                           module with pip, tested by importing it
  install --root DIR       build, then lay the site-packages into DIR/lib/python3.X/site-packages

Every module's recipe test runs inside the wasm runtime before the layer is kept: a module
that fails to fetch, compile or pass its test leaves the previous layer and the runtime root
as they were.

Options:
  --cache-dir DIR   layer cache (default $FAASM_PYTHON_CACHE or $XDG_CACHE_HOME/faasm-python)
  --no-cache        rebuild the modules layer even if cached
  -j, --jobs N      parallel make jobs for the layers below (default: CPU count)
  -v, --verbose     echo tool output while building`,
  options: {
    ...buildOptionSpec,
    name: { type: 'string' },
    source: { type: 'string' },
    sha256: { type: 'string' },
    root: { type: 'string' },
    json: { type: 'boolean' },
    force: { type: 'boolean' },
    quick: { type: 'boolean' },
    only: { type: 'string' },
    check: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    const [action = 'list', ...rest] = positionals;
    if (action === 'add') return add(values, rest);
    if (action === 'compat' && !rest.length) return compat(values);
    if (action === 'test-suite' && rest.length === 1) return testSuite(values, rest[0]!);
    if (action === 'test-suite')
      throw new UsageError("'modules test-suite' takes one module name, such as numpy.");
    if (rest.length)
      throw new UsageError(
        `'modules ${action}' takes no further arguments (got ${rest.join(' ')}).`,
      );
    if (action === 'list') return list(values);
    if (action === 'build') {
      const r = await buildModulesLayer(values);
      console.log(`modules layer: ${r.dir}`);
      return 0;
    }
    if (action === 'install') {
      const root = stringOption(values, 'root');
      if (!root)
        throw new UsageError(
          "'modules install' needs --root DIR: the runtime root to install into.",
        );
      const r = await buildModulesLayer(values);
      console.log(`installed into ${await installSitePackages(r.dir, root)}`);
      return 0;
    }
    throw new UsageError(
      `Unknown modules action '${action}'; use list, build, install, add, compat or test-suite.`,
    );
  },
};
