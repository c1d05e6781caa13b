/**
 * The guest's linear memory as the host's calls see it: bytes, integers, strings, iovecs and
 * WASI structs at guest pointers, every access bounds-checked. Shared by the WASI calls and the
 * Faasm host interface (runner/guest-imports.ts); each says what a bad access becomes (WASI:
 * errno FAULT, or INVAL for a path that is not UTF-8; the host interface: a trap naming the call).
 *
 * The memory is fetched at every access, never kept: memory.grow replaces its buffer.
 */
import { Iovec, type Codec } from './structs.js';

/** What went wrong: `bounds` (the range is outside memory) or `utf8` (a string is not UTF-8). */
export interface MemoryProblem {
  kind: 'bounds' | 'utf8';
  ptr: number;
  len: number;
  /** The caller's label, e.g. the import's name. */
  what: string;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export class GuestMemory {
  constructor(
    private readonly memory: () => WebAssembly.Memory,
    private readonly problem: (p: MemoryProblem) => Error,
  ) {}

  /** A live view of `len` bytes at `ptr`. */
  bytes(ptr: number, len: number, what = ''): Uint8Array {
    const buf = this.memory().buffer;
    if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) {
      throw this.problem({ kind: 'bounds', ptr, len, what });
    }
    return new Uint8Array(buf, ptr, len);
  }

  /** A copy of `len` bytes at `ptr`. */
  copy(ptr: number, len: number, what = ''): Uint8Array {
    return this.bytes(ptr, len, what).slice();
  }

  write(ptr: number, data: Uint8Array, what = ''): void {
    this.bytes(ptr, data.length, what).set(data);
  }

  u32(ptr: number, what = ''): number {
    return this.view(ptr, 4, what).getUint32(0, true);
  }

  setU32(ptr: number, value: number, what = ''): void {
    this.view(ptr, 4, what).setUint32(0, value, true);
  }

  u64(ptr: number, what = ''): bigint {
    return this.view(ptr, 8, what).getBigUint64(0, true);
  }

  setU64(ptr: number, value: bigint | number, what = ''): void {
    this.view(ptr, 8, what).setBigUint64(0, BigInt(value), true);
  }

  get<T>(codec: Codec<T>, ptr: number, what = ''): T {
    return codec.decode(this.view(ptr, codec.size, what), 0);
  }

  /** Writes the whole struct, padding included. */
  put<T>(codec: Codec<T>, ptr: number, value: T, what = ''): void {
    codec.encode(this.view(ptr, codec.size, what), 0, value);
  }

  /** `len` bytes at `ptr` as strict UTF-8. */
  string(ptr: number, len: number, what = ''): string {
    const bytes = this.bytes(ptr, len, what);
    try {
      return utf8Strict.decode(bytes);
    } catch {
      throw this.problem({ kind: 'utf8', ptr, len, what });
    }
  }

  /** The bytes from `ptr` to the next NUL (not included); undefined when memory ends first. */
  cstring(ptr: number): Uint8Array | undefined {
    const mem = new Uint8Array(this.memory().buffer);
    if (ptr < 0 || ptr >= mem.length) return undefined;
    const end = mem.indexOf(0, ptr);
    return end < 0 ? undefined : mem.subarray(ptr, end);
  }

  /** The buffers of an iovec (or ciovec) array: `count` entries at `ptr`, each bounds-checked. */
  iovecs(ptr: number, count: number, what = ''): Uint8Array[] {
    const list = this.view(ptr, count * Iovec.size, what);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const { buf, bufLen } = Iovec.decode(list, i * Iovec.size);
      out.push(this.bytes(buf, bufLen, what));
    }
    return out;
  }

  private view(ptr: number, len: number, what: string): DataView {
    const b = this.bytes(ptr, len, what);
    return new DataView(b.buffer, b.byteOffset, len);
  }
}
