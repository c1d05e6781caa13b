/**
 * Lowers the declared maximum of a module's own linear memory, so that `memory.grow` beyond the
 * cap fails inside the guest (malloc returns NULL, Python raises MemoryError) instead of eating
 * the host. memory.grow is an instruction, not an import, so the declared maximum is the one
 * place a host can enforce a cap; the module is patched once, before it is compiled.
 */
import {
  type MemoryLimits,
  WASM_PAGE as PAGE,
  definedMemory,
  withMemoryLimits,
} from '../wasm/memory.js';

/** Returns the module with its (single, defined, 32-bit) memory's max set to `maxBytes`. */
export function capModuleMemory(
  wasm: Uint8Array,
  maxBytes: number,
): { bytes: Uint8Array<ArrayBuffer>; before: MemoryLimits; after: MemoryLimits } {
  const { limits: before, section } = definedMemory(wasm);
  let maxPages = Math.floor(maxBytes / PAGE);
  if (before.maxPages !== undefined) maxPages = Math.min(maxPages, before.maxPages);
  if (maxPages < before.minPages) {
    throw new Error(
      `the module needs ${before.minPages * PAGE} bytes of memory at start, over the ${maxBytes}-byte cap`,
    );
  }
  const after: MemoryLimits = { minPages: before.minPages, maxPages };
  return { bytes: withMemoryLimits(wasm, section, after), before, after };
}
