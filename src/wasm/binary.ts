/**
 * The WebAssembly binary format at the byte level, the one reader every wasm parser here stands
 * on: the magic, unsigned LEB128 both ways, a cursor over a module's bytes, and the walk over its
 * sections. What the sections mean is read by the modules beside this one.
 */

/** A module or object whose bytes do not follow the format. */
export class WasmFormatError extends Error {}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Where the first section starts: after the magic and the 4-byte version. */
const HEADER = 8;

export function isWasm(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** Throws unless `bytes` start with the wasm magic; `what` names them in the message. */
export function assertWasm(bytes: Uint8Array, what = 'a WebAssembly module'): void {
  if (!isWasm(bytes)) throw new WasmFormatError(`not ${what} (bad magic)`);
}

/** An unsigned LEB128 at `pos`: its value and where the next field starts. */
export function readLeb(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new WasmFormatError('truncated LEB128 in wasm module');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: pos };
  }
}

/** `value` as the shortest unsigned LEB128 (exact up to 2^53). */
export function encodeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

/** A wasm name (length-prefixed UTF-8) as bytes. */
export function encodeName(s: string): number[] {
  const utf8 = new TextEncoder().encode(s);
  return [...encodeLeb(utf8.length), ...utf8];
}

/** A section: its id, then its body's length, then the body. */
export function encodeSection(id: number, body: ArrayLike<number>): number[] {
  return [id, ...encodeLeb(body.length), ...Array.from(body)];
}

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

/** The limits of a memory or table. */
export interface Limits {
  flags: number;
  min: number;
  max?: number;
}

const utf8 = new TextDecoder();

/** A cursor over wasm bytes; every read past the end is a WasmFormatError. */
export class WasmReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  u8(): number {
    const b = this.bytes[this.pos];
    if (b === undefined) throw new WasmFormatError('truncated wasm module');
    this.pos++;
    return b;
  }

  /** An unsigned LEB128 (u32 and the like). */
  leb(): number {
    const { value, next } = readLeb(this.bytes, this.pos);
    this.pos = next;
    return value;
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new WasmFormatError('truncated wasm module');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    return utf8.decode(this.take(this.leb()));
  }

  valtype(): ValType {
    const b = this.u8();
    const t = VALTYPES[b];
    if (!t) throw new WasmFormatError(`unknown value type 0x${b.toString(16)}`);
    return t;
  }

  limits(): Limits {
    const flags = this.leb();
    const min = this.leb();
    return flags & 1 ? { flags, min, max: this.leb() } : { flags, min };
  }
}

/** One section of a module: where it starts (its id byte), its body, and where it ends. */
export interface Section {
  id: number;
  start: number;
  bodyStart: number;
  end: number;
}

/** The sections of a module, in order (the magic is checked by the caller). */
export function* sections(bytes: Uint8Array): Generator<Section> {
  let pos = HEADER;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const size = readLeb(bytes, pos + 1);
    const end = size.next + size.value;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} runs past the module's end`);
    yield { id, start: pos, bodyStart: size.next, end };
    pos = end;
  }
}

/** A section's body. */
export const body = (bytes: Uint8Array, s: Section): Uint8Array =>
  bytes.subarray(s.bodyStart, s.end);

/** `bytes` with the section `s` replaced by `replacement` (a whole section, id included). */
export function replaceSection(
  bytes: Uint8Array,
  s: Section,
  replacement: ArrayLike<number>,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length - (s.end - s.start) + replacement.length);
  out.set(bytes.subarray(0, s.start), 0);
  out.set(replacement, s.start);
  out.set(bytes.subarray(s.end), s.start + replacement.length);
  return out;
}
