/**
 * Lowers the declared maximum of a module's own linear memory, so that `memory.grow` beyond the
 * cap fails inside the guest (malloc returns NULL, Python raises MemoryError) instead of eating
 * the host. memory.grow is an instruction, not an import, so the declared maximum is the one
 * place a host can enforce a cap; the module is patched once, before it is compiled.
 */

const PAGE = 65536;

export function readLeb(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new Error('truncated LEB128 in wasm module');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: pos };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

export interface MemoryLimits {
  minPages: number;
  maxPages?: number;
}

/** Returns the module with its (single, defined, 32-bit) memory's max set to `maxBytes`. */
export function capModuleMemory(
  wasm: Uint8Array,
  maxBytes: number,
): { bytes: Uint8Array<ArrayBuffer>; before: MemoryLimits; after: MemoryLimits } {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new Error('not a WebAssembly module (bad magic)');
  }
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos]!;
    const size = readLeb(wasm, pos + 1);
    const bodyStart = size.next;
    const bodyEnd = bodyStart + size.value;
    if (id === 5) {
      const count = readLeb(wasm, bodyStart);
      if (count.value !== 1) throw new Error(`expected one memory, found ${count.value}`);
      const flags = wasm[count.next]!;
      if (flags & ~1)
        throw new Error(`unsupported memory flags 0x${flags.toString(16)} (shared or 64-bit)`);
      const min = readLeb(wasm, count.next + 1);
      const max = flags & 1 ? readLeb(wasm, min.next) : undefined;
      const before: MemoryLimits = { minPages: min.value, maxPages: max?.value };
      let maxPages = Math.floor(maxBytes / PAGE);
      if (before.maxPages !== undefined) maxPages = Math.min(maxPages, before.maxPages);
      if (maxPages < min.value) {
        throw new Error(
          `the module needs ${min.value * PAGE} bytes of memory at start, over the ${maxBytes}-byte cap`,
        );
      }
      const body = [...leb(1), 0x01, ...leb(min.value), ...leb(maxPages)];
      const section = [5, ...leb(body.length), ...body];
      const out = new Uint8Array(wasm.length - (bodyEnd - pos) + section.length);
      out.set(wasm.subarray(0, pos), 0);
      out.set(section, pos);
      out.set(wasm.subarray(bodyEnd), pos + section.length);
      return { bytes: out, before, after: { minPages: min.value, maxPages } };
    }
    pos = bodyEnd;
  }
  throw new Error('the module defines no memory (an imported memory cannot be capped here)');
}
