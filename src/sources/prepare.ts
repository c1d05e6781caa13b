// A pinned source unpacked and patched into a layer's work dir, and what it adds to the key.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import { UserError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { fetchSource } from './fetch.js';
import type { SourcePatches, SourceRoute } from './types.js';
import { unpack } from './unpack.js';

/** What a pinned source with patches contributes to a layer key. */
export async function sourceInputs(
  repoRoot: string,
  routes: readonly SourceRoute[],
  patches: readonly string[],
) {
  const patchHashes: Record<string, string> = {};
  for (const p of patches) {
    const text = await readFile(resolve(repoRoot, p)).catch(() => {
      throw new UserError(`The patch ${p} does not exist; fix the recipe's 'patches' list.`);
    });
    patchHashes[p] = sha256(text);
  }
  return { sources: routes.map((r) => `${r.file}:${r.sha256}`), patches: patchHashes };
}

/** Fetches and verifies a source, unpacks it into `dest` and applies its patches in order. */
export async function prepareSource(
  ctx: LayerContext,
  name: string,
  routes: readonly SourceRoute[],
  patches: readonly string[],
  dest: string,
  sourcePatches?: SourcePatches,
): Promise<void> {
  const fetched = await fetchSource(name, routes, {
    cacheDir: ctx.opts.cacheDir,
    repoRoot: ctx.opts.repoRoot,
    log: ctx.log,
  });
  await unpack(fetched.path, dest, ctx.log);
  // The distribution's patches go first: the repository's own are written against them.
  if (sourcePatches) await applySourcePatches(ctx, name, sourcePatches, dest);
  await applyPatches(
    ctx,
    dest,
    patches.map((p) => resolve(ctx.opts.repoRoot, p)),
  );
}

/** Applies patch files (absolute, or relative to the repository) to `dest` in order, with -p1. */
export async function applyPatches(ctx: LayerContext, dest: string, files: readonly string[]) {
  for (const p of files) {
    await ctx.exec('patch', ['-p1', '--forward', '--batch', '-i', resolve(ctx.opts.repoRoot, p)], {
      cwd: dest,
    });
  }
}

/** What a source's distribution patches (`SourcePatches`) contribute to a layer key. */
export function sourcePatchInputs(sp: SourcePatches) {
  return { sources: sp.sources.map((r) => `${r.file}:${r.sha256}`), dir: sp.dir, apply: sp.apply };
}

/**
 * Fetches and verifies the archive holding a source's distribution patches (Debian's
 * debian.tar.xz), unpacks it into the work dir and applies the chosen patches to `dest` in order.
 */
export async function applySourcePatches(
  ctx: LayerContext,
  name: string,
  sp: SourcePatches,
  dest: string,
): Promise<void> {
  const archive = await fetchSource(`${name}'s patches`, sp.sources, {
    cacheDir: ctx.opts.cacheDir,
    repoRoot: ctx.opts.repoRoot,
    log: ctx.log,
  });
  const dir = join(ctx.work, 'source-patches');
  await unpack(archive.path, dir, ctx.log);
  await applyPatches(
    ctx,
    dest,
    sp.apply.map((p) => join(dir, sp.dir, p)),
  );
}

export function workDir(ctx: LayerContext, sub: string): string {
  return join(ctx.work, sub);
}
