import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildOptions, Layer } from '../layers/types.js';
import { cachePaths } from '../paths.js';
import { probe } from '../util/exec.js';
import { copyTree } from '../util/fs.js';
import { hashTree, sha256File } from '../util/hash.js';
import { type ToolchainConfig, readToolchainConfig } from './config.js';
import { ensurePackages } from './system-packages.js';
import { libcPatchInputs, patchLibc } from './wasi-libc-patch.js';

/** Installs the toolchain and host build packages when missing (a no-op when present). */
export async function ensureSystemPackages(opts: BuildOptions) {
  const cfg = await readToolchainConfig(opts.repoRoot);
  await mkdir(cachePaths(opts.cacheDir).logs, { recursive: true });
  await ensurePackages(cfg.packages, join(cachePaths(opts.cacheDir).logs, 'apt-install.log'));
  return cfg;
}

/** clang's version line, part of the toolchain fingerprint ('' when clang is missing). */
async function clangVersion(cfg: ToolchainConfig): Promise<string> {
  return (await probe(cfg.clang, ['--version']))?.split('\n')[0] ?? '';
}

/** What the toolchain layer records in `toolchain.json`, read by every cross build. */
export type ToolchainInfo = Pick<
  ToolchainConfig,
  'target' | 'clang' | 'ar' | 'ranlib' | 'strip' | 'builtins'
> & { clangVersion: string };

/**
 * Puts libc++ into the sysroot as files: Debian's libc++-dev-wasm32 reaches the wasi-libc tree
 * through symlinks into /usr/lib/llvm-16, which would dangle (or lead out) in the copy.
 */
async function installCxx(cfg: ToolchainConfig, sysroot: string): Promise<void> {
  const include = join(sysroot, 'include', 'wasm32-wasi', 'c++');
  await rm(include, { recursive: true, force: true });
  await cp(cfg.cxxInclude, join(include, 'v1'), { recursive: true, dereference: true });
  for (const lib of cfg.cxxLibs) {
    const dest = join(sysroot, 'lib', 'wasm32-wasi', basename(lib));
    await rm(dest, { force: true });
    await copyFile(lib, dest);
  }
}

/**
 * Installs (when allowed) and fingerprints the wasm toolchain, and composes an isolated sysroot
 * from wasi-libc: Debian installs wasi-libc multiarch-style under /usr, so clang's default
 * sysroot would also search /usr/include and let host headers (zlib.h, uuid.h) leak into a cross
 * build. With `--sysroot=<out>/sysroot` clang sees only include/wasm32-wasi and lib/wasm32-wasi.
 */
export const toolchainLayer: Layer = {
  name: 'toolchain',
  description: 'clang, wasm-ld and wasi-libc, with an isolated sysroot',
  deps: [],
  source: 'src/toolchain/layer.ts',
  async inputs({ opts }) {
    const cfg = await ensureSystemPackages(opts);
    return {
      target: cfg.target,
      clang: (await clangVersion(cfg)) || 'missing',
      wasmLd: (await probe(cfg.wasmLd, ['--version'])) ?? 'missing',
      ar: cfg.ar,
      wasiInclude: await hashTree(cfg.wasiInclude),
      wasiLib: await hashTree(cfg.wasiLib),
      builtins: await sha256File(cfg.builtins),
      libcPatches: await libcPatchInputs(opts.repoRoot),
      cxxInclude: await hashTree(cfg.cxxInclude),
      cxxLibs: await Promise.all(cfg.cxxLibs.map((l) => sha256File(l))),
    };
  },
  async build(ctx) {
    const cfg = await readToolchainConfig(ctx.opts.repoRoot);
    await copyTree(cfg.wasiInclude, join(ctx.out, 'sysroot', 'include', 'wasm32-wasi'));
    await copyTree(cfg.wasiLib, join(ctx.out, 'sysroot', 'lib', 'wasm32-wasi'));
    await patchLibc(ctx, cfg, join(ctx.out, 'sysroot'));
    await installCxx(cfg, join(ctx.out, 'sysroot'));
    // PKG_CONFIG_LIBDIR of every cross build (flags.ts): empty, so pkg-config finds nothing.
    await mkdir(join(ctx.out, 'no-pkg-config'));
    const info: ToolchainInfo = {
      target: cfg.target,
      clang: cfg.clang,
      ar: cfg.ar,
      ranlib: cfg.ranlib,
      strip: cfg.strip,
      clangVersion: await clangVersion(cfg),
      builtins: cfg.builtins,
    };
    await writeFile(join(ctx.out, 'toolchain.json'), JSON.stringify(info, null, 2));
  },
};
