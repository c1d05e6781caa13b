// The compatibility run: which PyPI packages build and import on the runtime, and the report of it.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModulesManifest } from './layer.js';
import type { ResolvedPackage } from './pypi.js';
import { type ModuleRecipe, parseRecipe } from './recipe.js';
import { recipeFor } from './pypi.js';
import { UserError, errorMessage } from '../util/errors.js';
import { Fields, Type, check } from './schema.js';
import {
  type PyodideCoverage,
  type TopRanking,
  TOP_PYPI_FILE,
  canonicalName,
  requirementName,
} from './top-pypi.js';

export const COMPAT_FILE = 'third-party/modules/compat.json';

/** One package the compatibility run attempts. */
export interface CompatEntry {
  requirement: string;
  /** In the representative selection `./run test` runs. */
  quick?: boolean;
  /** Python run inside the runtime; it must exit 0. */
  test: string[];
  /** Why it fails, where the build's own message does not say it (read in its source). */
  note?: string;
}

export interface CompatResult {
  requirement: string;
  name: string;
  version: string;
  kind: string;
  /** The file it was built from (sdist or pure wheel). */
  file: string;
  passed: boolean;
  /** Why it failed: one sentence. */
  reason?: string;
  /** compat.json's note on the cause. */
  note?: string;
  /** Extension modules linked in as built-ins. */
  extensions: string[];
  /** Bytes of Python files it adds to site-packages (with its dependencies). */
  siteBytes: number;
  /** Stripped interpreter bytes with its extensions linked in (baseline subtracted later). */
  interpreterBytes?: number;
}

/** compat.json: the packages tried, each with its test. */
const CompatFile = Fields({
  packages: Type.Array(
    Fields({
      requirement: Type.String(),
      quick: Type.Optional(Type.Boolean()),
      test: Type.Array(Type.String()),
      note: Type.Optional(Type.String()),
    }),
    { minItems: 1 },
  ),
});

export async function readCompatEntries(repoRoot: string): Promise<CompatEntry[]> {
  const json: unknown = JSON.parse(await readFile(join(repoRoot, COMPAT_FILE), 'utf8'));
  const errors = check(json, CompatFile);
  if (errors[0])
    throw new UserError(`${COMPAT_FILE}: field '${errors[0].field}' ${errors[0].message}.`);
  return (json as { packages: CompatEntry[] }).packages;
}

/**
 * The recipes for one attempt: each resolved package's own recipe from the repository when it
 * has one at the same version (it may carry fixes: patches, flags, libraries), else the recipe
 * `modules add` would write; the requested package is tested with the entry's test as well.
 */
export function compatRecipes(
  entry: CompatEntry,
  packages: readonly ResolvedPackage[],
  repoRecipes: readonly ModuleRecipe[],
): ModuleRecipe[] {
  const byName = new Map<string, ModuleRecipe>();
  for (const p of packages) {
    const own = repoRecipes.find((r) => r.name === p.name && r.version === p.version);
    const json = recipeFor(p, entry.requirement);
    // The entry's smoke test is the requested package's; a dependency keeps its import test, so
    // a failure is reported under the package that failed.
    if (p.requested) json.test = entry.test;
    const recipe = own ?? parseRecipe(json, `${COMPAT_FILE} (${entry.requirement})`);
    const test = own && p.requested ? `${own.test}\n${entry.test.join('\n')}` : recipe.test;
    byName.set(p.name, { ...recipe, test, set: 'default' });
  }
  // Build order: each after what it requires.
  const ordered: ModuleRecipe[] = [];
  const visit = (r: ModuleRecipe) => {
    if (ordered.includes(r)) return;
    for (const d of r.requires) {
      const dep = byName.get(d);
      if (dep && dep !== r) visit(dep);
    }
    ordered.push(r);
  };
  for (const r of byName.values()) visit(r);
  return ordered;
}

/**
 * The package whose compiled build failed in `err` and whose project publishes a pure wheel of
 * the same version (protobuf: its python implementation): the attempt is made again with that
 * wheel, as the project itself ships it for platforms it has no compiled wheel for.
 */
export function pureFallback(
  packages: readonly ResolvedPackage[],
  err: unknown,
): ResolvedPackage | undefined {
  const text = errorMessage(err);
  return packages.find(
    (p) =>
      p.kind === 'c-extension' &&
      p.pureWheel &&
      (text.includes(`${p.name} ${p.version} cannot be built`) ||
        text.includes(`${p.name} is kind 'c-extension' but`)),
  );
}

