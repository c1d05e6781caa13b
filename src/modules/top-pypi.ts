/**
 * The two references the compatibility table is read against: the download ranking of PyPI's
 * most used projects (third-party/modules/top-pypi.json, a snapshot of hugovk/top-pypi-packages)
 * and what pyodide's distribution builds (the npm `pyodide` package's pyodide-lock.json).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

export const TOP_PYPI_FILE = 'third-party/modules/top-pypi.json';
const PYODIDE_LOCK = 'node_modules/pyodide/pyodide-lock.json';

export interface TopRanking {
  source: { repository: string; file: string; commit: string; last_update: string };
  /** Rank by canonical name (1 = most downloaded). */
  ranks: Map<string, number>;
}

/** PEP 503's normalised name: what PyPI and pyodide's lock both compare. */
export const canonicalName = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

/** The project name of a requirement (`zope.interface==8.7` → `zope-interface`). */
export const requirementName = (requirement: string) =>
  canonicalName(requirement.split(/[=<>!~;[ ]/)[0]!);

export function parseRanking(json: unknown, file = TOP_PYPI_FILE): TopRanking {
  const bad = (what: string) => new UserError(`${file}: ${what}; take it again from its source.`);
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const { source, packages } = json as { source?: TopRanking['source']; packages?: unknown };
  if (!source || !/^[0-9a-f]{40}$/.test(source.commit ?? '') || !source.last_update)
    throw bad("'source' must name the repository, the commit and its last_update");
  if (!Array.isArray(packages) || !packages.length) throw bad("'packages' must be a list");
  const ranks = new Map<string, number>();
  packages.forEach((p: { name?: unknown; rank?: unknown }, i) => {
    if (typeof p.name !== 'string' || p.rank !== i + 1)
      throw bad(`packages[${i}] must be {name, rank: ${i + 1}}`);
    ranks.set(canonicalName(p.name), p.rank);
  });
  return { source, ranks };
}

export async function readRanking(repoRoot: string): Promise<TopRanking> {
  return parseRanking(JSON.parse(await readFile(join(repoRoot, TOP_PYPI_FILE), 'utf8')));
}

export interface PyodideCoverage {
  /** pyodide's own version and its CPython. */
  version: string;
  python: string;
  /** Package version by canonical name, for every package its distribution builds. */
  packages: Map<string, string>;
}

/** pyodide-lock.json's packages (undefined when the npm package is not installed). */
export async function readPyodideCoverage(repoRoot: string): Promise<PyodideCoverage | undefined> {
  const dir = join(repoRoot, 'node_modules', 'pyodide');
  let lock: {
    info: { python: string };
    packages: Record<string, { name: string; version: string }>;
  };
  let pkg: { version: string };
  try {
    lock = JSON.parse(await readFile(join(repoRoot, PYODIDE_LOCK), 'utf8')) as typeof lock;
    pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  const packages = new Map<string, string>();
  for (const p of Object.values(lock.packages)) packages.set(canonicalName(p.name), p.version);
  return { version: pkg.version, python: lock.info.python, packages };
}
