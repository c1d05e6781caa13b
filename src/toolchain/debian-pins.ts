/**
 * Regenerates a suite's pins (third-party/debian/<suite>.json) from the mirror: for each root,
 * the closure of its `packages` as apt resolves it on an empty system, each .deb with the
 * version, pool path and sha256 the suite's index gives. Bumping the pinned Debian roots is
 * this one command; the build itself reads only the pins and never asks apt what is current.
 * A root's `backports` (source packages) come from `<suite>-backports`, the rest of its closure
 * from the suite; the .debs of both live in the same pool, so the build fetches them alike.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateApt, backportsPreferences } from '../sources/apt.js';
import { UserError } from '../util/errors.js';
import { asRepoFormats } from '../util/format.js';
import { removeTree } from '../util/fs.js';
import { type DebianPins, pinsFile, readDebianPins } from './debian-root.js';

export interface PinChange {
  root: string;
  added: string[];
  removed: string[];
  total: number;
}

/** `a` minus `b`, as `package version` lines. */
function missingFrom(a: DebianPins['roots'][string]['debs'], b: typeof a): string[] {
  const have = new Set(b.map((d) => `${d.package} ${d.version}`));
  return a.map((d) => `${d.package} ${d.version}`).filter((d) => !have.has(d));
}

export async function pinDebianRoots(opts: {
  repoRoot: string;
  aptDir: string;
  suite: string;
  /** Only these roots (default: all of them); the others keep their pins. */
  roots?: readonly string[];
  log?: string;
}): Promise<PinChange[]> {
  const pins = await readDebianPins(opts.repoRoot, opts.suite);
  const unknown = (opts.roots ?? []).filter((r) => !pins.roots[r]);
  if (unknown.length > 0) {
    throw new UserError(
      `third-party/debian/${opts.suite}.json has no root ${unknown.join(', ')} (it has: ${Object.keys(pins.roots).join(', ')}).`,
    );
  }
  const chosen = Object.entries(pins.roots).filter(
    ([name]) => !opts.roots?.length || opts.roots.includes(name),
  );
  const backports = `${opts.suite}-backports`;
  const needsBackports = chosen.some(([, root]) => root.backports?.length);
  const apt = new PrivateApt(opts.aptDir, opts.suite, opts.log, needsBackports ? [backports] : []);
  await apt.update(true);
  const changes: PinChange[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'faasm-python-pins-'));
  try {
    for (const [name, root] of chosen) {
      let preferences: string | undefined;
      if (root.backports?.length) {
        preferences = join(scratch, `${name}.pref`);
        await writeFile(preferences, backportsPreferences(backports, root.backports));
      }
      const debs = await apt.pinClosure(root.packages, join(scratch, name), preferences);
      const other = debs.find(
        (d) => d.architecture !== pins.architecture && d.architecture !== 'all',
      );
      if (other)
        throw new Error(`${other.package} is for ${other.architecture}, not ${pins.architecture}`);
      changes.push({
        root: name,
        added: missingFrom(debs, root.debs),
        removed: missingFrom(root.debs, debs),
        total: debs.length,
      });
      root.debs = debs;
    }
  } finally {
    await removeTree(scratch);
  }
  const file = pinsFile(opts.repoRoot, opts.suite);
  await writeFile(file, await asRepoFormats(file, `${JSON.stringify(pins, null, 2)}\n`, 'json'));
  return changes;
}