/** `p` resolved to its pure wheel instead of its sdist. */
export function asPureWheel(p: ResolvedPackage): ResolvedPackage {
  const pure: ResolvedPackage = { ...p, kind: 'pure', source: p.pureWheel!, buildRequires: [] };
  delete pure.pureWheel;
  delete pure.backend;
  return pure;
}

/** What Node prints after a trap: its version, wasm stack frames, the source line it threw at. */
const NODE_TRAILER = /^(Node\.js v\d|at wasm:\/\/|wasm:\/\/wasm\/|\^+$)/;

/**
 * A failure as one line: the first sentence, and the exception a failed test raised (a wasm
 * trap's RuntimeError rather than the runtime's trailer after it).
 */
export function failureReason(err: unknown): string {
  const lines = errorMessage(err)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !NODE_TRAILER.test(l));
  const first = lines[0] ?? 'failed';
  const raised = lines.length > 1 ? lines[lines.length - 1]! : '';
  const text = scrubReason(raised && raised !== first ? `${first} ${raised}` : first);
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}

/**
 * A reason as the table shows it, free of this run's paths: the log it points to (kept on the
 * machine that ran it), a configure check's temporary file, compat.json naming itself as the
 * recipe file.
 */
export function scrubReason(text: string): string {
  return text
    .replace(/; see \S+\.log\.$/, '.')
    .replace(/\/tmp\/tmp\w+\.(c|cc|cpp)(?=:)/g, "a configure check's test file")
    .replace(/\/\S*\/work\/module-[\w.-]+\/src\/[\w.-]+\//g, '')
    .replace(/ \(third-party\/modules\/compat\.json \([^)]*\)\)/g, '')
    .replace(/^third-party\/modules\/compat\.json \([^)]*\): /, '');
}

/** What a passing attempt's modules layer says about the requested package and its deps. */
export async function passedResult(
  entry: CompatEntry,
  requested: ResolvedPackage,
  modulesDir: string,
): Promise<CompatResult> {
  const manifest = JSON.parse(
    await readFile(join(modulesDir, 'modules.json'), 'utf8'),
  ) as ModulesManifest;
  const own = manifest.modules.find((m) => m.name === requested.name);
  return {
    requirement: entry.requirement,
    name: requested.name,
    version: requested.version,
    kind: own?.kind ?? requested.kind,
    ...(own?.builtPure ? { note: own.builtPure } : {}),
    file: requested.source.file,
    passed: true,
    extensions: manifest.modules.flatMap((m) => m.extensions),
    siteBytes: manifest.modules.reduce((n, m) => n + m.bytes, 0),
    interpreterBytes: (await stat(join(modulesDir, 'bin', 'python-modules.wasm'))).size,
  };
}

/**
 * The table after re-attempting some packages: in compat.json's order, each entry's new result,
 * else its previous one (dropped when the entry's requirement changed since).
 */
export function mergeResults(
  entries: readonly CompatEntry[],
  previous: readonly CompatResult[],
  fresh: readonly CompatResult[],
): CompatResult[] {
  return entries.flatMap((e) => {
    const r =
      fresh.find((x) => x.requirement === e.requirement) ??
      previous.find((x) => x.requirement === e.requirement);
    return r ? [r] : [];
  });
}

