/**
 * A module's imports and exports with their wasm types, read from the binary's type, import,
 * function, global and export sections. WebAssembly.Module.imports() gives names and kinds
 * only (type reflection is not in Node 20), and the Faasm link check needs the types.
 */
import { type ValType, WasmFormatError, WasmReader, assertWasm, body, sections } from './binary.js';

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
  /** Every function's type, by function index: the imported ones first, then the defined. */
  functionTypes: FuncType[];
}

const KINDS: ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];

/** Parses the sections that describe a module's interface; code and data are skipped. */
export function readModuleAbi(bytes: Uint8Array): ModuleAbi {
  assertWasm(bytes);
  const types: FuncType[] = [];
  const imports: AbiImport[] = [];
  const funcTypes: FuncType[] = []; // function index space: imported first, then defined
  const globals: { type: ValType; mutable: boolean }[] = [];
  const rawExports: { name: string; kind: ExternKind; index: number }[] = [];
  for (const s of sections(bytes)) {
    const r = new WasmReader(body(bytes, s));
    if (s.id === 1) {
      for (let n = r.leb(); n > 0; n--) {
        if (r.u8() !== 0x60) throw new WasmFormatError('a type that is not a function type');
        const params = Array.from({ length: r.leb() }, () => r.valtype());
        const results = Array.from({ length: r.leb() }, () => r.valtype());
        types.push({ params, results });
      }
    } else if (s.id === 2) {
      for (let n = r.leb(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = KINDS[r.u8()];
        if (!kind) throw new WasmFormatError(`import ${module}.${name} of unknown kind`);
        if (kind === 'function') {
          const type = types[r.leb()];
          if (!type) throw new WasmFormatError(`import ${module}.${name} has no such type`);
          imports.push({ module, name, kind, type });
          funcTypes.push(type);
        } else {
          if (kind === 'table') {
            r.u8();
            r.limits();
          } else if (kind === 'memory') r.limits();
          else if (kind === 'global') {
            globals.push({ type: r.valtype(), mutable: r.u8() === 1 });
          } else {
            r.u8();
            r.leb();
          }
          imports.push({ module, name, kind });
        }
      }
    } else if (s.id === 3) {
      for (let n = r.leb(); n > 0; n--) {
        const type = types[r.leb()];
        if (!type) throw new WasmFormatError('a function with no such type');
        funcTypes.push(type);
      }
    } else if (s.id === 6) {
      for (let n = r.leb(); n > 0; n--) {
        globals.push({ type: r.valtype(), mutable: r.u8() === 1 });
        // Skip the constant initialiser: opcodes up to `end` (0x0b); the immediates of the
        // constant ops LLVM emits (i32/i64.const, global.get) are LEBs with no 0x0b byte at
        // their end, so read them properly.
        for (let op = r.u8(); op !== 0x0b; op = r.u8()) {
          if (op === 0x41 || op === 0x42 || op === 0x23) r.leb();
          else if (op === 0x43) r.take(4);
          else if (op === 0x44) r.take(8);
          else throw new WasmFormatError(`unsupported op 0x${op.toString(16)} in a global`);
        }
      }
    } else if (s.id === 7) {
      for (let n = r.leb(); n > 0; n--) {
        const name = r.name();
        const kind = KINDS[r.u8()];
        if (!kind) throw new WasmFormatError(`export ${name} of unknown kind`);
        rawExports.push({ name, kind, index: r.leb() });
      }
    }
  }
  const exports = rawExports.map(({ name, kind, index }): AbiExport => {
    if (kind === 'function') return { name, kind, type: funcTypes[index] };
    if (kind === 'global') return { name, kind, global: globals[index] };
    return { name, kind };
  });
  const exported = new Set(rawExports.filter((e) => e.kind === 'global').map((e) => e.index));
  const hiddenMutableGlobals = globals.filter((g, i) => g.mutable && !exported.has(i)).length;
  return { imports, exports, hiddenMutableGlobals, functionTypes: funcTypes };
}

export const formatType = (t: FuncType): string =>
  `(${t.params.join(', ')}) -> (${t.results.join(', ')})`;

export const sameType = (a: FuncType, b: FuncType): boolean => formatType(a) === formatType(b);
