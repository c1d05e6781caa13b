import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { shortKey } from '../layers/key.js';
import { LocalStore, type StoredEntry, damageReport } from '../layers/local-store.js';
import { pidAlive } from '../layers/lock.js';
import { planLayers } from '../layers/runner.js';
import { cachePaths } from '../paths.js';
import { pipeline } from '../pipeline.js';
import { UserError } from '../util/errors.js';
import { exists, formatBytes, removeTree } from '../util/fs.js';
import { buildOptionSpec, buildOptions, numberOption } from './common.js';
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

/** `cache verify [LAYER...]`: hashes every file; damaged entries are removed so they get rebuilt. */
async function verify(store: LocalStore, names: string[]): Promise<number> {
  // The pipeline's layers, and whatever else the store holds (each module's layer).
  const stored = await store.list('full');
  const known = [...new Set([...pipeline.map((l) => l.name), ...stored.map((e) => e.name)])];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw new UserError(`Unknown layer '${unknown[0]}'; the layers are: ${known.join(', ')}.`);
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
  return damaged ? 1 : 0;
}

export const cacheCommand: Command = {
  name: 'cache',
  summary: 'List or prune the local layer cache',
  usage: `Usage: faasm-python cache list|verify|prune|path [options]

  list                 every cached layer: name, key, size, last used (or what is damaged)
  verify [LAYER...]    hash every file of the cached layers (or of the named ones) against the
                       list recorded when each was built; damaged ones are removed, to be rebuilt
  prune                remove layers the current recipes no longer produce, and leftovers of
                       killed builds
  prune --all          remove every cached layer
  prune --older-than D remove layers not used for D days
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
    const [action = 'list'] = positionals;
    if (action === 'path') {
      console.log(opts.cacheDir);
      return 0;
    }
    if (action === 'verify') return verify(store, positionals.slice(1));
    if (positionals.length > 1) {
      throw new UserError(
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
      console.log(JSON.stringify({ cacheDir: opts.cacheDir, layers }, null, 2));
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
      throw new UserError(`Unknown cache action '${action}'; use list, verify, prune or path.`);
    }
    let doomed = entries;
    const days = numberOption(values, 'older-than', { min: 0, max: 36_500, unit: 'days' });
    if (days !== undefined) {
      doomed = entries.filter((e) => Date.now() - e.lastUsed.getTime() > days * 86_400_000);
    } else if (values.all !== true) {
      const current = new Set(
        (await planLayers(pipeline, opts)).map((p) => `${p.layer.name}/${p.key}`),
      );
      doomed = entries.filter((e) => !current.has(`${e.name}/${e.key}`));
    }
    let freed = 0;
    for (const e of doomed) {
      await store.remove(e.name, e.key, (what) => console.error(`${e.name}: ${what}`));
      freed += e.meta?.size ?? 0;
    }
    const leftovers =
      (await store.sweepStaging()) +
      (await sweepWork(paths.work, paths.layers)) +
      (await removeOldModuleBuilds(opts.cacheDir));
    console.log(
      `removed ${doomed.length} layers (${formatBytes(freed)}) and ${leftovers} leftovers of killed builds`,
    );
    return 0;
  },
};
