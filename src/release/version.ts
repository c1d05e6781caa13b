// VERSION: parsing, bumping by semver rules, and its PEP 440 spelling.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { asUsage, UsageError, UserError } from '../util/errors.js';

/** The pre-release identifiers we allow: each has a PEP 440 spelling, so pyfaasm can carry it. */
export const PRE_IDS = ['alpha', 'beta', 'rc'] as const;
export type PreId = (typeof PRE_IDS)[number];
const PEP440_PRE: Record<PreId, string> = { alpha: 'a', beta: 'b', rc: 'rc' };

export type BumpPart = 'major' | 'minor' | 'patch';

/** What to bump: one part, or an explicit version; optionally into a pre-release. */
export interface BumpRequest {
  part?: BumpPart;
  set?: string;
  pre?: string;
}

/**
 * Validates a version string: strict semver X.Y.Z with an optional `-<id>.<n>` pre-release
 * whose id is one of PRE_IDS, and no build metadata. Returns it unchanged.
 */
export function parseVersion(text: string, what = 'The version'): string {
  const parsed = semver.parse(text, { loose: false });
  if (!parsed || parsed.version !== text) {
    throw new UserError(
      `${what} '${text}' is not a semantic version; use X.Y.Z or X.Y.Z-rc.N (alpha, beta or rc).`,
    );
  }
  if (parsed.prerelease.length > 0) pep440Pre(parsed.prerelease, text, what);
  return text;
}

function pep440Pre(pre: readonly (string | number)[], text: string, what: string): string {
  const [id, n] = pre;
  if (pre.length !== 2 || !PRE_IDS.includes(id as PreId) || typeof n !== 'number') {
    throw new UserError(
      `${what} '${text}' has the pre-release '${pre.join('.')}'; only alpha.N, beta.N or rc.N can also be written as a Python version.`,
    );
  }
  return `${PEP440_PRE[id as PreId]}${n}`;
}

export function isPrerelease(version: string): boolean {
  return (semver.prerelease(version) ?? []).length > 0;
}

/** The PEP 440 spelling of a version, e.g. 0.2.0-rc.1 -> 0.2.0rc1 (for pyproject.toml). */
export function toPep440(version: string): string {
  const parsed = semver.parse(version);
  if (!parsed) throw new UserError(`'${version}' is not a semantic version.`);
  const base = `${parsed.major}.${parsed.minor}.${parsed.patch}`;
  return parsed.prerelease.length
    ? base + pep440Pre(parsed.prerelease, version, 'The version')
    : base;
}

/** Reads and validates VERSION at the repository root. */
export async function readVersion(repoRoot: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(repoRoot, 'VERSION'), 'utf8');
  } catch {
    throw new UserError(`There is no VERSION file in ${repoRoot}; create one holding X.Y.Z.`);
  }
  return parseVersion(text.trim(), 'VERSION');
}

/**
 * The next version under semver rules. Exactly one of `part` and `set` is required; `pre` alone
 * is allowed only to step an existing pre-release (0.2.0-rc.1 -> 0.2.0-rc.2). The result must be
 * greater than `current`.
 */
export function nextVersion(current: string, req: BumpRequest): string {
  parseVersion(current, 'The current version');
  if (req.pre !== undefined && !PRE_IDS.includes(req.pre as PreId)) {
    throw new UsageError(`--pre takes alpha, beta or rc, not '${req.pre}'.`);
  }
  if (req.part && req.set !== undefined) {
    throw new UsageError('Name only one of --major, --minor, --patch and --set.');
  }
  let next: string | null;
  if (req.set !== undefined) {
    const given = req.set;
    const set = asUsage(() => parseVersion(given, '--set'));
    if (req.pre && isPrerelease(set)) {
      throw new UsageError(`--set ${set} already names a pre-release; drop --pre.`);
    }
    next = req.pre ? `${set}-${req.pre}.1` : set;
  } else if (req.part) {
    // Bases pre-release numbers at 1 (rc.1 is the first candidate), matching PEP 440 habits.
    next = req.pre
      ? semver.inc(current, `pre${req.part}`, req.pre, '1')
      : semver.inc(current, req.part);
  } else if (req.pre && isPrerelease(current)) {
    next = semver.inc(current, 'prerelease', req.pre, '1');
  } else {
    throw new UsageError(
      'Name the part to bump: --patch, --minor, --major or --set X.Y.Z (optionally with --pre rc).',
    );
  }
  if (!next) throw new UserError(`Cannot bump ${current} as asked.`);
  parseVersion(next, 'The new version');
  if (!semver.gt(next, current)) {
    throw new UserError(`The new version ${next} is not greater than the current ${current}.`);
  }
  return next;
}