/** Failed rows with compat.json's current note on their cause. */
export function withNotes(
  entries: readonly CompatEntry[],
  results: readonly CompatResult[],
): CompatResult[] {
  return results.map((r) => {
    const note = entries.find((e) => e.requirement === r.requirement)?.note;
    return !r.passed && note ? { ...r, note } : r;
  });
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

/** What the table is read against; both optional (a table without them has neither column). */
export interface CompatRefs {
  ranking?: TopRanking;
  pyodide?: PyodideCoverage;
}

/** Whether pyodide has it: built in its distribution, or a pure wheel its micropip installs. */
function pyodideCell(r: CompatResult, pyodide: PyodideCoverage): string {
  const built = pyodide.packages.get(canonicalName(r.name));
  if (built) return `built (${built})`;
  return r.kind === 'pure' ? 'micropip (pure wheel)' : 'no';
}

/** One sentence of totals over some rows. */
function totals(rows: readonly CompatResult[], pyodide?: PyodideCoverage): string {
  const passed = rows.filter((r) => r.passed);
  const compiled = rows.filter((r) => r.kind === 'c-extension');
  const built = pyodide ? rows.filter((r) => pyodide.packages.has(canonicalName(r.name))) : [];
  return [
    `${passed.length} of ${rows.length} pass; ${compiled.filter((r) => r.passed).length} of ${compiled.length} with compiled code.`,
    pyodide
      ? ` pyodide ${pyodide.version} (CPython ${pyodide.python}) builds ${built.length} of these ${rows.length} in its distribution.`
      : '',
  ].join('');
}

/**
 * docs/compat.md: one row per attempted package; with a ranking, the ranked packages first (by
 * rank, with their totals) and the others after. The interpreter size added is measured against
 * the smallest passing interpreter without extensions (the same link, nothing compiled added).
 */
export function renderCompat(
  results: readonly CompatResult[],
  when: string,
  refs: CompatRefs = {},
): string {
  const { ranking, pyodide } = refs;
  const baseline = Math.min(
    ...results
      .filter((r) => r.passed && !r.extensions.length)
      .map((r) => r.interpreterBytes ?? Infinity),
  );
  const rankOf = (r: CompatResult) => ranking?.ranks.get(requirementName(r.requirement));
  const row = (r: CompatResult) => {
    const added =
      r.passed && r.interpreterBytes !== undefined && Number.isFinite(baseline)
        ? kib(Math.max(0, r.interpreterBytes - baseline))
        : '';
    const result = r.passed
      ? `passes${r.extensions.length ? ` (built-in: ${r.extensions.map((e) => `\`${e}\``).join(', ')})` : ''}${r.note ? `; ${r.note}` : ''}`
      : `fails: ${[r.reason, r.note].filter(Boolean).join(' Cause: ').replace(/\|/g, '\\|')}`;
    const cells = [r.name, r.version, r.kind, result, r.passed ? kib(r.siteBytes) : '', added];
    if (pyodide) cells.push(pyodideCell(r, pyodide));
    if (ranking) cells.unshift(String(rankOf(r) ?? ''));
    return `| ${cells.join(' | ')} |`;
  };
  const heads = ['package', 'version', 'kind', 'result', 'site-packages', 'wasm added'];
  if (pyodide) heads.push('pyodide');
  if (ranking) heads.unshift('rank');
  const table = (rows: readonly CompatResult[]) => [
    `| ${heads.join(' | ')} |`,
    `| ${heads.map(() => '---').join(' | ')} |`,
    ...rows.map(row),
  ];
  const ranked = results
    .filter((r) => rankOf(r) !== undefined)
    .sort((a, b) => rankOf(a)! - rankOf(b)!);
  const others = results.filter((r) => rankOf(r) === undefined);
  const src = ranking?.source;
  const body = ranking
    ? [
        `## The ${ranking.ranks.size} most downloaded projects on PyPI`,
        '',
        `Ranked by downloads in the 30 days to ${src!.last_update.slice(0, 10)}, as [${src!.repository.replace('https://github.com/', '')}](${src!.repository}) publishes them (\`${src!.file}\` at ${src!.commit.slice(0, 7)}; \`${TOP_PYPI_FILE}\`). ${ranked.length} of them attempted: ${totals(ranked, pyodide)}`,
        '',
        ...table(ranked),
        ...(others.length
          ? ['', '## Other packages', '', totals(others, pyodide), '', ...table(others)]
          : []),
      ]
    : [totals(results, pyodide), '', ...table(results)];
  return [
    '# Compatibility of PyPI packages with the wasm runtime',
    '',
    `Generated by \`faasm-python modules compat\` (${when}) from \`${COMPAT_FILE}\`: each package is`,
    'resolved on the package index as `modules add` does, built for wasm32-wasi by its own build',
    'backend (its extension modules linked in as built-ins), and its test run inside the runtime',
    '(a smoke test of its main use, no network: a client builds a request, a parser parses, a data',
    'library computes). Sizes: the Python files it adds (with its dependencies), and the bytes its',
    'extensions add to the stripped interpreter (py_func.wasm grows by about the same).',
    ...(pyodide
      ? [
          `pyodide: whether pyodide ${pyodide.version}'s distribution builds it (its pyodide-lock.json), or,`,
          'for a pure package it does not build, whether its micropip could install the pure wheel.',
        ]
      : []),
    '',
    ...body,
    '',
  ].join('\n');
}
