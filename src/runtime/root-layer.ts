// The root layer: the runtime root Faasm mounts as `/`, stdlib with the modules' site-packages.
import { join } from 'node:path';
import { readCPythonConfig, shortVersion } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import type { Layer } from '../layers/types.js';
import { installSitePackages } from '../modules/install.js';
import { copyTree } from '../util/fs.js';

/**
 * The runtime root Faasm mounts (the guest's `/`, PYTHONHOME=/): the wasm layer's pruned
 * standard library with the modules' site-packages laid in, and their bytecode.
 */
export const rootLayer: Layer = {
  name: 'root',
  description: 'the runtime root: lib/python3.11 with site-packages',
  deps: ['native', 'wasm', 'modules'],
  source: 'src/runtime/root-layer.ts',
  async inputs() {
    return {};
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
    const lib = join('lib', `python${shortVersion(cfg.version)}`);
    await copyTree(join(ctx.dep('wasm'), lib), join(ctx.out, lib));
    await installSitePackages(ctx.dep('modules'), ctx.out);
    // Bytecode, compiled by the build Python (the same version: the same bytecode): without it
    // every import compiles its source again, in the zygote and in every call, which halves
    // the interpreter's start-up. Hash-based and unchecked, so no source mtime is read or
    // recorded; the file names are the guest's (/lib/python3.X/...).
    await ctx.exec(nativePython(ctx.dep('native'), cfg.version), [
      '-m', 'compileall', '-q', '-j0', '--invalidation-mode', 'unchecked-hash',
      '-s', ctx.out, '-p', '/', join(ctx.out, lib),
    ]); // prettier-ignore
  },
};
