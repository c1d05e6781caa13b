// The fixes applied to wasi-libc in the toolchain's sysroot.
import { join } from 'node:path';
import type { Json, LayerContext } from '../layers/types.js';
import { sha256File } from '../util/hash.js';
import type { ToolchainConfig } from './config.js';

/**
 * Fixes for the system wasi-libc, as C sources in third-party/wasi-libc/ that replace the
 * archive members defining the same functions. Debian bookworm ships a 2022 snapshot whose
 * utimensat/futimens write zero times for `times == NULL`; patching the two members keeps the
 * pinned, apt-installed toolchain (no second libc, no newer clang's object features) and fixes
 * every program linked against the sysroot, python.wasm and py_func.wasm alike. trixie's
 * wasi-libc (0.0~git20241209) sets the current time for `times == NULL` itself (checked with
 * utime(path, NULL) and futimens(fd, NULL) run in the host), so its toolchain takes no patch.
 */
const PATCHES: readonly { source: string; replaces: string[] }[] = [
  { source: 'utimens.c', replaces: ['utimensat.o', 'futimens.o'] },
];

function patchDir(repoRoot: string): string {
  return join(repoRoot, 'third-party', 'wasi-libc');
}

/** The fixes a toolchain takes: those named (all when the toolchain names none). */
function selected(names: readonly string[] | undefined) {
  return names === undefined ? PATCHES : PATCHES.filter((p) => names.includes(p.source));
}

export async function libcPatchInputs(repoRoot: string, names?: readonly string[]): Promise<Json> {
  const out: Record<string, Json> = {};
  for (const p of selected(names)) {
    out[p.source] = { sha256: await sha256File(join(patchDir(repoRoot), p.source)), ...p };
  }
  return out;
}

/** Compiles each fix against the sysroot and swaps it into `libc.a` for the members it replaces. */
export async function patchLibc(ctx: LayerContext, cfg: ToolchainConfig, sysroot: string) {
  const libDir = join(sysroot, 'lib', 'wasm32-wasi');
  const libc = join(libDir, 'libc.a');
  const members = new Set((await ctx.exec(cfg.ar, ['t', libc])).stdout.split('\n'));
  for (const p of selected(cfg.libcPatches)) {
    const missing = p.replaces.filter((m) => !members.has(m));
    if (missing.length > 0) {
      throw new Error(`wasi-libc has no ${missing.join(', ')} to replace with ${p.source}`);
    }
    const obj = join(ctx.work, p.source.replace(/\.c$/, '-patch.o'));
    const flags = [`--target=${cfg.target}`, `--sysroot=${sysroot}`, '-O2', '-Wall', '-Werror'];
    await ctx.exec(cfg.clang, [
      ...flags,
      '-c',
      join(patchDir(ctx.opts.repoRoot), p.source),
      '-o',
      obj,
    ]);
    await ctx.exec(cfg.ar, ['d', libc, ...p.replaces]);
    await ctx.exec(cfg.ar, ['rs', libc, obj]);
  }
}
