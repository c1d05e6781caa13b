import { describe, expect, test } from '@jest/globals';
import {
  Dirent,
  Event,
  Fdstat,
  Filestat,
  Iovec,
  Prestat,
  SubscriptionClock,
  SubscriptionFd,
  type Codec,
} from '../../../../src/runner/wasi/structs.js';

// Each codec against bytes written out by hand from wasi-libc's wasi/api.h (the witx layout:
// `_Static_assert(offsetof(__wasi_filestat_t, nlink) == 24, ...)` and so on), one row of 8
// bytes per line, little-endian. A wrong offset in a codec cannot pass here, even when the
// calls and the other tests share it.

const hex = (...rows: string[]) =>
  Uint8Array.from(
    rows
      .join(' ')
      .split(/\s+/)
      .filter(Boolean)
      .map((b) => parseInt(b, 16)),
  );

function pin<T>(codec: Codec<T>, value: T, expected: Uint8Array): void {
  expect(codec.size).toBe(expected.length);
  // Encoded in the middle of a dirty buffer: padding is written as zeros, nothing outside it.
  const buf = new Uint8Array(expected.length + 16).fill(0xaa);
  codec.encode(new DataView(buf.buffer), 8, value);
  expect(Buffer.from(buf.subarray(8, 8 + expected.length)).toString('hex')).toBe(
    Buffer.from(expected).toString('hex'),
  );
  expect(buf.subarray(0, 8).every((b) => b === 0xaa)).toBe(true);
  expect(buf.subarray(8 + expected.length).every((b) => b === 0xaa)).toBe(true);
  const copy = new Uint8Array(expected.length + 3);
  copy.set(expected, 3);
  expect(codec.decode(new DataView(copy.buffer), 3)).toEqual(value);
}

describe('WASI preview1 structs match the witx layout byte for byte', () => {
  test('iovec / ciovec: buf@0 u32, buf_len@4 u32; size 8', () => {
    pin(Iovec, { buf: 0x1000, bufLen: 0x20 }, hex('00 10 00 00  20 00 00 00'));
  });

  test('fdstat: fs_filetype@0 u8, fs_flags@2 u16, fs_rights_base@8, fs_rights_inheriting@16; size 24', () => {
    pin(
      Fdstat,
      { filetype: 3, flags: 0x0102, rightsBase: 0x0a0b0c0d0e0f1011n, rightsInheriting: 0x1fn },
      hex('03 00 02 01 00 00 00 00', '11 10 0f 0e 0d 0c 0b 0a', '1f 00 00 00 00 00 00 00'),
    );
  });

  test('filestat: dev@0 ino@8 filetype@16 nlink@24 size@32 atim@40 mtim@48 ctim@56; size 64', () => {
    pin(
      Filestat,
      {
        dev: 0x0102030405060708n,
        ino: 0x1112131415161718n,
        filetype: 4,
        nlink: 0x21n,
        size: 0x3132n,
        atim: 0x41n,
        mtim: 0x51n,
        ctim: 0x61n,
      },
      hex(
        '08 07 06 05 04 03 02 01',
        '18 17 16 15 14 13 12 11',
        '04 00 00 00 00 00 00 00',
        '21 00 00 00 00 00 00 00',
        '32 31 00 00 00 00 00 00',
        '41 00 00 00 00 00 00 00',
        '51 00 00 00 00 00 00 00',
        '61 00 00 00 00 00 00 00',
      ),
    );
  });

  test('dirent: d_next@0 d_ino@8 d_namlen@16 u32 d_type@20 u8; size 24', () => {
    pin(
      Dirent,
      { next: 2n, ino: 0x0123456789abcdefn, namlen: 5, type: 4 },
      hex('02 00 00 00 00 00 00 00', 'ef cd ab 89 67 45 23 01', '05 00 00 00 04 00 00 00'),
    );
  });

  test('prestat: tag@0 u8, then prestat_dir pr_name_len@4 u32; size 8', () => {
    pin(Prestat, { tag: 0, nameLen: 0x0102 }, hex('00 00 00 00  02 01 00 00'));
  });

  test('subscription, clock: userdata@0, tag@8, then id@16 timeout@24 precision@32 flags@40; size 48', () => {
    pin(
      SubscriptionClock,
      { userdata: 0x0807060504030201n, type: 0, id: 1, timeout: 1_000_000_000n, precision: 0x10n, flags: 1 }, // prettier-ignore
      hex(
        '01 02 03 04 05 06 07 08',
        '00 00 00 00 00 00 00 00',
        '01 00 00 00 00 00 00 00',
        '00 ca 9a 3b 00 00 00 00',
        '10 00 00 00 00 00 00 00',
        '01 00 00 00 00 00 00 00',
      ),
    );
  });

  test('subscription, fd_read/fd_write: userdata@0, tag@8, file_descriptor@16; size 48', () => {
    pin(
      SubscriptionFd,
      { userdata: 9n, type: 1, fd: 5 },
      hex(
        '09 00 00 00 00 00 00 00',
        '01 00 00 00 00 00 00 00',
        '05 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
        '00 00 00 00 00 00 00 00',
      ),
    );
  });

  test('event: userdata@0, error@8 u16, type@10 u8, fd_readwrite nbytes@16 flags@24; size 32', () => {
    pin(
      Event,
      { userdata: 0x77n, error: 28, type: 1, nbytes: 0x0100n, flags: 1 },
      hex(
        '77 00 00 00 00 00 00 00',
        '1c 00 01 00 00 00 00 00',
        '00 01 00 00 00 00 00 00',
        '01 00 00 00 00 00 00 00',
      ),
    );
  });
});
