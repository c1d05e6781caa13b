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

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
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

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
  ) {}
  u8(): number {
    if (this.pos >= this.buf.length) throw new Error('truncated wasm object');
    return this.buf[this.pos++]!;
  }
  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('truncated wasm object');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const utf8 = new TextDecoder();
const encode = (s: string) => [...leb(Buffer.byteLength(s)), ...Buffer.from(s)];

/**
 * Rewrites the symbol table subsection; returns its new bytes and the names it renamed. A
 * definition named in `weaken` becomes a weak one (the names are not changed).
 */
function renameInSymtab(
  payload: Uint8Array,
  names: ReadonlyMap<string, string>,
  hits: string[],
  weaken: ReadonlySet<string> = new Set(),
) {
  const r = new Reader(payload);
  const out: number[] = [];
  const count = r.leb();
  out.push(...leb(count));
  for (let i = 0; i < count; i++) {
    const kind = r.u8();
    const flags = r.leb();
    // The flags precede the name: written once the name is known.
    const flagsAt = out.length;
    out.push(kind);
    const name = (): void => {
      const n = utf8.decode(r.bytes(r.leb()));
      const to = names.get(n);
      if (to !== undefined) hits.push(n);
      if (weaken.has(n) && !(flags & FLAG_UNDEFINED)) {
        hits.push(n);
        out.splice(flagsAt + 1, 0, ...leb((flags & ~FLAG_BINDING_LOCAL) | FLAG_BINDING_WEAK));
      } else out.splice(flagsAt + 1, 0, ...leb(flags));
      out.push(...encode(to ?? n));
    };
    const noName = () => out.splice(flagsAt + 1, 0, ...leb(flags));
    if (
      kind === SYMTAB_FUNCTION ||
      kind === SYMTAB_GLOBAL ||
      kind === SYMTAB_EVENT ||
      kind === SYMTAB_TABLE
    ) {
      const index = leb(r.leb());
      if (!(flags & FLAG_UNDEFINED) || flags & FLAG_EXPLICIT_NAME) {
        out.push(...index);
        name();
      } else {
        noName();
        out.push(...index);
      }
    } else if (kind === SYMTAB_DATA) {
      name();
      if (!(flags & FLAG_UNDEFINED)) for (let k = 0; k < 3; k++) out.push(...leb(r.leb()));
    } else if (kind === SYMTAB_SECTION) {
      noName();
      out.push(...leb(r.leb()));
    } else {
      throw new Error(`unknown wasm symbol kind ${kind}`);
    }
  }
  return out;
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
  weaken?: ReadonlySet<string>,
): { bytes: Uint8Array; renamed: string[] } {
  if (!WASM_MAGIC.every((b, i) => object[i] === b)) throw new Error('not a wasm object file');
  const r = new Reader(object, 8);
  const out: Uint8Array[] = [object.subarray(0, 8)];
  const renamed: string[] = [];
  while (r.pos < object.length) {
    const id = r.u8();
    const size = r.leb();
    const start = r.pos;
    const body = r.bytes(size);
    if (id === 0) {
      const sr = new Reader(body);
      const sectionName = utf8.decode(sr.bytes(sr.leb()));
      if (sectionName === 'linking') {
        const content: number[] = [...body.subarray(0, sr.pos)];
        content.push(...leb(sr.leb())); // version
        while (sr.pos < body.length) {
          const type = sr.u8();
          const payload = sr.bytes(sr.leb());
          const rewritten =
            type === SUBSECTION_SYMBOL_TABLE
              ? renameInSymtab(payload, names, renamed, weaken)
              : [...payload];
          // Not push(...rewritten): a large object's symbol table (one codegen unit of a Rust
          // crate) has more bytes than a call may take arguments.
          content.push(type, ...leb(rewritten.length));
          for (const b of rewritten) content.push(b);
        }
        out.push(Uint8Array.from([id, ...leb(content.length), ...content]));
        continue;
      }
    }
    out.push(Uint8Array.from([id, ...leb(size)]), object.subarray(start, start + size));
  }
  return { bytes: Buffer.concat(out), renamed };
}
