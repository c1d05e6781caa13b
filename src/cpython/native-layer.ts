// The native layer: the build Python, CPython of exactly the pinned version for the build machine.
import { copyFile, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { cpythonSourceInputs, prepareCPythonSource } from './source.js';
import { join } from 'node:path';
import type { Json, Layer, LayerContext } from '../layers/types.js';
import { fetchSource } from '../sources/fetch.js';
import { probe } from '../util/exec.js';
import { ensureSystemPackages } from '../toolchain/layer.js';
import {
  type CPythonConfig,
  type DebianBuildPython,
  readCPythonConfig,
  shortVersion,
} from './config.js';
import { debianRootInputs, unpackDebianRoot } from '../toolchain/debian-root.js';
import { type SystemPython, findSystemPython } from './system-python.js';

/** Installed under a fixed fake prefix and moved: the layer's bytes never name a cache path. */
const PREFIX = '/opt/faasm-python/native';

export const nativeLayer: Layer = {
  name: 'native',
  description: 'the build Python: CPython of exactly the pinned version, for this machine',
  // Not on the wasm toolchain: a new clang must not rebuild the build Python.
  deps: [],
  source: 'src/cpython/native-layer.ts',
  async inputs({ opts }): Promise<Json> {
    const cfg = await readCPythonConfig(opts.repoRoot, opts.python);
    await ensureSystemPackages(opts);
    const fromRoot = cfg.native.debianRoot;
    if (fromRoot) {
      const root = await debianRootInputs(opts.repoRoot, fromRoot.suite, fromRoot.root);
      return { version: cfg.version, from: 'debian-root', root };
    }
    const system = await findSystemPython(cfg.version);
    const common = {
      version: cfg.version,
      ...(await cpythonSourceInputs(opts.repoRoot, cfg, cfg.native.patches)),
    };
    if (system) return { ...common, from: 'system', system: { ...system } };
    return {
      ...common,
      from: 'source',
      configure: cfg.native.configure,
      hostCompiler: (await probe('gcc', ['--version']))?.split('\n')[0] ?? 'unknown',
    };
  },
  async build(ctx) {
    const cfg = await readCPythonConfig(ctx.opts.repoRoot, ctx.opts.python);
    const src = join(ctx.work, 'src');
    const fromRoot = cfg.native.debianRoot;
    const system = fromRoot ? undefined : await findSystemPython(cfg.version, ctx.log);
    if (fromRoot) {
      await debianBuildPython(ctx, cfg, fromRoot);
    } else if (system) {
      await systemBuildPython(ctx, cfg, system, src);
    } else {
      await prepareCPythonSource(ctx, cfg, cfg.native.patches, src);
      await compileBuildPython(ctx, cfg, src);
    }
    await ctx.exec(nativePython(ctx.out, cfg.version), [
      '-c',
      'import sys, zlib, json, setuptools, pip; assert sys.version.split()[0] == sys.argv[1]',
      cfg.version,
    ]);
  },
};

/**
 * The distribution's interpreter as a virtual environment (its own site-packages, none of the
 * system's), with the pip and setuptools wheels the pinned tarball bundles for ensurepip: the
 * same pip the source build installs. The binary is copied, not linked, so the layer holds no
 * link out of itself; it finds its stdlib through pyvenv.cfg's `home`.
 */
async function systemBuildPython(
  ctx: LayerContext,
  cfg: CPythonConfig,
  system: SystemPython,
  src: string,
) {
  const v = shortVersion(cfg.version);
  await mkdir(join(ctx.out, 'bin'), { recursive: true });
  await copyFile(system.path, nativePython(ctx.out, cfg.version));
  const home = system.path.slice(0, system.path.lastIndexOf('/'));
  await writeFile(
    join(ctx.out, 'pyvenv.cfg'),
    `home = ${home}\ninclude-system-site-packages = false\nversion = ${cfg.version}\n`,
  );
  const site = join(ctx.out, 'lib', `python${v}`, 'site-packages');
  await mkdir(site, { recursive: true });
  // Only the wheels: the verified tarball's other 25 MB are not needed here.
  const tarball = await fetchSource(`CPython ${cfg.version}`, cfg.sources, {
    cacheDir: ctx.opts.cacheDir,
    repoRoot: ctx.opts.repoRoot,
    log: ctx.log,
  });
  await mkdir(src, { recursive: true });
  const wheels = 'Lib/ensurepip/_bundled';
  await ctx.exec('tar', ['-xzf', tarball.path, '-C', src, '--strip-components=1', '--wildcards', `*/${wheels}/*.whl`]); // prettier-ignore
  const bundled = join(src, wheels);
  for (const wheel of (await readdir(bundled)).filter((f) => f.endsWith('.whl'))) {
    // Pure wheels: unpacking one is installing it (no scripts needed: pip runs as `-m pip`).
    await ctx.exec(system.path, ['-I', '-m', 'zipfile', '-e', join(bundled, wheel), site]);
  }
}

/**
 * A pinned Debian root's python3.X (with the distribution's pip and setuptools) as the build
 * Python: `bin/python3.X` links to the root's wrapper, which runs it on the root's own libc
 * (src/toolchain/debian-root.ts) and is what sys.executable names, so pip's subprocesses and
 * CPython's build scripts start it the same way.
 */
async function debianBuildPython(ctx: LayerContext, cfg: CPythonConfig, from: DebianBuildPython) {
  await unpackDebianRoot(ctx, from.suite, from.root, join(ctx.out, 'root'));
  await mkdir(join(ctx.out, 'bin'), { recursive: true });
  const name = `python${shortVersion(cfg.version)}`;
  await symlink(join('..', 'root', 'usr', 'bin', name), nativePython(ctx.out, cfg.version));
}

/** The fallback: configure and make the pinned tarball. */
async function compileBuildPython(ctx: LayerContext, cfg: CPythonConfig, src: string) {
  const build = join(ctx.work, 'build');
  const dest = join(ctx.work, 'dest');
  await ctx.exec('mkdir', ['-p', build]);
  await ctx.exec(join(src, 'configure'), [`--prefix=${PREFIX}`, ...cfg.native.configure], {
    cwd: build,
  });
  await ctx.exec('make', [`-j${ctx.opts.jobs}`], { cwd: build });
  await ctx.exec('make', ['install', `DESTDIR=${dest}`], { cwd: build });
  for (const entry of await readdir(join(dest, PREFIX))) {
    await rename(join(dest, PREFIX, entry), join(ctx.out, entry));
  }
  const v = shortVersion(cfg.version);
  // The static libpython for embedding (46 MB) is never used from the build Python.
  await rm(
    join(ctx.out, 'lib', `python${v}`, `config-${v}-${await multiarch(ctx)}`, `libpython${v}.a`),
    { force: true },
  );
}

async function multiarch(ctx: LayerContext): Promise<string> {
  return (await ctx.exec('gcc', ['-print-multiarch'])).stdout.trim() || 'x86_64-linux-gnu';
}

export function nativePython(nativeDir: string, version: string): string {
  return join(nativeDir, 'bin', `python${shortVersion(version)}`);
}
