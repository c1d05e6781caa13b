// `faasm-python cache`: list, verify, prune the local layer cache, or print its path.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { shortKey } from '../layers/key.js';
import { LocalStore, type StoredEntry, damageReport } from '../layers/local-store.js';
import { pidAlive } from '../layers/lock.js';
import { planLayers } from '../layers/runner.js';
import { cachePaths } from '../paths.js';
import { pipeline } from '../pipeline.js';
import { cpythonLines } from '../cpython/config.js';
import { SnapshotStore, type SnapshotEntry } from '../runner/snapshot-store.js';
import { UsageError } from '../util/errors.js';
import { exists, formatBytes, removeTree } from '../util/fs.js';
import { buildOptions, buildOptionSpec, numberOption, printJson } from './common.js';
import type { Command } from './types.js';

/**
 * Work dirs are named `<layer>-<key12>` and used only under that layer key's lock: one whose
 * lock is not there is a leftover of a killed build. (Older builds added `-<pid>`.)
 */
async function sweepWork(workDir: string, layersDir: string): Promise<number> {
  let removed = 0;
  for (const entry of await readdir(workDir).catch(() => [] as string[])) {
    const m = /^(.+)-([0-9a-f]{12})(?:-(\d+))?$/.exec(entry);
    if (!m) continue;
    const [, layer, key12, pid] = m;
    const locks = (await readdir(join(layersDir, layer!)).catch(() => [] as string[])).filter(
      (f) => f.startsWith(key12!) && f.endsWith('.lock'),
    );
    const leftover = pid ? !pidAlive(Number(pid)) : locks.length === 0;
    if (leftover) {
      await removeTree(join(workDir, entry));
      removed++;
    }
  }
  return removed;
}

/**
 * `<cache>/module-builds/`, where modules were kept before each became a layer of its own:
 * nothing reads it any more.
 */
async function removeOldModuleBuilds(cacheDir: string): Promise<number> {
  const dir = join(cacheDir, 'module-builds');
  if (!(await exists(dir))) return 0;
  await removeTree(dir);
  return 1;
}

/** The width of the name column: the longest name (module layers are module-<name>). */
const nameWidth = (entries: readonly StoredEntry[]) =>
  Math.max(10, ...entries.map((e) => e.name.length));

/** One line per entry: name, key, size and last use, or what is wrong with it. */
function entryLine(e: StoredEntry, width: number): string {
  const head = `${e.name.padEnd(width)} ${shortKey(e.key)}`;
  if (e.problem !== undefined) return `${head}    damaged: ${e.problem}`;
  const used = e.lastUsed.toISOString().slice(0, 16).replace('T', ' ');
  return `${head} ${formatBytes(e.meta.size).padStart(10)}  ${used}`;
}

/**
 * Zygote snapshots (runner/snapshot-store.ts) are cached too: verify hashes them against their
 * records, prune removes the damaged ones and those whose runtime root is gone.
 */
async function verifySnapshots(snapshots: SnapshotStore): Promise<number> {
  const entries = await snapshots.list(true);
  if (!entries.length) return 0;
  let damaged = 0;
  for (const e of entries) {
    const head = `snapshot   ${shortKey(e.key)}`;
    if (e.problem === undefined) {
      console.log(`ok       ${head}`);
      continue;
    }
    damaged++;
    await snapshots.remove(e.key);
    console.log(`damaged  ${head}: ${e.problem}. Removed; the next run takes it again.`);
  }
  console.log(`${entries.length} snapshots verified, ${damaged} damaged`);
  return damaged;
}

/** Snapshots `cache prune` removes, with the same options as for layers. */
function doomedSnapshots(
  entries: SnapshotEntry[],
  all: boolean,
  days: number | undefined,
  rootExists: (dir: string) => boolean,
): SnapshotEntry[] {
  if (all) return entries;
  if (days !== undefined) return entries.filter((e) => Date.now() - e.mtime.getTime() > days * 86_400_000); // prettier-ignore
  return entries.filter((e) => e.problem !== undefined || !rootExists(e.meta!.runtimeRoot));
}

/** `cache verify [LAYER...]`: hashes every file; damaged entries are removed so they get rebuilt. */
async function verify(
  store: LocalStore,
  snapshots: SnapshotStore,
  names: string[],
): Promise<number> {
  // The pipeline's layers, and whatever else the store holds (each module's layer).
  const stored = await store.list('full');
  const known = [...new Set([...pipeline.map((l) => l.name), ...stored.map((e) => e.name)])];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw new UsageError(`Unknown layer '${unknown[0]}'; the layers are: ${known.join(', ')}.`);
  }
  const entries = stored.filter((e) => !names.length || names.includes(e.name));
  const width = nameWidth(entries);
  let damaged = 0;
  for (const e of entries) {
    if (e.problem === undefined) {
      console.log(`ok       ${e.name.padEnd(width)} ${shortKey(e.key)}`);
      continue;
    }
    damaged++;
    await store.remove(e.name, e.key, (what) => console.error(`${e.name}: ${what}`));
    console.log(
      `damaged  ${damageReport(e.name, e.key, e.problem)} Removed; the next build rebuilds it.`,
    );
  }
  console.log(`${entries.length} layers verified, ${damaged} damaged`);
  // Naming layers verifies those; all of the cache includes the snapshots.
  if (!names.length) damaged += await verifySnapshots(snapshots);
  return damaged ? 1 : 0;
}

