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
const FLAG_BINDING_WEAK = 0x1;
const FLAG_BINDING_LOCAL = 0x2;
const FLAG_UNDEFINED = 0x10;
const FLAG_EXPLICIT_NAME = 0x40;

/**
 * Bytes appended piece by piece. Never `out.push(...piece)` with a big piece: spread arguments go
 * on the stack, and a big object's symbol table (pandas' Cython modules: hundreds of thousands
 * of bytes) overflowed it ("Maximum call stack size exceeded").
 */
class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  add(piece: Uint8Array | readonly number[]): this {
    const bytes = piece instanceof Uint8Array ? piece : Uint8Array.from(piece);
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Rewrites the symbol table subsection; returns its new bytes and the names it renamed. A
 * definition named in `weaken` becomes a weak one (its name is not changed).
 */
function renameInSymtab(
  payload: Uint8Array,
  names: ReadonlyMap<string, string>,
  hits: string[],
  weaken: ReadonlySet<string>,
) {
  const r = new WasmReader(payload);
  const out = new Writer();
  const count = r.leb();
  out.add(leb(count));
  for (let i = 0; i < count; i++) {
    const kind = r.u8();
    let flags = r.leb();
    // The flags come before the name, so the fields are read first and written after.
    const fields: number[][] = [];
    const name = (): void => {
      const n = r.name();
      const to = names.get(n);
      if (to !== undefined) hits.push(n);
      if (weaken.has(n) && !(flags & FLAG_UNDEFINED)) {
        hits.push(n);
        flags = (flags & ~FLAG_BINDING_LOCAL) | FLAG_BINDING_WEAK;
      }
      fields.push(encodeName(to ?? n));
    };
    if (
      kind === SYMTAB_FUNCTION ||
      kind === SYMTAB_GLOBAL ||
      kind === SYMTAB_EVENT ||
      kind === SYMTAB_TABLE
    ) {
      fields.push(leb(r.leb()));
      if (!(flags & FLAG_UNDEFINED) || flags & FLAG_EXPLICIT_NAME) name();
    } else if (kind === SYMTAB_DATA) {
      name();
      if (!(flags & FLAG_UNDEFINED)) for (let k = 0; k < 3; k++) fields.push(leb(r.leb()));
    } else if (kind === SYMTAB_SECTION) {
      fields.push(leb(r.leb()));
    } else {
      throw new Error(`unknown wasm symbol kind ${kind}`);
    }
    out.add([kind, ...leb(flags)]);
    for (const f of fields) out.add(f);
  }
  return out.bytes();
}

/** A custom section's body rewritten when it is `linking`, or undefined for any other. */
function renameInLinking(
  content: Uint8Array,
  names: ReadonlyMap<string, string>,
  hits: string[],
  weaken: ReadonlySet<string>,
): Uint8Array | undefined {
  const r = new WasmReader(content);
  if (r.name() !== 'linking') return undefined;
  const out = new Writer().add(content.subarray(0, r.pos));
  out.add(leb(r.leb())); // version
  while (!r.done) {
    const type = r.u8();
    const payload = r.take(r.leb());
    const rewritten =
      type === SUBSECTION_SYMBOL_TABLE ? renameInSymtab(payload, names, hits, weaken) : payload;
    out.add([type, ...leb(rewritten.length)]).add(rewritten);
  }
  return out.bytes();
}

/**
 * `object` with the symbols named in `names` renamed (old name -> new name), and which of them
 * it had. An object without a `linking` section (not relocatable) is returned unchanged.
 * `weaken`: definitions made weak (listed in `renamed` too), so that two archives may both
 * define them and the linker keeps one (the allocator shim of each Rust staticlib, rust.ts).
 */
export function renameWasmSymbols(
  object: Uint8Array,
  names: ReadonlyMap<string, string>,
  weaken: ReadonlySet<string> = new Set(),
): { bytes: Uint8Array; renamed: string[] } {
  assertWasm(object, 'a wasm object file');
  const out: Uint8Array[] = [object.subarray(0, 8)];
  const renamed: string[] = [];
  for (const s of sections(object)) {
    const linking =
      s.id === 0 ? renameInLinking(body(object, s), names, renamed, weaken) : undefined;
    const content = linking ?? body(object, s);
    // Every section's size is written again as the shortest LEB128, renamed or not.
    out.push(Uint8Array.from([s.id, ...leb(content.length)]), content);
  }
  return { bytes: Buffer.concat(out), renamed };
}
