/**
 * CPython's source for a line: the pinned tarball, then the distribution's patches the line
 * takes from another pinned archive (Debian's security fixes from its debian.tar.xz), then the
 * repository's own patches. The patches' archive is fetched and verified like any source; no
 * patch text is committed here.
 */
import { join } from 'node:path';
import type { Json, LayerContext } from '../layers/types.js';
import { fetchSource } from '../sources/fetch.js';
import { applyPatches, prepareSource, sourceInputs } from '../sources/prepare.js';
import { unpack } from '../sources/unpack.js';
import type { CPythonConfig } from './config.js';

export async function cpythonSourceInputs(
  repoRoot: string,
  cfg: CPythonConfig,
  patches: readonly string[],
): Promise<Record<string, Json>> {
  const inputs: Record<string, Json> = await sourceInputs(repoRoot, cfg.sources, patches);
  const sp = cfg.sourcePatches;
  if (sp) {
    inputs.sourcePatches = {
      sources: sp.sources.map((r) => `${r.file}:${r.sha256}`),
      dir: sp.dir,
      apply: sp.apply,
    };
  }
  return inputs;
}

export async function prepareCPythonSource(
  ctx: LayerContext,
  cfg: CPythonConfig,
  patches: readonly string[],
  dest: string,
): Promise<void> {
  await prepareSource(ctx, `CPython ${cfg.version}`, cfg.sources, [], dest);
  const sp = cfg.sourcePatches;
  if (sp) {
    const archive = await fetchSource(`CPython ${cfg.version}'s patches`, sp.sources, {
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
  await applyPatches(ctx, dest, patches);
}
