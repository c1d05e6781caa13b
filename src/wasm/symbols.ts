/**
 * Renames symbols in a wasm relocatable object (the `linking` section's symbol table).
 *
 * Every extension module defines `PyInit_<last name part>`: two `_speedups` linked statically
 * side by side would clash, so each is renamed after its full dotted name. A backend compiled
 * the objects, so a `-D` at compile time is not available; llvm-objcopy cannot rename wasm
 * symbols (LLVM 16: "only flags for section dumping, removal, and addition are supported").
 * Symbols are referenced by index everywhere else (relocations, init functions), so rewriting
 * their names in the symbol table renames them for the linker.
 */

import { WasmReader, assertWasm, body, encodeLeb as leb, encodeName, sections } from './binary.js';

const SUBSECTION_SYMBOL_TABLE = 8;
const SYMTAB_FUNCTION = 0;
const SYMTAB_DATA = 1;
const SYMTAB_GLOBAL = 2;
const SYMTAB_SECTION = 3;
const SYMTAB_EVENT = 4;
const SYMTAB_TABLE = 5;
const FLAG_UNDEFINED = 0x10;
const FLAG_EXPLICIT_NAME = 0x40;

/** Rewrites the symbol table subsection; returns its new bytes and the names it renamed. */
function renameInSymtab(payload: Uint8Array, names: ReadonlyMap<string, string>, hits: string[]) {
  const r = new WasmReader(payload);
  const out: number[] = [];
  const count = r.leb();
  out.push(...leb(count));
  for (let i = 0; i < count; i++) {
    const kind = r.u8();
    const flags = r.leb();
    out.push(kind, ...leb(flags));
    const name = (): void => {
      const n = r.name();
      const to = names.get(n);
      if (to !== undefined) hits.push(n);
      out.push(...encodeName(to ?? n));
    };
    if (
      kind === SYMTAB_FUNCTION ||
      kind === SYMTAB_GLOBAL ||
      kind === SYMTAB_EVENT ||
      kind === SYMTAB_TABLE
    ) {
      out.push(...leb(r.leb()));
      if (!(flags & FLAG_UNDEFINED) || flags & FLAG_EXPLICIT_NAME) name();
    } else if (kind === SYMTAB_DATA) {
      name();
      if (!(flags & FLAG_UNDEFINED)) for (let k = 0; k < 3; k++) out.push(...leb(r.leb()));
    } else if (kind === SYMTAB_SECTION) {
      out.push(...leb(r.leb()));
    } else {
      throw new Error(`unknown wasm symbol kind ${kind}`);
    }
  }
  return out;
}

/** A custom section's body rewritten when it is `linking`, or undefined for any other. */
function renameInLinking(
  content: Uint8Array,
  names: ReadonlyMap<string, string>,
  hits: string[],
): number[] | undefined {
  const r = new WasmReader(content);
  if (r.name() !== 'linking') return undefined;
  const out: number[] = [...content.subarray(0, r.pos)];
  out.push(...leb(r.leb())); // version
  while (!r.done) {
    const type = r.u8();
    const payload = r.take(r.leb());
    const rewritten =
      type === SUBSECTION_SYMBOL_TABLE ? renameInSymtab(payload, names, hits) : [...payload];
    out.push(type, ...leb(rewritten.length), ...rewritten);
  }
  return out;
}

/**
 * `object` with the symbols named in `names` renamed (old name -> new name), and which of them
 * it had. An object without a `linking` section (not relocatable) is returned unchanged.
 */
export function renameWasmSymbols(
  object: Uint8Array,
  names: ReadonlyMap<string, string>,
): { bytes: Uint8Array; renamed: string[] } {
  assertWasm(object, 'a wasm object file');
  const out: Uint8Array[] = [object.subarray(0, 8)];
  const renamed: string[] = [];
  for (const s of sections(object)) {
    const linking = s.id === 0 ? renameInLinking(body(object, s), names, renamed) : undefined;
    const content = linking ? Uint8Array.from(linking) : body(object, s);
    // Every section's size is written again as the shortest LEB128, renamed or not.
    out.push(Uint8Array.from([s.id, ...leb(content.length)]), content);
  }
  return { bytes: Buffer.concat(out), renamed };
}
