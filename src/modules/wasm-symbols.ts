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

/**
 * Bytes appended piece by piece. Never `out.push(...piece)`: spread arguments go on the stack,
 * and a big object's symbol table (pandas' Cython modules: hundreds of thousands of bytes)
 * overflowed it ("Maximum call stack size exceeded").
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

const utf8 = new TextDecoder();

/** Rewrites the symbol table subsection; returns its new bytes and the names it renamed. */
function renameInSymtab(payload: Uint8Array, names: ReadonlyMap<string, string>, hits: string[]) {
  const r = new Reader(payload);
  const out = new Writer();
  const count = r.leb();
  out.add(leb(count));
  for (let i = 0; i < count; i++) {
    const kind = r.u8();
    const flags = r.leb();
    out.add([kind]).add(leb(flags));
    const name = (): void => {
      const raw = r.bytes(r.leb());
      const to = names.get(utf8.decode(raw));
      if (to !== undefined) hits.push(utf8.decode(raw));
      const bytes = to === undefined ? raw : Buffer.from(to);
      out.add(leb(bytes.length)).add(bytes);
    };
    if (
      kind === SYMTAB_FUNCTION ||
      kind === SYMTAB_GLOBAL ||
      kind === SYMTAB_EVENT ||
      kind === SYMTAB_TABLE
    ) {
      out.add(leb(r.leb()));
      if (!(flags & FLAG_UNDEFINED) || flags & FLAG_EXPLICIT_NAME) name();
    } else if (kind === SYMTAB_DATA) {
      name();
      if (!(flags & FLAG_UNDEFINED)) for (let k = 0; k < 3; k++) out.add(leb(r.leb()));
    } else if (kind === SYMTAB_SECTION) {
      out.add(leb(r.leb()));
    } else {
      throw new Error(`unknown wasm symbol kind ${kind}`);
    }
  }
  return out.bytes();
}

/**
 * `object` with the symbols named in `names` renamed (old name -> new name), and which of them
 * it had. An object without a `linking` section (not relocatable) is returned unchanged.
 */
export function renameWasmSymbols(
  object: Uint8Array,
  names: ReadonlyMap<string, string>,
): { bytes: Uint8Array; renamed: string[] } {
  if (!WASM_MAGIC.every((b, i) => object[i] === b)) throw new Error('not a wasm object file');
  const r = new Reader(object, 8);
  const out = new Writer().add(object.subarray(0, 8));
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
        const content = new Writer().add(body.subarray(0, sr.pos));
        content.add(leb(sr.leb())); // version
        while (sr.pos < body.length) {
          const type = sr.u8();
          const payload = sr.bytes(sr.leb());
          const rewritten =
            type === SUBSECTION_SYMBOL_TABLE ? renameInSymtab(payload, names, renamed) : payload;
          content.add([type]).add(leb(rewritten.length)).add(rewritten);
        }
        out.add([id]).add(leb(content.length)).add(content.bytes());
        continue;
      }
    }
    out
      .add([id])
      .add(leb(size))
      .add(object.subarray(start, start + size));
  }
  return { bytes: out.bytes(), renamed };
}
