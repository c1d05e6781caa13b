// versioned-files.json: every file that repeats VERSION, checked and rewritten in step.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError, errorMessage } from '../util/errors.js';
import { findJsonString } from './json-span.js';
import { type FileWrite, writeAllOrNothing } from './write-all.js';
import { nextVersion, readVersion, toPep440, type BumpRequest } from './version.js';

export const VERSIONED_FILES = 'versioned-files.json';
const VERSION_RULE: VersionRule = { path: 'VERSION', pattern: '^(\\S+)$' };

/**
 * One entry of versioned-files.json. `path` names a file that must exist and name the version at
 * least once; `glob` names any number of files (none is fine), so workflow and doc lines that
 * appear later are covered without editing the list. The version is found by `pattern` (a regex,
 * multiline, whose one capture group is the version) or by `json` (a path to a string value).
 */
export interface VersionRule {
  path?: string;
  glob?: string;
  pattern?: string;
  json?: (string | number)[];
  /** How the version is spelled there: semver (default) or pep440 (0.2.0rc1). */
  format?: 'semver' | 'pep440';
}

export interface Occurrence {
  file: string;
  line: number;
  found: string;
  expected: string;
}

export interface VersionReport {
  version: string;
  /** Every file that was looked at. */
  files: string[];
  occurrences: Occurrence[];
  /** Occurrences that disagree with VERSION. */
  mismatches: Occurrence[];
  /** Required files that are missing or name no version, and unreadable files. */
  problems: string[];
}

export interface BumpResult {
  from: string;
  to: string;
  /** Files rewritten, relative to the repository root. */
  files: string[];
}

function compilePattern(pattern: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'gmd');
  } catch (err) {
    throw new UserError(`${VERSIONED_FILES} has a bad pattern '${pattern}': ${errorMessage(err)}.`);
  }
  // Counting groups: an alternation with the empty string always matches, showing every group.
  const groups = (new RegExp(`${pattern}|`).exec('')?.length ?? 1) - 1;
  if (groups !== 1) {
    throw new UserError(
      `${VERSIONED_FILES} pattern '${pattern}' must have exactly one capture group, not ${groups}.`,
    );
  }
  return re;
}

/** Validates the parsed contents of versioned-files.json. */
export function parseRules(data: unknown): VersionRule[] {
  const files = (data as { files?: unknown } | null)?.files;
  if (!Array.isArray(files) || files.length === 0) {
    throw new UserError(`${VERSIONED_FILES} must hold {"files": [...]} with at least one entry.`);
  }
  return files.map((raw: VersionRule, i) => {
    const where = `${VERSIONED_FILES} entry ${i + 1}`;
    if (typeof raw !== 'object' || raw === null) throw new UserError(`${where} is not an object.`);
    if ((raw.path === undefined) === (raw.glob === undefined)) {
      throw new UserError(`${where} needs exactly one of "path" and "glob".`);
    }
    if ((raw.pattern === undefined) === (raw.json === undefined)) {
      throw new UserError(`${where} needs exactly one of "pattern" and "json".`);
    }
    if (raw.pattern !== undefined) compilePattern(raw.pattern);
    if (raw.json !== undefined && (!Array.isArray(raw.json) || raw.json.length === 0)) {
      throw new UserError(`${where} "json" must be a non-empty array of keys.`);
    }
    if (raw.format !== undefined && raw.format !== 'semver' && raw.format !== 'pep440') {
      throw new UserError(`${where} "format" must be "semver" or "pep440".`);
    }
    return raw;
  });
}

