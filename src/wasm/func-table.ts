/**
 * What a linked module's function table holds when it starts: the type of the function in each
 * slot, read from its active element segments. On wasm32 a C function pointer is a slot of this
 * table, so this is what a pointer's callee is (src/cpython/call-params.ts).
 */
import { WasmFormatError, WasmReader, body, sections } from './binary.js';
import { type FuncType, readModuleAbi } from './module-abi.js';

const ELEMENT_SECTION = 9;
const I32_CONST = 0x41;
const END = 0x0b;

/** An active segment's offset: `i32.const N end`, the only form linkers emit for a table. */
function constOffset(r: WasmReader): number {
  const op = r.u8();
  if (op !== I32_CONST)
    throw new WasmFormatError(`an element offset that is not i32.const (0x${op.toString(16)})`);
  // A signed LEB; a table offset is never negative, and then it reads as an unsigned one.
  const value = r.leb();
  if (r.u8() !== END) throw new WasmFormatError('an element offset longer than one i32.const');
  return value;
}

/** The function indices of a segment's vector. */
function funcIndices(r: WasmReader): number[] {
  return Array.from({ length: r.leb() }, () => r.leb());
}

/**
 * The type of each slot of table 0 as the module starts (undefined for an empty slot). Segments
 * with expressions instead of function indices (flags 4 to 7) are not what C linkers write, and
 * are refused rather than guessed at.
 */
export function readFunctionTable(bytes: Uint8Array): (FuncType | undefined)[] {
  // readModuleAbi checks the magic, and gives every function's type by index.
  const types = readModuleAbi(bytes).functionTypes;
  const slots: (FuncType | undefined)[] = [];
  for (const s of sections(bytes)) {
    if (s.id !== ELEMENT_SECTION) continue;
    const r = new WasmReader(body(bytes, s));
    for (let n = r.leb(); n > 0; n--) {
      const flags = r.leb();
      let table = 0;
      let offset: number | undefined;
      if (flags === 0) offset = constOffset(r);
      else if (flags === 2) {
        table = r.leb();
        offset = constOffset(r);
        r.u8(); // elemkind: 0x00, funcref
      } else if (flags === 1 || flags === 3)
        r.u8(); // passive or declarative: not in the table
      else throw new WasmFormatError(`an element segment of kind ${flags}, with expressions`);
      const funcs = funcIndices(r);
      if (offset === undefined || table !== 0) continue;
      funcs.forEach((f, i) => {
        const type = types[f];
        if (!type)
          throw new WasmFormatError(`element segment names function ${f}, which does not exist`);
        slots[offset + i] = type;
      });
    }
  }
  return Array.from({ length: slots.length }, (_, i) => slots[i]);
}
