// Strong symbols defined by two extensions' archives, found before the link fails on them.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import { UserError } from '../util/errors.js';
import { sha256 } from '../util/hash.js';
import { type ExtensionEntry, nmFor } from './extensions.js';

/** A strong external definition: which extension, archive and member define it. */
interface Definition {
  extension: string;
  archive: string;
  member: string;
}

/** An external definition in an archive: the symbol, its member and nm's type letter. */
export interface ArchiveSymbol {
  symbol: string;
  member: string;
  type: string;
}

/** Every external definition of `llvm-nm -A --format=posix` output. */
export function parseNmPosix(nmPosix: string): ArchiveSymbol[] {
  const out: ArchiveSymbol[] = [];
  // "archive.a[member.o]: symbol T 1f 0"
  for (const line of nmPosix.split('\n')) {
    const m = /\[([^\]]+)\]: (\S+) ([A-Za-z]) /.exec(line);
    if (m) out.push({ member: m[1]!, symbol: m[2]!, type: m[3]! });
  }
  return out;
}

/**
 * Strong external definitions of an archive, by symbol. Weak ones (C++ inline functions,
 * template instances: nm types W and V) are left out: the linker keeps one of them by rule.
 */
export function parseDefinitions(nmPosix: string): { symbol: string; member: string }[] {
  return parseNmPosix(nmPosix)
    .filter((d) => !'WVwv'.includes(d.type))
    .map(({ symbol, member }) => ({ symbol, member }));
}

/** The external definitions of an extension's archive, as llvm-nm lists them. */
export async function archiveSymbols(
  ctx: LayerContext,
  cc: WasmCompiler,
  archive: string,
): Promise<string> {
  const args = ['-A', '--defined-only', '--extern-only', '--format=posix', archive];
  return (await ctx.exec(nmFor(cc), args)).stdout;
}

/**
 * Two extensions defining the same strong symbol cannot be linked into one program, unless
 * both definitions are the same object: a package links its own static library (numpy's
 * npymath, lapack_lite) into several extensions, and the linker then takes one copy. A real
 * clash (the same name for different code) is named, instead of a duplicate-symbol error or,
 * worse, wasm-ld's signature-mismatch stub that traps when called.
 */
export async function checkSymbolClashes(
  ctx: LayerContext,
  cc: WasmCompiler,
  outDir: string,
  entries: readonly ExtensionEntry[],
): Promise<void> {
  const owner = new Map<string, Definition>();
  const hashes = new Map<string, string>();
  const scratch = join(ctx.work, 'symbol-clashes');
  /** sha256 of an archive member (the first of that name, as wasm_cc.py names them uniquely). */
  const memberHash = async (d: Definition) => {
    const id = `${d.archive}\0${d.member}`;
    let h = hashes.get(id);
    if (!h) {
      const dir = join(scratch, String(hashes.size));
      await mkdir(dir, { recursive: true });
      await ctx.exec(cc.ar, ['xN', '1', d.archive, d.member], { cwd: dir });
      h = sha256(await readFile(join(dir, d.member)));
      hashes.set(id, h);
    }
    return h;
  };
  for (const e of entries) {
    const archive = join(outDir, e.archive);
    for (const { symbol, member } of parseDefinitions(await archiveSymbols(ctx, cc, archive))) {
      const here: Definition = { extension: e.name, archive, member };
      const other = owner.get(symbol);
      if (!other) {
        owner.set(symbol, here);
        continue;
      }
      if (other.extension === e.name) continue;
      if ((await memberHash(other)) === (await memberHash(here))) continue;
      throw new UserError(
        `The extensions ${other.extension} and ${e.name} both define the symbol '${symbol}' (in ${other.member} and ${member}), so they cannot be linked together; make it static or rename it in one of them with a patch.`,
      );
    }
  }
}
