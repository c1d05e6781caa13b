// Helper symbols defined in several extensions' archives, made private to each so they link side by
// side.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerContext } from '../layers/types.js';
import type { WasmCompiler } from '../toolchain/flags.js';
import type { ExtensionEntry } from './extensions.js';
import { archiveSymbols, parseNmPosix } from './symbol-clashes.js';
import { renameWasmSymbols } from '../wasm/symbols.js';

/** Symbols defined in more than one archive, each with the archives after the first. */
export function sharedDefinitions(
  defined: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  const first = new Map<string, string>();
  const again = new Map<string, string[]>();
  for (const [archive, symbols] of defined) {
    for (const sym of symbols) {
      if (sym.startsWith('PyInit_')) continue;
      if (!first.has(sym)) first.set(sym, archive);
      else again.set(archive, [...(again.get(archive) ?? []), sym]);
    }
  }
  return again;
}

/** The name a repeated helper takes in a later extension: unique, and saying whose it is. */
export const localName = (sym: string, extension: string) =>
  `${sym}__${extension.replace(/\./g, '_')}`;

/**
 * One package's extensions, each once its own shared object, may each define the same helper
 * (bitarray's `_bitarray` and `_util` both carry `PyObject_GenericHash`, a compatibility shim
 * from a shared header). Linked into one py_func.wasm they would clash; in every extension but
 * the first, the defining object's copy is renamed after the extension, as its own .so kept it
 * private. Uses within that object follow (wasm relocations refer to symbols by index). Returns
 * the renames made, `symbol -> extension`. Extensions of different packages are not touched:
 * a clash there stays an error (checkSymbolClashes).
 */
export async function privatiseSharedHelpers(
  ctx: LayerContext,
  cc: WasmCompiler,
  outDir: string,
  entries: readonly ExtensionEntry[],
): Promise<string[]> {
  if (entries.length < 2) return [];
  const members = new Map<string, Map<string, string>>(); // archive -> symbol -> member
  for (const e of entries) {
    const listing = await archiveSymbols(ctx, cc, join(outDir, e.archive));
    members.set(e.archive, new Map(parseNmPosix(listing).map((d) => [d.symbol, d.member])));
  }
  const defined = new Map([...members].map(([a, m]) => [a, [...m.keys()]] as const));
  const done: string[] = [];
  for (const [archiveRel, symbols] of sharedDefinitions(defined)) {
    const entry = entries.find((e) => e.archive === archiveRel)!;
    const archive = join(outDir, archiveRel);
    const byMember = new Map<string, Map<string, string>>();
    for (const sym of symbols) {
      const member = members.get(archiveRel)!.get(sym)!;
      const names = byMember.get(member) ?? new Map<string, string>();
      names.set(sym, localName(sym, entry.name));
      byMember.set(member, names);
      done.push(`${sym} -> ${entry.name}`);
    }
    const dir = join(ctx.work, 'privatise', entry.name);
    await mkdir(dir, { recursive: true });
    for (const [member, names] of byMember) {
      await ctx.exec(cc.ar, ['x', archive, member], { cwd: dir });
      const { bytes } = renameWasmSymbols(await readFile(join(dir, member)), names);
      await writeFile(join(dir, member), bytes);
      await ctx.exec(cc.ar, ['r', archive, member], { cwd: dir });
    }
  }
  return done;
}
