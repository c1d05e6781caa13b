/**
 * The WASI preview1 structs the calls read and write in guest memory, each declared once as a
 * table of (byte offset, width) per field, little-endian. Offsets and sizes are the witx layout
 * of WebAssembly/WASI `legacy/preview1/witx/typenames.witx`, as wasi-libc's generated
 * `wasi/api.h` asserts them (`_Static_assert(offsetof(__wasi_filestat_t, ino) == 8, "witx
 * calculated offset")`): the header the guest is compiled against.
 *
 * A codec writes every byte of its struct (padding as zeros) and reads fields back; the calls
 * and the tests use the same codecs, and test/unit/runner/wasi/structs.test.ts pins each one
 * against bytes written out by hand from the header.
 */

type Width = 'u8' | 'u16' | 'u32' | 'u64';
type Layout = Readonly<Record<string, readonly [offset: number, width: Width]>>;
type ValueOf<W extends Width> = W extends 'u64' ? bigint : number;

/** A struct's field values: u64 fields are bigints, the others numbers. */
export type Fields<L extends Layout> = { -readonly [K in keyof L]: ValueOf<L[K][1]> };

export interface Codec<T> {
  /** sizeof, in bytes. */
  readonly size: number;
  encode(view: DataView, at: number, value: T): void;
  decode(view: DataView, at: number): T;
}

function struct<const L extends Layout>(size: number, layout: L): Codec<Fields<L>> {
  const fields = Object.entries(layout);
  return {
    size,
    encode(view, at, value) {
      new Uint8Array(view.buffer, view.byteOffset + at, size).fill(0);
      for (const [name, [off, width]] of fields) {
        const v = (value as Record<string, number | bigint>)[name]!;
        if (width === 'u64') view.setBigUint64(at + off, BigInt(v), true);
        else if (width === 'u32') view.setUint32(at + off, Number(v), true);
        else if (width === 'u16') view.setUint16(at + off, Number(v), true);
        else view.setUint8(at + off, Number(v));
      }
    },
    decode(view, at) {
      const out: Record<string, number | bigint> = {};
      for (const [name, [off, width]] of fields) {
        out[name] =
          width === 'u64' ? view.getBigUint64(at + off, true)
          : width === 'u32' ? view.getUint32(at + off, true)
          : width === 'u16' ? view.getUint16(at + off, true)
          : view.getUint8(at + off); // prettier-ignore
      }
      return out as Fields<L>;
    },
  };
}

/** iovec and ciovec (the same layout): a guest buffer, `buf` and `buf_len`. */
export const Iovec = struct(8, { buf: [0, 'u32'], bufLen: [4, 'u32'] });

/** fdstat: what fd_fdstat_get reports. */
export const Fdstat = struct(24, {
  filetype: [0, 'u8'],
  flags: [2, 'u16'],
  rightsBase: [8, 'u64'],
  rightsInheriting: [16, 'u64'],
});

/** filestat: fd_filestat_get and path_filestat_get. */
export const Filestat = struct(64, {
  dev: [0, 'u64'],
  ino: [8, 'u64'],
  filetype: [16, 'u8'],
  nlink: [24, 'u64'],
  size: [32, 'u64'],
  atim: [40, 'u64'],
  mtim: [48, 'u64'],
  ctim: [56, 'u64'],
});
export type Filestat = ReturnType<typeof Filestat.decode>;

/** dirent: the head of each fd_readdir record; the name's `namlen` bytes follow it. */
export const Dirent = struct(24, {
  next: [0, 'u64'],
  ino: [8, 'u64'],
  namlen: [16, 'u32'],
  type: [20, 'u8'],
});

/** prestat: a union tagged by preopentype; its only variant, `dir`, holds the name's length. */
export const Prestat = struct(8, { tag: [0, 'u8'], nameLen: [4, 'u32'] });
export const PREOPENTYPE_DIR = 0;

/**
 * subscription: `userdata`, then a union tagged by eventtype at 8 whose payload starts at 16
 * (subscription_u is 8-aligned). One codec per variant; read `type` first with either.
 */
export const SubscriptionClock = struct(48, {
  userdata: [0, 'u64'],
  type: [8, 'u8'],
  id: [16, 'u32'],
  timeout: [24, 'u64'],
  precision: [32, 'u64'],
  flags: [40, 'u16'],
});
export const SubscriptionFd = struct(48, {
  userdata: [0, 'u64'],
  type: [8, 'u8'],
  fd: [16, 'u32'],
});

/** event: what poll_oneoff reports; `nbytes` and `flags` are event_fd_readwrite (zero for a clock). */
export const Event = struct(32, {
  userdata: [0, 'u64'],
  error: [8, 'u16'],
  type: [10, 'u8'],
  nbytes: [16, 'u64'],
  flags: [24, 'u16'],
});
export type Event = ReturnType<typeof Event.decode>;
