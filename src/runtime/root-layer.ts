import { join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import type { Layer } from '../layers/types.js';
import { installSitePackages } from '../modules/install.js';
import { copyTree } from '../util/fs.js';

/**
 * The runtime root Faasm mounts (the guest's `/`, PYTHONHOME=/): the wasm layer's pruned
 * standard library with the modules' site-packages laid in.
 */
export const rootLayer: Layer = {
  name: 'root',
  description: 'the runtime root: lib/python3.11 with site-packages',
  deps: ['wasm', 'modules'],
  implementation: ['src/runtime/root-layer.ts', 'src/modules/install.ts'],
  async inputs() {
    return {};
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot);
    const lib = join('lib', `python${shortVersion(cfg.version)}`);
    await copyTree(join(ctx.dep('wasm'), lib), join(ctx.out, lib));
    await installSitePackages(ctx.dep('modules'), ctx.out);
  },
};
