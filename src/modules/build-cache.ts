import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import { exists } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import type { ExtensionEntry } from './extensions.js';

/**
 * Per-module build outputs, beside the layer cache: `<cache>/module-builds/<name>-<key>/` holds
 * what one module's build produced (its site-packages files and extension archives). The modules
 * layer's key changes when any recipe changes; a module whose own inputs did not change is then
 * restored from here instead of rebuilt, so editing one recipe never rebuilds numpy. On GitHub
 * the workflow keeps this directory in the Actions cache (restored by prefix).
 */
export const MODULE_BUILDS = 'module-builds';

export interface CachedModule {
  extensions: (ExtensionEntry & { bytes: number })[];
  /** The source file it was built from. */
  source: string;
}

/** The key of one module's build: its own inputs and the layers it is compiled against. */
export function moduleBuildKey(ctx: LayerContext, moduleInputs: unknown, implementation: unknown) {
  const deps = ['toolchain', 'native', 'wasm'].map((d) => `${d}=${ctx.keys[d] ?? ''}`);
  return sha256(JSON.stringify({ moduleInputs, implementation, deps }));
}

const dirOf = (ctx: LayerContext, name: string, key: string) =>
  join(ctx.opts.cacheDir, MODULE_BUILDS, `${name}-${key.slice(0, 16)}`);

/** Restores a cached build into `site` and the layer's ext/; undefined on a miss. */
export async function restoreModule(
  ctx: LayerContext,
  name: string,
  key: string,
  site: string,
): Promise<CachedModule | undefined> {
  const dir = dirOf(ctx, name, key);
  if (ctx.opts.noCache || !(await exists(join(dir, 'module.json')))) return undefined;
  const meta = JSON.parse(await readFile(join(dir, 'module.json'), 'utf8')) as CachedModule & {
    key: string;
  };
  if (meta.key !== key) return undefined;
  if (await exists(join(dir, 'site'))) await cp(join(dir, 'site'), site, { recursive: true });
  for (const e of meta.extensions) {
    await mkdir(join(ctx.out, 'ext'), { recursive: true });
    await cp(join(dir, e.archive), join(ctx.out, e.archive));
  }
  return { extensions: meta.extensions, source: meta.source };
}

/** Saves one module's build (staged then renamed: a reader never sees half of it). */
export async function saveModule(
  ctx: LayerContext,
  name: string,
  key: string,
  site: string,
  built: CachedModule,
): Promise<void> {
  const dir = dirOf(ctx, name, key);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'ext'), { recursive: true });
  if (await exists(site)) await cp(site, join(tmp, 'site'), { recursive: true });
  for (const e of built.extensions) await cp(join(ctx.out, e.archive), join(tmp, e.archive));
  await writeFile(join(tmp, 'module.json'), JSON.stringify({ key, ...built }, null, 2));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}