export async function loadRules(repoRoot: string): Promise<VersionRule[]> {
  let text: string;
  try {
    text = await readFile(join(repoRoot, VERSIONED_FILES), 'utf8');
  } catch {
    throw new UserError(
      `${VERSIONED_FILES} is missing from ${repoRoot}; it lists the versioned files.`,
    );
  }
  try {
    const rules = parseRules(JSON.parse(text));
    // VERSION is the source of truth, so it is always among the files a bump rewrites.
    if (!rules.some((r) => r.path === 'VERSION')) rules.unshift(VERSION_RULE);
    return rules;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${VERSIONED_FILES} is not valid JSON: ${errorMessage(err)}.`);
  }
}

function segmentRegex(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Files matching a glob of `*` and `?` wildcards (no `**`), relative and sorted. */
export async function expandGlob(root: string, pattern: string): Promise<string[]> {
  const segments = pattern.split('/');
  const out: string[] = [];
  async function walk(dir: string, i: number): Promise<void> {
    const seg = segments[i];
    if (seg === undefined) return;
    const last = i === segments.length - 1;
    const names = /[*?]/.test(seg)
      ? (await readdir(join(root, dir)).catch(() => [] as string[])).filter((n) =>
          segmentRegex(seg).test(n),
        )
      : [seg];
    for (const name of names) {
      const rel = dir ? `${dir}/${name}` : name;
      const st = await stat(join(root, rel)).catch(() => undefined);
      if (last && st?.isFile()) out.push(rel);
      else if (!last && st?.isDirectory()) await walk(rel, i + 1);
    }
  }
  await walk('', 0);
  return out.sort();
}

function expectedFor(rule: VersionRule, version: string): string {
  return rule.format === 'pep440' ? toPep440(version) : version;
}

interface Found {
  start: number;
  end: number;
  value: string;
}

/** Where a rule finds the version in a file's text. */
function locate(rule: VersionRule, file: string, text: string): Found[] {
  if (rule.json) {
    let span;
    try {
      span = findJsonString(text, rule.json);
    } catch (err) {
      throw new UserError(`${file} is not valid JSON (${errorMessage(err)}); fix it first.`);
    }
    return span ? [span] : [];
  }
  const found: Found[] = [];
  for (const m of text.matchAll(compilePattern(rule.pattern ?? ''))) {
    const [start, end] = m.indices?.[1] ?? [];
    if (start !== undefined && end !== undefined) found.push({ start, end, value: m[1] ?? '' });
  }
  return found;
}

function describeRule(rule: VersionRule): string {
  return rule.json ? `string at ${JSON.stringify(rule.json)}` : `line matching /${rule.pattern}/`;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

interface FileTask {
  file: string;
  rules: VersionRule[];
}

/** The files the rules cover, each with the rules that apply to it, in list order. */
async function resolveFiles(repoRoot: string, rules: VersionRule[]): Promise<FileTask[]> {
  const tasks = new Map<string, FileTask>();
  for (const rule of rules) {
    const files =
      rule.path !== undefined ? [rule.path] : await expandGlob(repoRoot, rule.glob ?? '');
    for (const file of files) {
      const task = tasks.get(file) ?? { file, rules: [] };
      task.rules.push(rule);
      tasks.set(file, task);
    }
  }
  return [...tasks.values()];
}

async function readTasks(repoRoot: string, tasks: FileTask[], problems: string[]) {
  const texts = new Map<string, string>();
  for (const t of tasks) {
    try {
      texts.set(t.file, await readFile(join(repoRoot, t.file), 'utf8'));
    } catch {
      problems.push(`${t.file} is missing`);
    }
  }
  return texts;
}

/** Compares every versioned file with VERSION. Never writes. */
export async function checkVersions(repoRoot: string): Promise<VersionReport> {
  const version = await readVersion(repoRoot);
  const tasks = await resolveFiles(repoRoot, await loadRules(repoRoot));
  const problems: string[] = [];
  const texts = await readTasks(repoRoot, tasks, problems);
  const occurrences: Occurrence[] = [];
  for (const { file, rules } of tasks) {
    const text = texts.get(file);
    if (text === undefined) continue;
    for (const rule of rules) {
      const found = locate(rule, file, text);
      if (found.length === 0 && rule.path !== undefined) {
        problems.push(`${file} has no ${describeRule(rule)}`);
      }
      const expected = expectedFor(rule, version);
      for (const f of found) {
        occurrences.push({ file, line: lineOf(text, f.start), found: f.value, expected });
      }
    }
  }
  return {
    version,
    files: tasks.map((t) => t.file),
    occurrences,
    mismatches: occurrences.filter((o) => o.found !== o.expected),
    problems,
  };
}

/** One line per disagreement, for printing. */
export function describeProblems(report: VersionReport): string[] {
  return [
    ...report.problems,
    ...report.mismatches.map((m) => `${m.file}:${m.line} has ${m.found}, expected ${m.expected}`),
  ];
}

/** Throws one sentence naming every file that is out of step with VERSION, and the fix. */
export function assertInStep(report: VersionReport): void {
  const lines = describeProblems(report);
  if (lines.length === 0) return;
  const fixes = [
    ...(report.problems.length
      ? [`add the missing files or version lines (or fix ${VERSIONED_FILES})`]
      : []),
    ...(report.mismatches.length ? ["run 'faasm-python version --sync'"] : []),
  ];
  throw new UserError(
    `Versioned files are out of step with VERSION ${report.version}: ${lines.join('; ')}; ${fixes.join(', then ')}.`,
  );
}

/** The text of one file with every version its rules find replaced. Pure. */
export function rewriteText(
  file: string,
  text: string,
  rules: VersionRule[],
  version: string,
): string {
  let out = text;
  for (const rule of rules) {
    // Right to left, so earlier offsets stay valid; re-located per rule since each edit shifts text.
    const found = locate(rule, file, out).reverse();
    if (found.length === 0 && rule.path !== undefined) {
      throw new UserError(
        `${file} has no ${describeRule(rule)}; add it, or fix ${VERSIONED_FILES}.`,
      );
    }
    const value = expectedFor(rule, version);
    for (const f of found) {
      const replacement = rule.json ? JSON.stringify(value).slice(1, -1) : value;
      out = out.slice(0, f.start) + replacement + out.slice(f.end);
    }
  }
  return out;
}

/**
 * Writes `version` into every versioned file, all or none: all new contents are computed (and
 * every problem reported) before the first write, and writeAllOrNothing stages every file before
 * it replaces any.
 */
export async function writeVersion(repoRoot: string, version: string): Promise<string[]> {
  const tasks = await resolveFiles(repoRoot, await loadRules(repoRoot));
  const problems: string[] = [];
  const texts = await readTasks(repoRoot, tasks, problems);
  if (problems.length) {
    throw new UserError(`Cannot write version ${version}: ${problems.join('; ')}.`);
  }
  const changed: FileWrite[] = [];
  for (const { file, rules } of tasks) {
    const before = texts.get(file) ?? '';
    const after = rewriteText(file, before, rules, version);
    if (after !== before) changed.push({ path: join(repoRoot, file), name: file, before, after });
  }
  changed.sort((a, b) => Number(b.name === 'VERSION') - Number(a.name === 'VERSION'));
  await writeAllOrNothing(changed);
  return changed.map((c) => c.name);
}

/** Makes every versioned file agree with VERSION; returns the files it changed. */
export async function syncVersions(repoRoot: string): Promise<string[]> {
  return writeVersion(repoRoot, await readVersion(repoRoot));
}

/** Bumps VERSION by semver rules and rewrites every versioned file to match. */
export async function bumpVersion(repoRoot: string, req: BumpRequest): Promise<BumpResult> {
  // The request is judged first: a bad request is reported as such, whatever the files hold.
  const from = await readVersion(repoRoot);
  const to = nextVersion(from, req);
  assertInStep(await checkVersions(repoRoot));
  const files = await writeVersion(repoRoot, to);
  return { from, to, files };
}
