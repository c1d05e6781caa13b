// A module's own linear memory: its limits read from the memory section, and the module with
// them written again (the declared maximum is the one place a host can cap memory.grow).
import {
  type Section,
  WasmFormatError,
  WasmReader,
  assertWasm,
  body,
  encodeLeb,
  encodeSection,
  replaceSection,
  sections,
} from './binary.js';

/** The size of a wasm page, the unit of memory limits. */
export const WASM_PAGE = 65536;

const MEMORY_SECTION = 5;

export interface MemoryLimits {
  minPages: number;
  maxPages?: number;
}

/** The limits of the single 32-bit memory `wasm` defines, and the section that holds them. */
export function definedMemory(wasm: Uint8Array): { limits: MemoryLimits; section: Section } {
  assertWasm(wasm);
  for (const section of sections(wasm)) {
    if (section.id !== MEMORY_SECTION) continue;
    const r = new WasmReader(body(wasm, section));
    const count = r.leb();
    if (count !== 1) throw new WasmFormatError(`expected one memory, found ${count}`);
    const { flags, min, max } = r.limits();
    if (flags & ~1) {
      throw new WasmFormatError(
        `unsupported memory flags 0x${flags.toString(16)} (shared or 64-bit)`,
      );
    }
    return { limits: { minPages: min, maxPages: max }, section };
  }
  throw new WasmFormatError(
    'the module defines no memory (an imported memory cannot be capped here)',
  );
}

/** `wasm` with its memory section (from definedMemory) declaring `limits` instead. */
export function withMemoryLimits(
  wasm: Uint8Array,
  section: Section,
  limits: MemoryLimits,
): Uint8Array<ArrayBuffer> {
  const { minPages, maxPages } = limits;
  const body = [
    ...encodeLeb(1),
    maxPages === undefined ? 0x00 : 0x01,
    ...encodeLeb(minPages),
    ...(maxPages === undefined ? [] : encodeLeb(maxPages)),
  ];
  return replaceSection(wasm, section, encodeSection(MEMORY_SECTION, body));
}
