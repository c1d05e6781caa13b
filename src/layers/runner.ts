// Planning and running layers: select, key, restore or build in staging, commit atomically.
import { mkdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { cachePaths } from '../paths.js';
import { UsageError } from '../util/errors.js';
import { exec } from '../util/exec.js';
import { SOURCE_DATE_EPOCH, filesNamingBuildPaths } from './reproducible.js';
import { type RemoteStore, actionsCacheKey } from './actions-store.js';
import { codeEntries, codeInputs, codeRoot, importGraphs } from './code-inputs.js';
import { layerKey, shortKey } from './key.js';
import { LocalStore, damageReport } from './local-store.js';
import { filesSize, recordFiles } from './manifest.js';
import { runGraph } from './schedule.js';
import type {
  BuildOptions,
  Json,
  Layer,
  LayerContext,
  LayerMeta,
  LayerResult,
  Reporter,
} from './types.js';

export interface PlannedLayer {
  layer: Layer;
  /** Its dependencies in this build: the declared ones and those it expanded to. */
  deps: readonly string[];
  key: string;
  depKeys: Record<string, string>;
  inputs: unknown;
}

/** The layers needed for `targets` (all when empty), dependencies first, in declaration order. */
export function selectLayers(all: readonly Layer[], targets: readonly string[] = []): Layer[] {
  const byName = new Map(all.map((l) => [l.name, l]));
  if (targets.length === 0) return [...all];
  const wanted = new Set<string>();
  const visit = (name: string) => {
    const layer = byName.get(name);
    if (!layer) {
      const known = all.map((l) => l.name).join(', ');
      throw new UsageError(`Unknown layer '${name}'; the layers are: ${known}.`);
    }
    if (wanted.has(name)) return;
    wanted.add(name);
    layer.deps.forEach(visit);
  };
  targets.forEach(visit);
  return all.filter((l) => wanted.has(l.name));
}

/**
 * The selected layers with the ones they expand to (each module's layer, before the modules
 * layer), each with every dependency it has in this build.
 */
async function expandLayers(layers: readonly Layer[], opts: BuildOptions) {
  const out: { layer: Layer; deps: string[] }[] = [];
  const seen = new Set<string>();
  const add = async (layer: Layer): Promise<void> => {
    if (seen.has(layer.name)) return;
    seen.add(layer.name);
    const extra = layer.expand ? await layer.expand({ opts }) : [];
    for (const e of extra) await add(e);
    out.push({ layer, deps: [...layer.deps, ...extra.map((e) => e.name)] });
  };
  for (const layer of layers) await add(layer);
  return out;
}

/**
 * The layers needed for `targets`, dependencies first, where a target may also be a layer only
 * an expansion names (`module-numpy`): then the expanded plan is cut down to what it needs.
 */
export async function selectExpandedLayers(
  all: readonly Layer[],
  targets: readonly string[],
  opts: BuildOptions,
): Promise<Layer[]> {
  if (targets.every((t) => all.some((l) => l.name === t))) return selectLayers(all, targets);
  const expanded = await expandLayers(all, opts);
  const byName = new Map(expanded.map((e) => [e.layer.name, e]));
  const wanted = new Set<string>();
  const visit = (name: string) => {
    const e = byName.get(name);
    if (!e) {
      const known = expanded.map((x) => x.layer.name).join(', ');
      throw new UsageError(`Unknown layer '${name}'; the layers are: ${known}.`);
    }
    if (wanted.has(name)) return;
    wanted.add(name);
    e.deps.forEach(visit);
  };
  targets.forEach(visit);
  return expanded.filter((e) => wanted.has(e.layer.name)).map((e) => e.layer);
}

/** Computes every selected layer's key without building anything. */
export async function planLayers(layers: readonly Layer[], opts: BuildOptions) {
  const keys = new Map<string, string>();
  const plan: PlannedLayer[] = [];
  const expanded = await expandLayers(layers, opts);
  // One esbuild run finds the code of every layer of the plan.
  const root = codeRoot();
  importGraphs(
    root,
    expanded.flatMap(({ layer }) => codeEntries(layer)),
  );
  const hashes = new Map<string, Promise<string>>();
  for (const { layer, deps } of expanded) {
    const depKeys: Record<string, string> = {};
    for (const dep of deps) {
      const k = keys.get(dep);
      if (!k) throw new Error(`Layer '${layer.name}' needs '${dep}', which must come before it.`);
      depKeys[dep] = k;
    }
    const inputs = await layer.inputs({ opts });
    const code = await codeInputs(layer, hashes, root);
    const key = layerKey(layer.name, { inputs, code } as Json, depKeys);
    keys.set(layer.name, key);
    plan.push({ layer, deps, key, depKeys, inputs });
  }
  return plan;
}

export interface RunOptions {
  remote?: RemoteStore;
  reporter: Reporter;
}

/**
 * Runs the layers in order: each is taken from the local store, else restored from the remote
 * store, else built in staging and committed. Under a per-key lock, so two builds sharing one
 * cache both succeed and build each layer once.
 */
export async function runLayers(
  layers: readonly Layer[],
  opts: BuildOptions,
  run: RunOptions,
): Promise<Map<string, LayerResult>> {
  const paths = cachePaths(opts.cacheDir);
  const store = new LocalStore(paths.layers);
  const results = new Map<string, LayerResult>();
  const plan = await planLayers(layers, opts);
  // Layers that do not depend on each other build at once, as many as there are make jobs.
  const nodes = plan.map((p) => ({ name: p.layer.name, deps: p.deps, planned: p }));
  await runGraph(nodes, Math.max(1, opts.jobs), async ({ planned }) => {
    const result = await runOne(planned, store, results, plan, opts, run);
    results.set(result.name, result);
    run.reporter.done(result);
  });
  // In plan order, whatever order they finished in.
  return new Map(plan.map((p) => [p.layer.name, results.get(p.layer.name)!]));
}

async function runOne(
  { layer, deps, key, depKeys, inputs }: PlannedLayer,
  store: LocalStore,
  results: Map<string, LayerResult>,
  plan: readonly PlannedLayer[],
  opts: BuildOptions,
  { remote, reporter }: RunOptions,
): Promise<LayerResult> {
  const started = Date.now();
  const paths = cachePaths(opts.cacheDir);
  const log = join(paths.logs, `${layer.name}-${shortKey(key)}.log`);
  const finish = async (status: LayerResult['status'], found?: LayerMeta): Promise<LayerResult> => {
    const meta = found ?? (await store.lookup(layer.name, key));
    if (!meta) throw new Error(`Layer ${layer.name} ${shortKey(key)} vanished from the cache.`);
    // Touch the entry so `cache prune --older-than` keeps what is in use.
    const now = new Date();
    await utimes(join(store.entryDir(layer.name, key), 'meta.json'), now, now).catch(() => {});
    const dir = store.outDir(layer.name, key);
    return { name: layer.name, key, dir, status, ms: Date.now() - started, size: meta.size, log };
  };

  // A damaged entry is reported once, by name, and rebuilt: never used.
  let reported = false;
  const cached = async () => {
    if (opts.noCache) return undefined;
    const found = await store.inspect(layer.name, key);
    if (found.state === 'damaged' && !reported) {
      reported = true;
      reporter.warn(`${damageReport(layer.name, key, found.problem)} Rebuilding it.`);
    }
    return found.state === 'ok' ? found.meta : undefined;
  };
  reporter.start(layer.name, key);
  const hit = await cached();
  if (hit) return finish('cached', hit);

  const release = await store.lock(layer.name, key, (what) =>
    reporter.info(`${layer.name}: ${what}`),
  );
  try {
    // Whoever held the lock may have just built it.
    const built = await cached();
    if (built) return finish('cached', built);
    const cacheKey = actionsCacheKey(layer.name, key);
    if (!opts.noCache && remote) {
      const entry = store.entryDir(layer.name, key);
      const got = await store.restoreInPlace(layer.name, key, () =>
        remote.restore(cacheKey, entry),
      );
      if (got.state === 'ok') return finish('restored', got.meta);
      if (got.state === 'damaged') {
        const report = damageReport(layer.name, key, got.problem, 'restored');
        reporter.warn(`${report} Building it instead.`);
      }
    }
    const leaks = await build(layer, deps, key, depKeys, inputs, store, results, plan, opts, log);
    if (leaks.length > 0) {
      const [first] = leaks;
      reporter.warn(
        `${layer.name}: ${leaks.length} file(s) name the build's own paths, so its bytes depend on where it was built (the first: ${first!.file} names ${first!.path}).`,
      );
    }
    if (remote) await remote.save(cacheKey, store.entryDir(layer.name, key));
    return finish('built');
  } finally {
    await release();
  }
}

async function build(
  layer: Layer,
  deps: readonly string[],
  key: string,
  depKeys: Record<string, string>,
  inputs: unknown,
  store: LocalStore,
  results: Map<string, LayerResult>,
  plan: readonly PlannedLayer[],
  opts: BuildOptions,
  log: string,
): Promise<{ file: string; path: string }[]> {
  const paths = cachePaths(opts.cacheDir);
  const staging = await store.stage(layer.name, key);
  // No process id in the name: the per-key lock makes it this build's alone, and a path that
  // differs from build to build may reach the output (-ffile-prefix-map maps the cache).
  const work = join(paths.work, `${layer.name}-${shortKey(key)}`);
  await rm(log, { force: true });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const started = Date.now();
  const ctx: LayerContext = {
    name: layer.name,
    key,
    out: join(staging, 'out'),
    work,
    log,
    opts,
    dep(name) {
      const r = results.get(name);
      if (!r || !deps.includes(name)) {
        throw new Error(`Layer '${layer.name}' did not declare a dependency on '${name}'.`);
      }
      return r.dir;
    },
    // The layers planned before this one, whether or not they have finished: the same set in a
    // parallel build as in a sequential one.
    keys: Object.fromEntries(
      plan
        .slice(
          0,
          plan.findIndex((p) => p.layer.name === layer.name),
        )
        .map((p) => [p.layer.name, p.key]),
    ),
    // Every tool a layer runs gets the fixed build time (clang's __DATE__ and __TIME__, which
    // CPython's sys.version carries; archive and metadata times), unless the layer sets one;
    // and no Python it runs writes bytecode beside what it imports, which may be another
    // layer's committed files (the build Python's site-packages): that layer would fail its
    // check on its next use and be rebuilt. compileall writes bytecode all the same.
    exec: (cmd, args, execOpts) =>
      exec(cmd, args, {
        log,
        echo: opts.verbose,
        ...execOpts,
        env: { SOURCE_DATE_EPOCH, PYTHONDONTWRITEBYTECODE: '1', ...execOpts?.env },
      }),
    info: (message) => void message,
  };
  try {
    await layer.build(ctx);
    const leaks = await filesNamingBuildPaths(ctx.out, opts);
    const files = await recordFiles(ctx.out);
    await store.commit(staging, {
      name: layer.name,
      key,
      deps: depKeys,
      inputs: inputs as never,
      size: filesSize(files),
      buildMs: Date.now() - started,
      createdAt: new Date().toISOString(),
      files,
    });
    return leaks;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    if (process.env.FAASM_PYTHON_KEEP_WORK !== '1')
      await rm(work, { recursive: true, force: true });
  }
}
