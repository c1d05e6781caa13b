/**
 * CPython's source for a line: the pinned tarball, then the distribution's patches the line
 * takes from another pinned archive (Debian's security fixes from its debian.tar.xz), then the
 * repository's own patches. The patches' archive is fetched and verified like any source; no
 * patch text is committed here.
 */
import type { Json, LayerContext } from '../layers/types.js';
import { prepareSource, sourceInputs, sourcePatchInputs } from '../sources/prepare.js';
import type { CPythonConfig } from './config.js';

export async function cpythonSourceInputs(
  repoRoot: string,
  cfg: CPythonConfig,
  patches: readonly string[],
): Promise<Record<string, Json>> {
  const inputs: Record<string, Json> = await sourceInputs(repoRoot, cfg.sources, patches);
  if (cfg.sourcePatches) inputs.sourcePatches = sourcePatchInputs(cfg.sourcePatches);
  return inputs;
}

export async function prepareCPythonSource(
  ctx: LayerContext,
  cfg: CPythonConfig,
  patches: readonly string[],
  dest: string,
): Promise<void> {
  await prepareSource(ctx, `CPython ${cfg.version}`, cfg.sources, patches, dest, cfg.sourcePatches);
}
