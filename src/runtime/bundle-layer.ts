// The bundle layer: the release bundle (tarballs, py_func.wasm, SBOM, SHA256SUMS) from func and
// root.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCPythonConfig } from '../cpython/config.js';
import { nativePython } from '../cpython/native-layer.js';
import type { Layer } from '../layers/types.js';
import type { ModulesManifest } from '../modules/layer.js';
import { cachePaths } from '../paths.js';
import { makeBundle } from '../release/bundle.js';
import { buildPyfaasmDists } from '../release/pyfaasm-dist.js';
import { makeSbom } from '../release/sbom.js';
import { readVersion } from '../release/version.js';
import { hashTree, sha256 } from '../util/hash.js';

/**
 * pyfaasm's dists carry this as their file times (1980-01-01, the earliest a wheel's zip can
 * hold): a constant, so the dists are the same bytes whenever and wherever the bundle is built.
 */
const DISTS_EPOCH = 315532800;

/** What a checkout's pyfaasm/ may hold that no dist is built from (test and build leftovers). */
const LOCAL_JUNK =
  /(^|\/)(__pycache__|build|dist|\.mypy_cache|\.pytest_cache|[^/]+\.egg-info)(\/|$)|\.pyc$/;

/**
 * The release bundle, every release asset: runtime root and libpython tarballs, py_func.wasm, the
 * SBOM (from the recipes), pyfaasm's sdist and wheel, manifest.json and SHA256SUMS over them all.
 * What `release` attaches to the GitHub release, `image` builds from, and `verify` rebuilds.
 */
export const bundleLayer: Layer = {
  name: 'bundle',
  description: 'the release bundle: tarballs, py_func.wasm, SBOM, pyfaasm dists, checksums',
  // native: the build Python builds pyfaasm's dists.
  deps: ['native', 'wasm', 'modules', 'func', 'root'],
  source: 'src/runtime/bundle-layer.ts',
  async inputs({ opts }) {
    const third = join(opts.repoRoot, 'third-party');
    return {
      version: await readVersion(opts.repoRoot),
      // What the dists are built from, and what the SBOM is computed from (licences included).
      pyfaasm: await hashTree(join(opts.repoRoot, 'pyfaasm'), (rel) => LOCAL_JUNK.test(rel)),
      recipes: {
        cpython: await hashTree(join(third, 'cpython')),
        libs: await hashTree(join(third, 'libs')),
        modules: await hashTree(join(third, 'modules')),
        licenses: sha256(await readFile(join(third, 'licenses.json'))),
      },
    };
  },
  async build(ctx) {
    const version = await readVersion(ctx.opts.repoRoot);
    const python = (await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python)).version;
    const modules = JSON.parse(
      await readFile(join(ctx.dep('modules'), 'modules.json'), 'utf8'),
    ) as ModulesManifest;
    const built = modules.modules.filter((m) => m.status === 'ok');
    const versions: Record<string, string> = { 'faasm-python': version, python };
    for (const m of built) versions[m.name] = m.version;
    const distDir = join(ctx.work, 'dists');
    await mkdir(distDir, { recursive: true });
    const dists = await buildPyfaasmDists({
      repoRoot: ctx.opts.repoRoot,
      version,
      outDir: distDir,
      toolsDir: cachePaths(ctx.opts.cacheDir).tools,
      python: nativePython(ctx.dep('native'), python),
      sourceDateEpoch: DISTS_EPOCH,
      log: ctx.log,
    });
    await makeBundle({
      runtimeRoot: ctx.dep('root'),
      pyFuncWasm: join(ctx.dep('func'), 'py_func.wasm'),
      libDir: join(ctx.dep('wasm'), 'lib'),
      includeDir: join(ctx.dep('wasm'), 'include'),
      outDir: join(ctx.out, 'bundle'),
      manifest: { version, versions, layers: { ...ctx.keys } },
      sbom: await makeSbom({
        repoRoot: ctx.opts.repoRoot,
        version,
        modules: built.map((m) => ({
          name: m.name,
          version: m.version,
          ...(m.source ? { source: m.source } : {}),
        })),
      }),
      pyfaasmDists: dists.map((d) => d.path),
      log: ctx.log,
    });
  },
};
