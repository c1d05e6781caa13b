// The regrtest data (expected failures, absent modules) per line and platform, validated.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveLine } from '../cpython/config.js';
import { UserError } from '../util/errors.js';

export type Platform = 'wasm' | 'native';

/**
 * Why a test module (or some of its tests) fails: a limit of WASI that CPython's own WASI notes
 * name (`note` quotes Tools/wasm/README.md of the pinned source), a tracked defect of this
 * build or host, a module the runtime does not ship, or the native machine's environment.
 */
export type ExpectedKind = 'wasi-limit' | 'defect' | 'not-shipped' | 'environment';

export interface ExpectedFailure {
  module: string;
  /** Platforms it fails on (default: wasm only). */
  on?: Platform[];
  /** Failing tests (`Class.test_name`, `*` wildcards); absent: the whole module fails. */
  tests?: string[];
  /** Not run at all (it would hang or take the host down); counted as an expected failure. */
  skip?: boolean;
  kind: ExpectedKind;
  reason: string;
  /** For wasi-limit: the words of Tools/wasm/README.md that name the limit. */
  note?: string;
  /**
   * Where `note` is quoted from when not Tools/wasm/README.md: 3.13 moved CPython's WASI notes
   * out of the source tree, so its limits cite the WASI preview1 specification instead.
   */
  noteSource?: string;
  /** For defect: where it is tracked. */
  tracked?: string;
}

/** A stdlib module (or tree) the runtime does not have, and why. */
export interface AbsentModule {
  module: string;
  why: string;
}

export interface RegrtestData {
  /** Where it was read from, for messages (third-party/cpython/<line>/regrtest.json). */
  file?: string;
  /** The CPython line it belongs to (`3.13`). */
  line?: string;
  /** Named module lists; `full` is every test module of the pinned Lib/test. */
  selections: Record<string, string[]>;
  expected: ExpectedFailure[];
  /** Modules left out of the runtime root (wasm.json's prune) or not built for WASI. */
  absent: AbsentModule[];
}

/** The regrtest expectations of a CPython line. */
export const dataFile = (line: string) => `third-party/cpython/${line}/regrtest.json`;
const KINDS: readonly ExpectedKind[] = ['wasi-limit', 'defect', 'not-shipped', 'environment'];
const MODULE = /^test_\w+$/;

/** Checks the data's shape; each problem is one sentence naming the entry and the fix. */
export function validateData(data: RegrtestData): RegrtestData {
  const where = data.file ?? 'regrtest.json';
  for (const [name, list] of Object.entries(data.selections ?? {})) {
    const bad = list.find((m) => !MODULE.test(m));
    if (bad)
      throw new UserError(
        `${where}: selection '${name}' lists '${bad}', not a test module name (test_*).`,
      );
    const dup = list.find((m, i) => list.indexOf(m) !== i);
    if (dup) throw new UserError(`${where}: selection '${name}' lists ${dup} twice; remove one.`);
  }
  for (const e of data.expected ?? []) {
    const what = `${where}: the expected failure of ${e.module ?? '(no module)'}`;
    if (!MODULE.test(e.module ?? '')) throw new UserError(`${what} needs a test module name.`);
    if (!KINDS.includes(e.kind))
      throw new UserError(`${what} has kind '${e.kind}'; use one of ${KINDS.join(', ')}.`);
    if (!e.reason?.trim()) throw new UserError(`${what} needs a reason.`);
    if (e.kind === 'wasi-limit' && !e.note) {
      throw new UserError(
        `${what} is a wasi-limit without the note of Tools/wasm/README.md it rests on.`,
      );
    }
    if (e.kind === 'defect' && !e.tracked)
      throw new UserError(`${what} is a defect without 'tracked'.`);
    if (e.tests && e.skip)
      throw new UserError(`${what} cannot both list tests and skip the module.`);
  }
  return data;
}

/** The expectations of CPython line `line` (default: the default line). */
export async function readRegrtestData(repoRoot: string, line?: string): Promise<RegrtestData> {
  const chosen = await resolveLine(repoRoot, line);
  const file = dataFile(chosen);
  let raw: string;
  try {
    raw = await readFile(join(repoRoot, file), 'utf8');
  } catch {
    throw new UserError(`${file} is missing; restore it from git.`);
  }
  try {
    return validateData({ ...(JSON.parse(raw) as RegrtestData), file, line: chosen });
  } catch (err) {
    if (err instanceof SyntaxError)
      throw new UserError(`${file} is not valid JSON: ${err.message}.`);
    throw err;
  }
}

/** What a module is expected to do on a platform, merged over its entries. */
export interface ModuleExpectation {
  /** The whole module fails (or is not run). */
  whole: boolean;
  skip: boolean;
  /** Patterns of the tests expected to fail. */
  tests: string[];
  entries: ExpectedFailure[];
}

export function expectationFor(
  data: RegrtestData,
  module: string,
  platform: Platform,
): ModuleExpectation | undefined {
  const entries = data.expected.filter(
    (e) => e.module === module && (e.on ?? ['wasm']).includes(platform),
  );
  if (entries.length === 0) return undefined;
  return {
    whole: entries.some((e) => !e.tests),
    skip: entries.some((e) => e.skip === true),
    tests: entries.flatMap((e) => e.tests ?? []),
    entries,
  };
}

/** `Class.test_*` style patterns: `*` matches anything. */
export function testMatches(pattern: string, id: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(id);
}
