// ccache in front of the cross compiler, when the machine has it.
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import { probe } from '../util/exec.js';

/**
 * Puts ccache in front of the cross compiler when the machine has it. A rebuild whose objects
 * are mostly unchanged (a link flag, one patched file, a new key upstream) then compiles only
 * what changed. Its store lives in the layer cache directory, so an empty cache directory is a
 * truly cold build. ccache returns the compiler's own output, so it is part of no key.
 */
export async function withCompilerCache(
  ctx: LayerContext,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  if (!env.CC || (await probe('ccache', ['--version'])) === undefined) return env;
  return {
    ...env,
    CC: `ccache ${env.CC}`,
    ...(env.CXX ? { CXX: `ccache ${env.CXX}` } : {}),
    CCACHE_DIR: join(ctx.opts.cacheDir, 'ccache'),
    // Every build has its own work directory: hash paths relative to it, so they match.
    CCACHE_BASEDIR: ctx.work,
    CCACHE_NOHASHDIR: 'true',
    CCACHE_MAXSIZE: '2G',
  };
}
