// The toolchain layer: the toolchain's fingerprint and its isolated sysroot, and installing what it
// needs.
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { readCPythonConfig } from '../cpython/config.js';
import type { BuildOptions, Json, LayerContext } from '../layers/types.js';
import type { Layer } from '../layers/types.js';
import { cachePaths } from '../paths.js';
import { probe } from '../util/exec.js';
import { copyTree } from '../util/fs.js';
import { hashTree, sha256File } from '../util/hash.js';
import { type ToolchainConfig, readToolchainConfig } from './config.js';
import { debianRootInputs, unpackDebianRoot } from './debian-root.js';
import { ensurePackages } from './system-packages.js';
import { libcPatchInputs, patchLibc } from './wasi-libc-patch.js';

/** The toolchain config of the selected CPython line. */
export async function lineToolchainConfig(opts: BuildOptions): Promise<ToolchainConfig> {
  const line = await readCPythonConfig(opts.repoRoot, opts.python);
  return readToolchainConfig(opts.repoRoot, line.toolchain);
}

/** Installs the toolchain and host build packages when missing (a no-op when present). */
export async function ensureSystemPackages(opts: BuildOptions) {
  const cfg = await lineToolchainConfig(opts);
  await mkdir(cachePaths(opts.cacheDir).logs, { recursive: true });
  await ensurePackages(cfg.packages, join(cachePaths(opts.cacheDir).logs, 'apt-install.log'));
  return cfg;
}

/** clang's version line, part of the toolchain fingerprint ('' when clang is missing). */
async function clangVersion(clang: string): Promise<string> {
  return (await probe(clang, ['--version']))?.split('\n')[0] ?? '';
}

/**
 * What the toolchain layer records in `toolchain.json`, read by every cross build. Relative
 * paths are relative to the layer's directory (a Debian root inside it).
 */
export type ToolchainInfo = Pick<
  ToolchainConfig,
  'target' | 'clang' | 'clangxx' | 'ar' | 'ranlib' | 'strip' | 'builtins'
> & { clangVersion: string };

/** Where the layer unpacks a Debian root. */
const ROOT_DIR = 'root';

/** The config with its paths inside `root` (a Debian root's), as they are while building. */
function within(cfg: ToolchainConfig, root: string): ToolchainConfig {
  const at = (p: string) => (isAbsolute(p) ? p : join(root, p));
  const at2 = (p: string | undefined) => (p === undefined ? undefined : at(p));
  return {
    ...cfg,
    clang: at(cfg.clang),
    clangxx: at2(cfg.clangxx),
    ar: at(cfg.ar),
    ranlib: at(cfg.ranlib),
    strip: at(cfg.strip),
    wasmLd: at(cfg.wasmLd),
    wasiInclude: at(cfg.wasiInclude),
    wasiLib: at(cfg.wasiLib),
    builtins: at(cfg.builtins),
    cxxInclude: at(cfg.cxxInclude),
    cxxLibs: cfg.cxxLibs.map(at),
  };
}

/**
 * Puts libc++ into the sysroot as files: Debian's libc++-dev-wasm32 reaches the wasi-libc tree
 * through symlinks into /usr/lib/llvm-N, which would dangle (or lead out) in the copy.
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

/** The machine's toolchain: installed with apt when allowed, fingerprinted by its files. */
async function systemInputs(opts: BuildOptions, cfg: ToolchainConfig): Promise<Json> {
  await ensureSystemPackages(opts);
  return {
    target: cfg.target,
    clang: (await clangVersion(cfg.clang)) || 'missing',
    wasmLd: (await probe(cfg.wasmLd, ['--version'])) ?? 'missing',
    ar: cfg.ar,
    wasiInclude: await hashTree(cfg.wasiInclude),
    wasiLib: await hashTree(cfg.wasiLib),
    builtins: await sha256File(cfg.builtins),
    libcPatches: await libcPatchInputs(opts.repoRoot, cfg.libcPatches),
    cxxInclude: await hashTree(cfg.cxxInclude),
    cxxLibs: await Promise.all(cfg.cxxLibs.map((l) => sha256File(l))),
  };
}

/** A pinned Debian root: its pins fix every byte, so they and the config are the key. */
async function debianInputs(opts: BuildOptions, cfg: ToolchainConfig): Promise<Json> {
  const { suite, root } = cfg.debianRoot!;
  await ensureSystemPackages(opts);
  return {
    config: cfg as unknown as Json,
    root: await debianRootInputs(opts.repoRoot, suite, root),
    libcPatches: await libcPatchInputs(opts.repoRoot, cfg.libcPatches),
  };
}

/**
 * The wasm toolchain, fingerprinted, with an isolated sysroot composed from wasi-libc: Debian
 * installs wasi-libc multiarch-style under /usr, so clang's default sysroot would also search
 * /usr/include and let host headers (zlib.h, uuid.h) leak into a cross build. With
 * `--sysroot=<out>/sysroot` clang sees only include/wasm32-wasi and lib/wasm32-wasi.
 *
 * The line's toolchain is either the machine's (installed with apt when allowed) or a pinned
 * Debian root unpacked into the layer (`root/`), whose programs the recorded paths name.
 */
export const toolchainLayer: Layer = {
  name: 'toolchain',
  description: 'clang, wasm-ld and wasi-libc, with an isolated sysroot',
  deps: [],
  source: 'src/toolchain/layer.ts',
  async inputs({ opts }) {
    const cfg = await lineToolchainConfig(opts);
    return cfg.debianRoot ? debianInputs(opts, cfg) : systemInputs(opts, cfg);
  },
  async build(ctx) {
    const given = await lineToolchainConfig(ctx.opts);
    if (given.debianRoot) {
      const { suite, root } = given.debianRoot;
      await unpackDebianRoot(ctx, suite, root, join(ctx.out, ROOT_DIR));
    }
    // While building, the root's files by their staging path; recorded, by the layer-relative one.
    const cfg = given.debianRoot ? within(given, join(ctx.out, ROOT_DIR)) : given;
    const recorded = given.debianRoot ? within(given, ROOT_DIR) : given;
    await buildSysroot(ctx, cfg);
    const info: ToolchainInfo = {
      target: cfg.target,
      clang: recorded.clang,
      ...(recorded.clangxx ? { clangxx: recorded.clangxx } : {}),
      ar: recorded.ar,
      ranlib: recorded.ranlib,
      strip: recorded.strip,
      clangVersion: await clangVersion(cfg.clang),
      builtins: recorded.builtins,
    };
    await writeFile(join(ctx.out, 'toolchain.json'), JSON.stringify(info, null, 2));
  },
};

async function buildSysroot(ctx: LayerContext, cfg: ToolchainConfig): Promise<void> {
  await copyTree(cfg.wasiInclude, join(ctx.out, 'sysroot', 'include', 'wasm32-wasi'));
  await copyTree(cfg.wasiLib, join(ctx.out, 'sysroot', 'lib', 'wasm32-wasi'));
  await patchLibc(ctx, cfg, join(ctx.out, 'sysroot'));
  await installCxx(cfg, join(ctx.out, 'sysroot'));
  // PKG_CONFIG_LIBDIR of every cross build (flags.ts): empty, so pkg-config finds nothing.
  await mkdir(join(ctx.out, 'no-pkg-config'));
}
