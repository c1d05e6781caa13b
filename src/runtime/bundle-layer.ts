import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCPythonConfig } from '../cpython/config.js';
import type { Layer } from '../layers/types.js';
import type { ModulesManifest } from '../modules/layer.js';
import { makeBundle } from '../release/bundle.js';
import { readVersion } from '../release/version.js';

/**
 * The release bundle: runtime root and libpython tarballs, py_func.wasm, manifest.json and
 * SHA256SUMS. What `release` attaches to the GitHub release and `image` builds from.
 */
export const bundleLayer: Layer = {
  name: 'bundle',
  description: 'the release bundle: tarballs, py_func.wasm, manifest, checksums',
  deps: ['wasm', 'modules', 'func', 'root'],
  source: 'src/runtime/bundle-layer.ts',
  async inputs({ opts }) {
    return { version: await readVersion(opts.repoRoot) };
  },
  async build(ctx) {
    const version = await readVersion(ctx.opts.repoRoot);
    const python = (await readCPythonConfig(ctx.opts.repoRoot)).version;
    const modules = JSON.parse(
      await readFile(join(ctx.dep('modules'), 'modules.json'), 'utf8'),
    ) as ModulesManifest;
    const versions: Record<string, string> = { 'faasm-python': version, python };
    for (const m of modules.modules.filter((m) => m.status === 'ok')) versions[m.name] = m.version;
    await makeBundle({
      runtimeRoot: ctx.dep('root'),
      pyFuncWasm: join(ctx.dep('func'), 'py_func.wasm'),
      libDir: join(ctx.dep('wasm'), 'lib'),
      includeDir: join(ctx.dep('wasm'), 'include'),
      outDir: join(ctx.out, 'bundle'),
      manifest: { version, versions, layers: { ...ctx.keys } },
      log: ctx.log,
    });
  },
};
