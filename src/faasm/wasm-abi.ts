/**
 * A module's imports and exports with their wasm types, read from the binary's type, import,
 * function, global and export sections. WebAssembly.Module.imports() gives names and kinds
 * only (type reflection is not in Node 20), and the Faasm link check needs the types.
 */
import { readLeb } from '../runner/wasm-memory.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export type ExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface AbiImport {
  module: string;
  name: string;
  kind: ExternKind;
  /** Functions only. */
  type?: FuncType;
}

export interface AbiExport {
  name: string;
  kind: ExternKind;
  /** Functions only. */
  type?: FuncType;
  /** Globals only. */
  global?: { type: ValType; mutable: boolean };
}

export interface ModuleAbi {
  imports: AbiImport[];
  exports: AbiExport[];
  /** Mutable globals the host cannot reach (not exported): state outside memory it cannot reset. */
  hiddenMutableGlobals: number;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};
const KINDS: ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];

export class WasmFormatError extends Error {}

class Reader {
  constructor(
    private bytes: Uint8Array,
    public pos: number,
  ) {}
  u32(): number {
    const { value, next } = readLeb(this.bytes, this.pos);
    this.pos = next;
    return value;
  }
  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new WasmFormatError('truncated wasm module');
    return b;
  }
  name(): string {
    const len = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new WasmFormatError(`unknown value type 0x${b.toString(16)}`);
    return t;
  }
  limits(): void {
    const flags = this.u32();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function isWasm(bytes: Uint8Array): boolean {
  return bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

/** Parses the sections that describe a module's interface; code and data are skipped. */
export function readModuleAbi(bytes: Uint8Array): ModuleAbi {
  if (!isWasm(bytes)) throw new WasmFormatError('not a WebAssembly module (bad magic)');
  const types: FuncType[] = [];
  const imports: AbiImport[] = [];
  const funcTypes: FuncType[] = []; // function index space: imported first, then defined
  const globals: { type: ValType; mutable: boolean }[] = [];
  const rawExports: { name: string; kind: ExternKind; index: number }[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const size = readLeb(bytes, pos + 1);
    const end = size.next + size.value;
    const r = new Reader(bytes, size.next);
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new WasmFormatError('a type that is not a function type');
        const params = Array.from({ length: r.u32() }, () => r.valtype());
        const results = Array.from({ length: r.u32() }, () => r.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = KINDS[r.byte()];
        if (!kind) throw new WasmFormatError(`import ${module}.${name} of unknown kind`);
        if (kind === 'function') {
          const type = types[r.u32()];
          if (!type) throw new WasmFormatError(`import ${module}.${name} has no such type`);
          imports.push({ module, name, kind, type });
          funcTypes.push(type);
        } else {
          if (kind === 'table') {
            r.byte();
            r.limits();
          } else if (kind === 'memory') r.limits();
          else if (kind === 'global') {
            globals.push({ type: r.valtype(), mutable: r.byte() === 1 });
          } else {
            r.byte();
            r.u32();
          }
          imports.push({ module, name, kind });
        }
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) {
        const type = types[r.u32()];
        if (!type) throw new WasmFormatError('a function with no such type');
        funcTypes.push(type);
      }
    } else if (id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        globals.push({ type: r.valtype(), mutable: r.byte() === 1 });
        // Skip the constant initialiser: opcodes up to `end` (0x0b); the immediates of the
        // constant ops LLVM emits (i32/i64.const, global.get) are LEBs with no 0x0b byte at
        // their end, so read them properly.
        for (let op = r.byte(); op !== 0x0b; op = r.byte()) {
          if (op === 0x41 || op === 0x42 || op === 0x23) r.u32();
          else if (op === 0x43) r.pos += 4;
          else if (op === 0x44) r.pos += 8;
          else throw new WasmFormatError(`unsupported op 0x${op.toString(16)} in a global`);
        }
      }
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = KINDS[r.byte()];
        if (!kind) throw new WasmFormatError(`export ${name} of unknown kind`);
        rawExports.push({ name, kind, index: r.u32() });
      }
    }
    pos = end;
  }
  const exports = rawExports.map(({ name, kind, index }): AbiExport => {
    if (kind === 'function') return { name, kind, type: funcTypes[index] };
    if (kind === 'global') return { name, kind, global: globals[index] };
    return { name, kind };
  });
  const exported = new Set(rawExports.filter((e) => e.kind === 'global').map((e) => e.index));
  const hiddenMutableGlobals = globals.filter((g, i) => g.mutable && !exported.has(i)).length;
  return { imports, exports, hiddenMutableGlobals };
}

export const formatType = (t: FuncType): string =>
  `(${t.params.join(', ')}) -> (${t.results.join(', ')})`;

export const sameType = (a: FuncType, b: FuncType): boolean => formatType(a) === formatType(b);