export const cacheCommand: Command = {
  name: 'cache',
  summary: 'List or prune the local layer cache',
  usage: `Usage: faasm-python cache list|verify|prune|path [options]

  list                 every cached layer: name, key, size, last used (or what is damaged)
  verify [LAYER...]    hash every file of the cached layers (or of the named ones) against the
                       list recorded when each was built, and every zygote snapshot against its
                       recorded hash; damaged ones are removed, to be rebuilt
  prune                remove layers the current recipes no longer produce, snapshots that are
                       damaged or of a runtime root no longer cached, and leftovers of killed
                       builds and runs
  prune --all          remove every cached layer and snapshot
  prune --older-than D remove layers not used and snapshots not taken for D days
  path                 print the cache directory

Options: --cache-dir DIR, --json (list: one object per layer on stdout)`,
  options: {
    ...buildOptionSpec,
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    'older-than': { type: 'string' },
  },
  positionals: true,
  async run(values, positionals) {
    const opts = buildOptions(values);
    const paths = cachePaths(opts.cacheDir);
    const store = new LocalStore(paths.layers);
    const snapshots = new SnapshotStore(paths.snapshots);
    const [action = 'list'] = positionals;
    if (action === 'path') {
      console.log(opts.cacheDir);
      return 0;
    }
    if (action === 'verify') return verify(store, snapshots, positionals.slice(1));
    if (positionals.length > 1) {
      throw new UsageError(
        `'cache ${action}' takes no further arguments (got ${positionals.slice(1).join(' ')}).`,
      );
    }
    const entries = await store.list();
    if (action === 'list' && values.json === true) {
      const layers = entries.map((e) => ({
        name: e.name,
        key: e.key,
        bytes: e.meta?.size ?? null,
        buildSeconds: e.meta ? e.meta.buildMs / 1000 : null,
        createdAt: e.meta?.createdAt ?? null,
        lastUsed: e.lastUsed.toISOString(),
        ...(e.problem !== undefined ? { problem: e.problem } : {}),
      }));
      printJson({ cacheDir: opts.cacheDir, layers });
      return 0;
    }
    if (action === 'list') {
      let total = 0;
      for (const e of entries) {
        total += e.meta?.size ?? 0;
        console.log(entryLine(e, nameWidth(entries)));
      }
      const damaged = entries.filter((e) => e.problem !== undefined).length;
      const note = damaged ? ` (${damaged} damaged: the next build rebuilds them)` : '';
      console.log(`${entries.length} layers${note}, ${formatBytes(total)} in ${paths.layers}`);
      return 0;
    }
    if (action !== 'prune') {
      throw new UsageError(`Unknown cache action '${action}'; use list, verify, prune or path.`);
    }
    let doomed = entries;
    const days = numberOption(values, 'older-than', { min: 0, max: 36_500, unit: 'days' });
    if (days !== undefined) {
      doomed = entries.filter((e) => Date.now() - e.lastUsed.getTime() > days * 86_400_000);
    } else if (values.all !== true) {
      // What every CPython line's recipes produce, not only the default line's.
      const current = new Set<string>();
      for (const python of (await cpythonLines(opts.repoRoot)).lines) {
        for (const p of await planLayers(pipeline, { ...opts, python })) {
          current.add(`${p.layer.name}/${p.key}`);
        }
      }
      doomed = entries.filter((e) => !current.has(`${e.name}/${e.key}`));
    }
    let freed = 0;
    for (const e of doomed) {
      await store.remove(e.name, e.key, (what) => console.error(`${e.name}: ${what}`));
      freed += e.meta?.size ?? 0;
    }
    // After the layers: a snapshot whose runtime root was just removed goes too.
    const snaps = doomedSnapshots(await snapshots.list(), values.all === true, days, (dir) => existsSync(dir)); // prettier-ignore
    for (const e of snaps) {
      await snapshots.remove(e.key);
      freed += e.bytes;
    }
    const leftovers =
      (await store.sweepStaging()) +
      (await sweepWork(paths.work, paths.layers)) +
      (await snapshots.sweep(pidAlive)) +
      (await removeOldModuleBuilds(opts.cacheDir));
    console.log(
      `removed ${doomed.length} layers, ${snaps.length} snapshots (${formatBytes(freed)}) and ${leftovers} leftovers of killed builds`,
    );
    return 0;
  },
};
